"""kefu.core.excel: every workbook Kefu writes has a formatted, frozen header, numbers as
numbers, and keeps typed text as text (a "=" never becomes a live formula)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from kefu.core.excel import workbook


def test_header_numbers_text_and_widths():
    data = workbook(
        [
            (
                "坐席绩效",
                ["工号", "坐席", "质检平均分"],
                [["1001", "李娜", 92.5], ["1002", '=HYPERLINK("http://x","点我")', 7], ["x\x07y"]],
            ),
            ("空", [], []),
        ]
    )
    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["坐席绩效", "空"]
    sheet = book["坐席绩效"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert [c.value for c in sheet[2]] == ["1001", "李娜", 92.5]
    assert isinstance(sheet["C2"].value, float) and isinstance(sheet["C3"].value, int)
    formula = sheet["B3"]
    assert formula.data_type == "s" and formula.value.startswith("=HYPERLINK")
    assert sheet["A4"].value == "xy"  # the control character openpyxl refuses is dropped
    # Wide enough for the longest text, a Chinese character counting two places.
    assert sheet.column_dimensions["B"].width >= len('=HYPERLINK("http://x","点我")') + 2
    assert sheet.column_dimensions["A"].width >= 6
    assert book["空"].max_row == 1
