"""The monthly complaint figures as an Excel workbook (openpyxl): one sheet per section, Chinese
headers, numbers as numbers and rates as percentages, so the center can chart and file it."""

from __future__ import annotations

import re
from io import BytesIO
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kefu.core.excel import HEADER_FILL, safe_cell
from kefu.core.measures import Measure
from kefu.reports.selectors import Callbacks, MonthlyStats, Row

if TYPE_CHECKING:
    from kefu.reports.boards import Board

PERCENT = "0.0%"
BOLD = Font(bold=True)


class _Sheet:
    """Rows written one after the other; a rate (float or None) shows as a percentage."""

    def __init__(self, book: Workbook, title: str, widths: list[int]) -> None:
        self.ws = book.create_sheet(title)
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width

    def header(self, *names: str) -> None:
        self.ws.append(list(names))
        for cell in self.ws[self.ws.max_row]:
            cell.font, cell.fill = BOLD, HEADER_FILL

    def row(self, *values, rates: tuple[int, ...] = (), bold: bool = False) -> None:
        self.ws.append([safe_cell(value) for value in values])
        line = self.ws[self.ws.max_row]
        for cell in line:
            if cell.data_type == "f":  # text typed as "=…" stays text, never a live formula
                cell.data_type = "s"
        for index in rates:
            line[index].number_format = PERCENT
        if bold:
            for cell in line:
                cell.font = BOLD

    def gap(self) -> None:
        self.ws.append([])


def monthly_workbook(stats: MonthlyStats, *, branch_name: str = "") -> bytes:
    """The workbook of ``stats`` as .xlsx bytes: 汇总, 类别与性质, 部门, 坐席, 回访, 原因与整改
    (a branch's report names the branch in its title)."""
    book = Workbook()
    book.remove(book.active)
    _summary(book, stats, branch_name)
    _matrix(book, stats)
    _rows(book, "部门", "部门", stats.departments, stats)
    _rows(book, "坐席", "坐席(受理人)", stats.agents, stats)
    _callbacks(book, stats)
    _lessons(book, stats)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(book: Workbook, stats: MonthlyStats, branch_name: str = "") -> None:
    s = _Sheet(book, "汇总", [24, 14])
    s.ws.append([f"{branch_name}{stats.month:%Y 年 %m 月}投诉统计"])
    s.ws["A1"].font = Font(bold=True, size=14)
    s.header("项目", "数值")
    s.row("投诉总数", stats.total, bold=True)
    severity, status, limits = stats.severity, stats.status, stats.time_limits
    for name, value in (
        ("一般投诉", severity.general),
        ("重大投诉", severity.major),
        ("集体投诉(件)", severity.collective),
        ("集体投诉(起)", severity.collective_groups),
        ("重复投诉", severity.repeat),
        ("处理中", status.open),
        ("已解决", status.resolved),
        ("已回访", status.followed_up),
        ("已归档", status.closed),
        ("已撤销/合并", status.cancelled),
        ("按时办结", limits.met),
        ("超时办结", limits.late),
        ("超时未办结", limits.breached),
        ("计时中", limits.running),
    ):
        s.row(name, value)
    s.row("办结及时率", limits.on_time_rate, rates=(1,))
    s.row("回访率", stats.callbacks.callback_rate, rates=(1,))
    s.row("满意率", stats.callbacks.satisfaction_rate, rates=(1,))
    s.row("满意度平均分", stats.callbacks.average_score)


def _matrix(book: Workbook, stats: MonthlyStats) -> None:
    classes = stats.classes
    s = _Sheet(book, "类别与性质", [18] + [14] * (len(classes) + 1))
    s.header("投诉类别", *[label for _code, label in classes], "合计")
    for line in stats.matrix:
        s.row(line.name, *[line.cells.get(code, 0) for code, _label in classes], line.total)
    s.row(
        "合计",
        *[stats.class_totals.get(code, 0) for code, _label in classes],
        stats.total,
        bold=True,
    )


ROW_HEADERS = (
    "投诉数",
    "已办结",
    "按时办结",
    "超时办结",
    "超时未办结",
    "办结及时率",
    "应回访",
    "已回访",
    "回访率",
    "满意",
    "不满意",
    "满意率",
    "平均分",
)


def _row_values(row: Row) -> list:
    limits, calls = row.time_limits, row.callbacks
    return [
        row.name,
        row.complaints,
        row.resolved,
        limits.met,
        limits.late,
        limits.breached,
        limits.on_time_rate,
        calls.due,
        calls.done,
        calls.callback_rate,
        calls.satisfied,
        calls.unsatisfied,
        calls.satisfaction_rate,
        calls.average_score,
    ]


def _rows(book: Workbook, title: str, first: str, rows: list[Row], stats: MonthlyStats) -> None:
    s = _Sheet(book, title, [18] + [11] * len(ROW_HEADERS))
    s.header(first, *ROW_HEADERS)
    for row in rows:
        s.row(*_row_values(row), rates=(6, 9, 12))
    total = Row(
        name="合计",
        complaints=stats.total,
        resolved=sum(r.resolved for r in rows),
        time_limits=stats.time_limits,
        callbacks=stats.callbacks,
    )
    s.row(*_row_values(total), rates=(6, 9, 12), bold=True)


CALLBACK_LINES: tuple[tuple[str, str], ...] = (
    ("应回访", "due"),
    ("已回访", "done"),
    ("按时回访", "in_time"),
    ("待回访", "open"),
    ("无法联系", "given_up"),
    ("客户拒绝回访", "refused"),
    ("不回访:客户拒绝回访(受理时)", "declined"),
    ("不回访:匿名", "anonymous"),
    ("不回访:未抽中", "not_sampled"),
    ("满意", "satisfied"),
    ("不满意", "unsatisfied"),
    ("满意度评价数", "surveys"),
)


def _callbacks(book: Workbook, stats: MonthlyStats) -> None:
    calls: Callbacks = stats.callbacks
    s = _Sheet(book, "回访", [30, 14])
    s.header("项目", "数值")
    for name, attr in CALLBACK_LINES:
        s.row(name, getattr(calls, attr))
    s.row("回访率", calls.callback_rate, rates=(1,))
    s.row("满意率", calls.satisfaction_rate, rates=(1,))
    s.row("满意度平均分", calls.average_score)


def _lessons(book: Workbook, stats: MonthlyStats) -> None:
    s = _Sheet(book, "原因与整改", [12, 18, 14, 14, 14, 8, 50, 50])
    s.header(
        "流水号", "受理时间", "投诉类别", "处理部门", "投诉性质", "严重程度", "原因分析", "整改措施"
    )
    for lesson in stats.lessons:
        s.row(
            lesson.serial,
            lesson.received_at.replace("T", " ")[:16],
            lesson.category,
            lesson.department,
            lesson.complaint_class,
            lesson.severity,
            lesson.cause,
            lesson.corrective_action,
        )
    wrap = Alignment(wrap_text=True, vertical="top")
    for line in s.ws.iter_rows(min_row=2, min_col=7, max_col=8):
        for cell in line:
            cell.alignment = wrap
    if stats.lessons_total > len(stats.lessons):
        s.gap()
        s.row(f"共 {stats.lessons_total} 条,此处列出前 {len(stats.lessons)} 条")


# ---------------------------------------------------------------------------------- reports

HOURS = "0.0"
SCORE = "0.00"


def sheet_name(text: str) -> str:
    """A sheet's name: at most 31 characters, none of the ones Excel refuses."""
    return re.sub(r"[\\/*?:\[\]]", " ", text).strip()[:31] or "Sheet"


def _number_format(measure: Measure) -> str | None:
    formats = {"rate": PERCENT, "hours": HOURS, "average": SCORE, "per10k": SCORE, "ratio": SCORE}
    return formats.get(measure.kind)


def board_workbook(board: Board) -> bytes:
    """A report as .xlsx bytes: the table (its lines, then the total), the split matrix when
    there is one, and the conditions it was read with. Header bold on a fill, the header row
    and the first column frozen, numbers as numbers, rates as percentages."""
    table = board.table
    book = Workbook()
    book.remove(book.active)
    main = _Sheet(book, sheet_name(str(board.report.title)), [22] + [14] * len(table.measures))
    main.header(str(table.by.label), *[str(m.label) for m in table.measures])
    for line in table.lines:
        main.row(line.label, *[line.values.get(m.key) for m in table.measures])
    main.row(_("合计"), *[table.total.get(m.key) for m in table.measures], bold=True)
    for index, measure in enumerate(table.measures, start=2):
        fmt = _number_format(measure)
        if fmt:
            for (cell,) in main.ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = fmt
    main.ws.freeze_panes = "B2"
    if table.split is not None and table.columns:
        first = table.measures[0]
        name = sheet_name(f"{first.label} × {table.split.label}")
        matrix = _Sheet(book, name, [22] + [12] * len(table.columns))
        matrix.header(str(table.by.label), *[label for _key, label in table.columns])
        for line in table.lines:
            matrix.row(line.label, *[line.cells.get(key) for key, _label in table.columns])
        matrix.ws.freeze_panes = "B2"
        fmt = _number_format(first)
        if fmt:
            for row in matrix.ws.iter_rows(min_row=2, min_col=2):
                for cell in row:
                    cell.number_format = fmt
    about = _Sheet(book, sheet_name(_("统计条件")), [16, 40])
    about.header(_("项目"), _("内容"))
    about.row(_("统计期间"), f"{table.query.start:%Y-%m-%d} — {table.query.end:%Y-%m-%d}")
    about.row(_("分支机构"), board.branch.name if board.branch else _("全中心"))
    for dimension, choices, value in board.filters:
        if value:
            about.row(str(dimension.label), dict(choices).get(value, value))
    if table.truncated:
        about.row(_("未列出的行"), table.truncated)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
