"""Excel files Kefu writes for people: sheets of rows under a header."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str, *, local_name: str = "") -> HttpResponse:
    """A workbook as a download called ``filename`` (ASCII); ``local_name``, when given, is the
    name in the reader's language, which browsers that read ``filename*`` use instead."""
    response = HttpResponse(content, content_type=XLSX)
    disposition = f'attachment; filename="{filename}"'
    if local_name:
        disposition += f"; filename*=UTF-8''{quote(local_name)}"
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


def safe_cell(value: Any) -> Any:
    """Text without the control characters openpyxl refuses (a note typed with one must not
    make a workbook impossible to download); other values as they are."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def cell_text(value: object) -> str:
    """A cell of an imported sheet as text: empty for none, 13800000001 not 13800000001.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An .xlsx with one sheet named ``title``: ``header``, then ``rows``."""
    return workbook([(title, header, rows)])


HEADER_FILL = PatternFill("solid", fgColor="EEF2F6")
MAX_WIDTH = 60


def _width(value: Any) -> int:
    """A column width that fits the text: a Chinese character takes two places."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> bytes:
    """An .xlsx with one sheet per ``(title, header, rows)``, in order: the header bold on a
    tint with the panes frozen under it, columns as wide as their text, numbers as numbers,
    and text that starts with "=" kept as text, never a live formula."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has its sheet
    book.remove(first)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title)
        sheet.append([safe_cell(v) for v in header])
        widths = [_width(v) for v in header]
        for cell in sheet[1]:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
        for row in rows:
            values = [safe_cell(v) for v in row]
            sheet.append(values)
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":
                    cell.data_type = "s"
            for index, value in enumerate(values):
                if index == len(widths):
                    widths.append(0)
                widths[index] = max(widths[index], _width(value))
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)
        if header:
            sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
