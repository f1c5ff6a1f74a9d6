"""Monthly complaint reports: who may read them, their life (prepare → submit → review →
archive) and the filing deadline's sweep.

The center's report and each branch's (分支机构月报) live the same life; who takes which step:
``_may``. Subscriptions are kefu.reports.delivery's (re-exported here).

Each change locks the report row, checks the actor and the state, writes, and records an audit
row, in one transaction; a refused call changes nothing. ``monthly_statistics`` and
``monthly_workbook`` are the figures and their Excel file (also used by bench/complaints.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, overload

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kefu.accounts import org
from kefu.accounts.models import Branch, Role
from kefu.accounts.scope import scope_of
from kefu.core.calendar import next_month, parse_month, previous_month
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.notify.services import notify_users
from kefu.reports import boards
from kefu.reports.access import READ_ROLES, access_reports
from kefu.reports.delivery import (
    create_subscription,
    deliver_due,
    period_due,
    recipient_choices,
    retire_subscription,
    subscriptions_of,
)
from kefu.reports.export import monthly_workbook
from kefu.reports.models import MonthlyReport, SavedView
from kefu.reports.selectors import MonthlyStats, month_bounds, monthly_statistics

__all__ = [
    "ReportEntry",
    "ReportPage",
    "archive_report",
    "create_subscription",
    "deliver_due",
    "due_at_for",
    "get_report_page",
    "list_reports",
    "monthly_statistics",
    "monthly_workbook",
    "period_due",
    "prepare_report",
    "prepare_reports",
    "retire_subscription",
    "retire_view",
    "review_report",
    "save_view",
    "recipient_choices",
    "submit_report",
    "subscriptions_of",
    "sweep_report_deadlines",
    "views_of",
]

SUBMIT_ROLES: set[str] = {Role.SUPERVISOR}
REVIEW_ROLES: set[str] = {Role.GENERAL_MANAGER}
ARCHIVE_ROLES: set[str] = {Role.SUPERVISOR, Role.GENERAL_MANAGER}
PREPARE_ROLES = SUBMIT_ROLES | REVIEW_ROLES
# A branch's own report (分支机构月报) is written by the branch's lead: its team leads and a
# supervisor of the branch, if it has one. The center's supervisors may submit it on the
# branch's behalf, as they submit the center's (the center answers for every report being filed
# before the 5th; a branch without a lead, or whose lead is away, must not miss it). Whoever
# may submit a report may file it once approved, as for the center's; the general manager
# reviews them all.
BRANCH_LEAD_ROLES: set[str] = {Role.TEAM_LEAD, Role.SUPERVISOR}
# Who is told that the center's report is nearly or already past its filing time.
TOLD_ROLES = (Role.SUPERVISOR, Role.GENERAL_MANAGER)
DUE_DAY = 5  # filed before the 5th of the next month
WARN_BEFORE = dt.timedelta(days=2)
MAX_TEXT = 10_000
SWEEP_BATCH = 100

State = MonthlyReport.State
BranchRef = Branch | int | str | None


# ---------------------------------------------------------------------------------- access


def _branch(ref: BranchRef) -> Branch | None:
    """The branch ``ref`` names (a Branch, its id, or the id as text); None for none. INVALID
    for text that is not an id, NOT_FOUND for an id no branch has."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, Branch):
        return ref
    text = str(ref).strip()
    if not (text.isascii() and text.isdigit() and len(text) < 10):
        raise ServiceError(Code.INVALID, _("分支机构编号无效"), field="branch")
    found = Branch.objects.filter(pk=int(text)).first()
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("没有这个分支机构"), field="branch")
    return found


def _own_branch(actor) -> Branch | None:
    """The branch whose report ``actor`` works on when none is named: their own branch for a
    branch's reader of statistics, else the center's (None)."""
    scope = scope_of(actor)
    if scope.nothing or scope.role not in READ_ROLES or scope.branch_id is None:
        return None
    return org.branch(scope.branch_id)


def _target(actor, ref: BranchRef) -> Branch | None:
    return _branch(ref) if ref not in (None, "") else _own_branch(actor)


def _may(scope, action: str, branch: Branch | None) -> bool:
    """May someone of ``scope`` take step ``action`` on the report of ``branch`` (None: the
    center's)? A branch's staff act on their own branch's report only."""
    if scope.nothing:
        return False
    center_wide = scope.branch_id is None
    if branch is not None and not center_wide and scope.branch_id != branch.pk:
        return False
    if action == "review":
        return center_wide and scope.role in REVIEW_ROLES
    if branch is None:
        submits = center_wide and scope.role in SUBMIT_ROLES
    elif center_wide:
        submits = scope.role in SUBMIT_ROLES
    else:
        submits = scope.role in BRANCH_LEAD_ROLES
    reviews = center_wide and scope.role in REVIEW_ROLES
    if action == "submit":
        return submits
    return submits or reviews  # archive, prepare


REFUSALS = {
    "submit": (
        _lazy("只有客服主管可以提交月报"),
        _lazy("只有本分支机构的班长或客服主管可以提交分支机构月报"),
    ),
    "review": (_lazy("只有总经理可以审阅月报"), _lazy("只有总经理可以审阅月报")),
    "archive": (
        _lazy("只有客服主管或总经理可以归档月报"),
        _lazy("只有本分支机构的班长、客服主管或总经理可以归档分支机构月报"),
    ),
    "prepare": (_lazy("无权创建月度报表"), _lazy("无权创建月度报表")),
}


def _require(actor, action: str, branch: Branch | None) -> None:
    """FORBIDDEN unless ``actor`` may take ``action`` on the report of ``branch``."""
    scope = scope_of(actor)
    if _may(scope, action, branch):
        return
    center, of_branch = REFUSALS[action]
    if branch is None:
        roles = {"submit": SUBMIT_ROLES, "review": REVIEW_ROLES}.get(action, PREPARE_ROLES)
        if not scope.nothing and scope.role in roles:
            # the role would do, the branch does not: the report is the center's
            raise ServiceError(Code.FORBIDDEN, _("月度报表由客服中心提交与审阅"))
        raise ServiceError(Code.FORBIDDEN, str(center))
    if not scope.nothing and scope.role in READ_ROLES and scope.branch_id not in (None, branch.pk):
        raise ServiceError(Code.FORBIDDEN, _("不能操作其他分支机构的月报"))
    raise ServiceError(Code.FORBIDDEN, str(of_branch))


def allowed_actions(
    report: MonthlyReport | None, actor, *, month: dt.date, branch: Branch | None = None
) -> list[str]:
    """What ``actor`` may do to the month's report of ``branch`` now (the page's buttons)."""
    scope = scope_of(actor)
    if scope.nothing or not _has_ended(month):
        return []
    state = report.state if report is not None else State.DRAFT
    step: dict[str, str] = {
        State.DRAFT: "submit",
        State.SUBMITTED: "review",
        State.APPROVED: "archive",
    }
    action = step.get(state)
    return [action] if action is not None and _may(scope, action, branch) else []


# ---------------------------------------------------------------------------------- reads


def due_at_for(month: dt.date) -> dt.datetime:
    """00:00 of the 5th of the next month, the center's time (filed *before* the 5th)."""
    following = next_month(parse_month(month)).replace(day=DUE_DAY)
    return dt.datetime.combine(following, dt.time.min, tzinfo=timezone.get_default_timezone())


def _has_ended(month: dt.date) -> bool:
    return month_bounds(month)[1] <= timezone.now()


@dataclass
class ReportEntry:
    """One report of a month as the list shows it: the center's (``branch`` None) or a
    branch's, made or not yet."""

    branch: Branch | None
    report: MonthlyReport | None
    due_at: dt.datetime
    overdue: bool

    @property
    def state(self) -> str | None:
        return self.report.state if self.report is not None else None

    @property
    def state_label(self) -> str:
        return str(self.report.get_state_display()) if self.report else _("未编制")


@dataclass
class ReportPage:
    month: dt.date
    report: MonthlyReport | None
    stats: MonthlyStats
    live: bool  # True: computed now; False: the report's snapshot
    due_at: dt.datetime
    overdue: bool
    actions: list[str]
    branch: Branch | None = None  # whose report: None is the center's
    reports: list[ReportEntry] = field(default_factory=list)  # the month's, as ``actor`` may read


def report_workbook(page: ReportPage) -> tuple[bytes, str]:
    """The page's figures as an Excel workbook and its file name (a branch's carries its code)."""
    name = page.branch.name if page.branch is not None else ""
    suffix = f"-{page.branch.code}" if page.branch is not None else ""
    filename = f"complaints-{page.month:%Y-%m}{suffix}.xlsx"
    return monthly_workbook(page.stats, branch_name=name), filename


def _entry(month: dt.date, branch: Branch | None, report: MonthlyReport | None) -> ReportEntry:
    due = report.due_at if report is not None else due_at_for(month)
    filed = report is not None and report.is_archived
    return ReportEntry(branch, report, due, overdue=not filed and timezone.now() >= due)


def list_reports(actor, month) -> list[ReportEntry]:
    """The month's reports ``actor`` may read: for the center's readers the center's, then each
    active branch's (and an inactive branch's that has one), made or not; for a branch's reader
    their branch's only. Two queries. FORBIDDEN (see ``access_reports``), INVALID for a bad
    month."""
    month = parse_month(month)
    own = access_reports(actor)
    made = MonthlyReport.objects.filter(month=month).select_related("branch", "submitted_by__staff")
    if own is not None:
        made = made.filter(branch=own)
    by_branch = {report.branch_id: report for report in made}
    if own is not None:
        return [_entry(month, own, by_branch.get(own.pk))]
    branches = Branch.objects.filter(Q(is_active=True) | Q(pk__in=[k for k in by_branch if k]))
    entries = [_entry(month, None, by_branch.get(None))]
    for branch in branches.order_by("code"):
        entries.append(_entry(month, branch, by_branch.get(branch.pk)))
    return entries


def get_report_page(actor, month, *, branch: BranchRef = None) -> ReportPage:
    """The month's report of ``branch`` (None: the actor's own — the center's for the center's
    readers, their branch's for a branch's) and its figures: the snapshot once the report is
    submitted (what the general manager reviews and what is filed), live figures otherwise.
    Raises FORBIDDEN (see ``access_reports``; another branch's report for a branch's reader),
    INVALID for a bad month or branch id, NOT_FOUND for a branch that does not exist."""
    month = parse_month(month)
    own = access_reports(actor)
    target = _branch(branch) if branch not in (None, "") else own
    if own is not None and (target is None or target.pk != own.pk):
        raise ServiceError(Code.FORBIDDEN, _("只能查看本分支机构的月报"))
    report = (
        MonthlyReport.objects.filter(month=month, branch=target)
        .select_related("submitted_by__staff", "reviewed_by__staff", "archived_by__staff")
        .first()
    )
    if report is not None and report.has_snapshot:
        stats, live = MonthlyStats.from_dict(report.figures), False
    else:
        stats, live = monthly_statistics(month, branch=target), True
    entry = _entry(month, target, report)
    return ReportPage(
        month=month,
        report=report,
        stats=stats,
        live=live,
        due_at=entry.due_at,
        overdue=entry.overdue,
        actions=allowed_actions(report, actor, month=month, branch=target),
        branch=target,
        reports=list_reports(actor, month),
    )


# ---------------------------------------------------------------------------------- changes


def _text(value: str, field: str, *, message: str) -> str:
    return clean_text(value, field, limit=MAX_TEXT, required=True, message=message)


@overload
def _locked(month: dt.date, branch: Branch | None, *, create: Literal[True]) -> MonthlyReport: ...
@overload
def _locked(
    month: dt.date, branch: Branch | None, *, create: Literal[False]
) -> MonthlyReport | None: ...
def _locked(month: dt.date, branch: Branch | None, *, create: bool) -> MonthlyReport | None:
    """The month's report of ``branch`` (None: the center's), row-locked; created as a draft
    first when ``create`` (two at once make one: the unique constraints decide, and
    get_or_create reads the winner's row)."""
    reports = MonthlyReport.objects.select_for_update().filter(month=month, branch=branch)
    if create:
        due = due_at_for(month)
        MonthlyReport.objects.get_or_create(
            month=month, branch=branch, defaults={"due_at": due, "warn_at": due - WARN_BEFORE}
        )
        return reports.get()  # there now: made just above, or before
    return reports.first()


def _move(report: MonthlyReport, to: str) -> str:
    if report.is_archived:
        raise ServiceError(Code.INVALID_TRANSITION, _("报表已归档,不能再修改"))
    if to not in MonthlyReport.ALLOWED_TRANSITIONS[report.state]:
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("报表当前为「%s」,不能执行此操作") % report.get_state_display(),
        )
    previous, report.state = report.state, to
    return previous


def _audit(report: MonthlyReport, *, actor, action: str, previous: str, **detail) -> None:
    if report.branch is not None:
        detail["branch"] = report.branch.code
    record_audit(
        actor=actor,
        action=f"report.{action}",
        obj=report,
        detail={"month": f"{report.month:%Y-%m}", "from": previous, "to": report.state, **detail},
    )


def _ended(month: dt.date, message: str) -> None:
    if not _has_ended(month):
        raise ServiceError(Code.INVALID, message, field="month")


def _prepare(month: dt.date, branch: Branch | None, *, actor) -> MonthlyReport:
    """The draft, made once: of two at once, the one whose row the constraint kept audits."""
    due = due_at_for(month)
    report, created = MonthlyReport.objects.get_or_create(
        month=month, branch=branch, defaults={"due_at": due, "warn_at": due - WARN_BEFORE}
    )
    if created:
        _audit(report, actor=actor, action="prepare", previous="")
    return report


@transaction.atomic
def prepare_report(month, *, actor=None, branch: BranchRef = None) -> MonthlyReport:
    """The month's report of ``branch`` (None: the center's, or a branch lead's own), created
    as a draft when missing (idempotent). ``actor`` None is the worker; otherwise one who may
    submit or review it. INVALID for a month that has not ended."""
    month = parse_month(month)
    target = _target(actor, branch) if actor is not None else _branch(branch)
    if actor is not None:
        _require(actor, "prepare", target)
    _ended(month, _("该月尚未结束,不能编制月报"))
    return _prepare(month, target, actor=actor)


def prepare_reports(month) -> list[MonthlyReport]:
    """The worker on the 1st: the drafts of the month's center report and of every active
    branch's, those missing only (idempotent; each in its own transaction, so a worker racing
    another loses nothing). INVALID for a month that has not ended."""
    month = parse_month(month)
    _ended(month, _("该月尚未结束,不能编制月报"))
    made = []
    for branch in [None, *Branch.objects.filter(is_active=True).order_by("code")]:
        with transaction.atomic():
            made.append(_prepare(month, branch, actor=None))
    return made


@transaction.atomic
def submit_report(month, *, actor, summary: str, branch: BranchRef = None) -> MonthlyReport:
    """Submit the month's report of ``branch`` (None: the actor's own, see ``get_report_page``)
    with the written analysis and corrective actions (分析与整改) for the general manager's
    review; the figures (of that branch's complaints) are snapshotted now. The center's: a
    center supervisor; a branch's: its team lead or supervisor, or a center supervisor.
    FORBIDDEN otherwise; INVALID for a blank summary or a month not ended; INVALID_TRANSITION
    unless the report is a draft (an archived one never changes)."""
    month = parse_month(month)
    target = _target(actor, branch)
    _require(actor, "submit", target)
    _ended(month, _("该月尚未结束,不能提交月报"))
    report = _locked(month, target, create=True)
    previous = _move(report, State.SUBMITTED)
    report.summary = _text(summary, "summary", message=_("请填写分析与整改"))
    now = timezone.now()
    report.figures, report.figures_at = monthly_statistics(month, branch=target).as_dict(), now
    report.submitted_by, report.submitted_at = actor, now
    report.save()
    _audit(report, actor=actor, action="submit", previous=previous)
    return report


@transaction.atomic
def review_report(
    month, *, actor, approve: bool, note: str = "", branch: BranchRef = None
) -> MonthlyReport:
    """The general manager approves the submitted report (of ``branch``; None: the center's),
    or sends it back to draft with a note saying what to change. FORBIDDEN but for the
    general manager; INVALID for a send-back without a note; INVALID_TRANSITION unless
    submitted."""
    month = parse_month(month)
    target = _target(actor, branch)
    _require(actor, "review", target)
    report = _locked(month, target, create=False)
    if report is None:
        raise ServiceError(Code.INVALID_TRANSITION, _("该月月报尚未提交"))
    previous = _move(report, State.APPROVED if approve else State.DRAFT)
    note = (note or "").strip()
    if not approve:
        note = _text(note, "note", message=_("退回时请填写审阅意见"))
    elif len(note) > MAX_TEXT:
        raise ServiceError(Code.INVALID, _("最多 %d 个字符") % MAX_TEXT, field="note")
    report.reviewed_by, report.reviewed_at, report.review_note = actor, timezone.now(), note
    report.save()
    _audit(report, actor=actor, action="approve" if approve else "send_back", previous=previous)
    return report


@transaction.atomic
def archive_report(month, *, actor, branch: BranchRef = None) -> MonthlyReport:
    """File the approved report (归档; of ``branch``, None: the actor's own): from now on it
    never changes. FORBIDDEN but for those who may submit it and the general manager;
    INVALID_TRANSITION unless approved."""
    month = parse_month(month)
    target = _target(actor, branch)
    _require(actor, "archive", target)
    report = _locked(month, target, create=False)
    if report is None:
        raise ServiceError(Code.INVALID_TRANSITION, _("该月月报尚未提交"))
    previous = _move(report, State.ARCHIVED)
    report.archived_by, report.archived_at = actor, timezone.now()
    report.save()
    _audit(
        report,
        actor=actor,
        action="archive",
        previous=previous,
        late=report.archived_at >= report.due_at,
    )
    return report


# ---------------------------------------------------------------------------------- the sweep


def _told(report: MonthlyReport) -> list:
    """Who hears of ``report``'s filing time: for the center's, its supervisors and the general
    manager; for a branch's, the branch's leads — the center's supervisors instead when the
    branch has none — and the general manager."""
    users = get_user_model().objects.filter(is_active=True)
    center = users.filter(staff__branch__isnull=True)
    if report.branch_id is None:
        return list(center.filter(staff__role__in=TOLD_ROLES))
    leads = list(users.filter(staff__branch_id=report.branch_id, staff__role__in=BRANCH_LEAD_ROLES))
    if not leads:
        leads = list(center.filter(staff__role__in=SUBMIT_ROLES))
    return leads + list(center.filter(staff__role__in=REVIEW_ROLES))


def _context(report: MonthlyReport) -> dict:
    path = reverse("report-complaints") + f"?month={report.month:%Y-%m}"
    context = {
        "month": f"{report.month.year} 年 {report.month.month} 月",
        "due": timezone.localtime(report.due_at).strftime("%Y-%m-%d %H:%M"),
        "url": settings.SITE_URL + path,
    }
    if report.branch is not None:
        context["branch"] = report.branch.name
        context["url"] += f"&branch={report.branch_id}"
    return context


def sweep_report_deadlines(now: dt.datetime | None = None) -> tuple[int, int]:
    """Make the drafts of the month just ended if the 1st's task did not (the center's and
    each active branch's), warn two days before an unfiled report is due (``report.due``; a
    branch's: ``report.branch_due``), and record the breach once it is past due
    (``report.overdue`` / ``report.branch_overdue``, an audit row); who is told: ``_told``.
    Each report is claimed with a conditional UPDATE, so two sweeps never tell twice;
    notification keys are per report and event. Returns (warned, breached)."""
    now = now or timezone.now()
    last = previous_month(timezone.localtime(now).date())
    made = set(MonthlyReport.objects.filter(month=last).values_list("branch_id", flat=True))
    wanted = {None, *Branch.objects.filter(is_active=True).values_list("pk", flat=True)}
    if wanted - made:
        prepare_reports(last)
    warned = breached = 0
    unfiled = MonthlyReport.objects.exclude(state=State.ARCHIVED).select_related("branch")
    for report in unfiled.filter(warned_at__isnull=True, warn_at__lte=now, due_at__gt=now)[
        :SWEEP_BATCH
    ]:
        with transaction.atomic():  # the claim and what it tells stand or fall together
            claimed = (
                MonthlyReport.objects.filter(pk=report.pk, warned_at__isnull=True)
                .exclude(state=State.ARCHIVED)
                .update(warned_at=now)
            )
            if claimed:
                _tell(report, "due")
                warned += 1
    for report in unfiled.filter(breached_at__isnull=True, due_at__lte=now)[:SWEEP_BATCH]:
        with transaction.atomic():
            claimed = (
                MonthlyReport.objects.filter(pk=report.pk, breached_at__isnull=True)
                .exclude(state=State.ARCHIVED)
                .update(breached_at=now)
            )
            if claimed:
                detail = {"month": f"{report.month:%Y-%m}", "state": report.state}
                if report.branch is not None:
                    detail["branch"] = report.branch.code
                record_audit(actor=None, action="report.breach", obj=report, detail=detail)
                _tell(report, "overdue")
                breached += 1
    return warned, breached


def _tell(report: MonthlyReport, what: str) -> None:
    if report.branch_id is None:
        event, key = f"report.{what}", f"report.{what}:{report.month:%Y-%m}"
    else:
        event = f"report.branch_{what}"
        key = f"{event}:{report.month:%Y-%m}:{report.branch_id}"
    notify_users(event, users=_told(report), context=_context(report), key=key)


# ---------------------------------------------------------------------------------- saved views

MAX_VIEWS = 50  # saved report views per person


def views_of(actor, report: str | None = None) -> list[SavedView]:
    """``actor``'s saved report views (of one report when ``report`` is given)."""
    access_reports(actor)
    views = SavedView.objects.filter(user=actor, retired_at__isnull=True)
    if report:
        views = views.filter(report=report)
    return list(views.order_by("name", "id"))


def save_view(actor, *, name: str, report: str, params: dict) -> SavedView:
    """Keep a report's grouping, period and filters under ``name`` (a name already used is
    refused). The parameters are checked as the report reads them and kept as understood."""
    branch = access_reports(actor)
    name = clean_text(name, "name", limit=40, required=True, message=_("请填写视图名称"))
    found = boards.report_of(report)
    text_params = {str(k): str(v) for k, v in (params or {}).items()}
    _query, understood = boards.parse(found, text_params, branch)
    with transaction.atomic():
        taken = SavedView.objects.select_for_update().filter(user=actor, retired_at__isnull=True)
        if taken.filter(name=name).exists():
            raise ServiceError(Code.CONFLICT, _("已有同名视图"), field="name")
        if taken.count() >= MAX_VIEWS:
            raise ServiceError(Code.INVALID, _("最多保存 %d 个视图") % MAX_VIEWS, field="name")
        return SavedView.objects.create(user=actor, name=name, report=found.key, params=understood)


def retire_view(actor, view_id: int) -> SavedView:
    """Remove one of ``actor``'s saved views from their list (the row stays, retired)."""
    access_reports(actor)
    with transaction.atomic():
        view = (
            SavedView.objects.select_for_update()
            .filter(pk=view_id, user=actor, retired_at__isnull=True)
            .first()
        )
        if view is None:
            raise ServiceError(Code.NOT_FOUND, _("没有这个视图"))
        view.retired_at = timezone.now()
        view.save(update_fields=["retired_at"])
    return view
