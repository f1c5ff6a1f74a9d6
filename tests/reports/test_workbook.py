"""The monthly figures as an Excel workbook, read back with openpyxl."""

import datetime as dt
from io import BytesIO

from openpyxl import load_workbook

from kefu.reports.services import monthly_statistics, monthly_workbook


def test_the_workbook_has_one_sheet_per_section_with_numbers_and_percentages(november):
    data = monthly_workbook(monthly_statistics(dt.date(2025, 11, 1)))
    book = load_workbook(BytesIO(data))
    assert book.sheetnames == ["汇总", "类别与性质", "部门", "坐席", "回访", "原因与整改"]

    summary = book["汇总"]
    assert summary["A1"].value == "2025 年 11 月投诉统计"
    assert (summary["A3"].value, summary["B3"].value) == ("投诉总数", 15)
    rows = {row[0]: row[1] for row in summary.iter_rows(min_row=3, values_only=True)}
    assert (rows["重大投诉"], rows["集体投诉(件)"], rows["超时未办结"]) == (7, 5, 1)
    assert rows["办结及时率"] == 0.7143
    rate_cell = next(c for c in summary["B"] if c.value == 0.7143)
    assert rate_cell.number_format == "0.0%"
    assert summary.column_dimensions["A"].width == 24

    matrix = book["类别与性质"]
    assert [c.value for c in matrix[1]] == [
        "投诉类别",
        "责任投诉",
        "无责任投诉",
        "协助处理投诉",
        "未界定",
        "合计",
    ]
    assert [c.value for c in matrix[3]] == ["供水中断", 0, 0, 1, 5, 6]
    assert [c.value for c in matrix[matrix.max_row]] == ["合计", 5, 1, 1, 8, 15]

    departments = book["部门"]
    assert [c.value for c in departments[2]][:10] == ["维修部", 4, 4, 3, 1, 0, 0.75, 2, 1, 0.5]
    assert departments["G2"].number_format == "0.0%"
    assert [c.value for c in departments[departments.max_row]][:3] == ["合计", 15, 6]

    agents = book["坐席"]
    assert [c.value for c in agents[2]][:3] == ["李娜", 13, 5]
    assert agents["A1"].value == "坐席(受理人)"

    callbacks = {r[0]: r[1] for r in book["回访"].iter_rows(min_row=2, values_only=True)}
    assert (callbacks["应回访"], callbacks["不回访:未抽中"], callbacks["回访率"]) == (2, 1, 0.5)

    lessons = book["原因与整改"]
    assert [c.value for c in lessons[2]] == [
        "251124001",
        "2025-11-24 09:00",
        "服务态度",
        "维修部",
        "责任投诉",
        "一般",
        "抄表员服务意识不足",
        "全员服务礼仪培训,抄表员佩证上岗",
    ]
