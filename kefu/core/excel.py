"""Excel files Kefu writes for people: one sheet of rows under a header."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


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


def workbook(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> bytes:
    """An .xlsx with one sheet per ``(title, header, rows)``, in order."""
    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has its sheet
    book.remove(first)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=title)
        sheet.append([safe_cell(v) for v in header])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
