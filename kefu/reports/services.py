"""Monthly complaint reports: who may read them, their life (prepare → submit → review →
archive) and the filing deadline's sweep.

Each change locks the report row, checks the actor and the state, writes, and records an audit
row, in one transaction; a refused call changes nothing. ``monthly_statistics`` and
``monthly_workbook`` are the figures and their Excel file (also used by bench/complaints.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Literal, overload

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.calendar import next_month, parse_month, previous_month
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.notify.services import MailFile, notify_users, send_email
from kefu.reports import boards
from kefu.reports.access import access_reports, can_read
from kefu.reports.export import XLSX, board_workbook, monthly_workbook
from kefu.reports.models import MonthlyReport, SavedView, Subscription, SubscriptionRun
from kefu.reports.selectors import MonthlyStats, month_bounds, monthly_statistics

__all__ = [
    "ReportPage",
    "archive_report",
    "create_subscription",
    "deliver_due",
    "due_at_for",
    "get_report_page",
    "monthly_statistics",
    "monthly_workbook",
    "prepare_report",
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

logger = logging.getLogger(__name__)

SUBMIT_ROLES: set[str] = {Role.SUPERVISOR}
REVIEW_ROLES: set[str] = {Role.GENERAL_MANAGER}
ARCHIVE_ROLES: set[str] = {Role.SUPERVISOR, Role.GENERAL_MANAGER}
PREPARE_ROLES = SUBMIT_ROLES | REVIEW_ROLES
# Who is told that a report is nearly or already past its filing time.
TOLD_ROLES = (Role.SUPERVISOR, Role.GENERAL_MANAGER)
DUE_DAY = 5  # filed before the 5th of the next month
WARN_BEFORE = dt.timedelta(days=2)
MAX_TEXT = 10_000
SWEEP_BATCH = 100

State = MonthlyReport.State


# ---------------------------------------------------------------------------------- access


def _require(actor, roles: set[str], message: str) -> None:
    scope = scope_of(actor)
    if scope.nothing or scope.role not in roles:
        raise ServiceError(Code.FORBIDDEN, message)
    if scope.branch_id is not None:  # the report is the center's, not a branch's
        raise ServiceError(Code.FORBIDDEN, _("月度报表由客服中心提交与审阅"))


def allowed_actions(report: MonthlyReport | None, actor, *, month: dt.date) -> list[str]:
    """What ``actor`` may do to the month's report now (for the page's buttons)."""
    scope = scope_of(actor)
    if scope.nothing or scope.branch_id is not None or not _has_ended(month):
        return []
    state = report.state if report is not None else State.DRAFT
    actions = []
    if state == State.DRAFT and scope.role in SUBMIT_ROLES:
        actions.append("submit")
    if state == State.SUBMITTED and scope.role in REVIEW_ROLES:
        actions.append("review")
    if state == State.APPROVED and scope.role in ARCHIVE_ROLES:
        actions.append("archive")
    return actions


# ---------------------------------------------------------------------------------- reads


def due_at_for(month: dt.date) -> dt.datetime:
    """00:00 of the 5th of the next month, the center's time (filed *before* the 5th)."""
    following = next_month(parse_month(month)).replace(day=DUE_DAY)
    return dt.datetime.combine(following, dt.time.min, tzinfo=timezone.get_default_timezone())


def _has_ended(month: dt.date) -> bool:
    return month_bounds(month)[1] <= timezone.now()


@dataclass
class ReportPage:
    month: dt.date
    report: MonthlyReport | None
    stats: MonthlyStats
    live: bool  # True: computed now; False: the report's snapshot
    due_at: dt.datetime
    overdue: bool
    actions: list[str]


def get_report_page(actor, month) -> ReportPage:
    """The month's figures and report for ``actor``: the snapshot once the report is
    submitted (what the general manager reviews and what is filed), live figures otherwise.
    Raises FORBIDDEN (see ``access_reports``) and INVALID for a bad month."""
    month = parse_month(month)
    branch = access_reports(actor)
    report = MonthlyReport.objects.filter(month=month).first() if branch is None else None
    if report is not None and report.has_snapshot:
        stats, live = MonthlyStats.from_dict(report.figures), False
    else:
        stats, live = monthly_statistics(month, branch=branch), True
    due = report.due_at if report is not None else due_at_for(month)
    filed = report is not None and report.is_archived
    return ReportPage(
        month=month,
        report=report,
        stats=stats,
        live=live,
        due_at=due,
        overdue=not filed and timezone.now() >= due,
        actions=[] if branch is not None else allowed_actions(report, actor, month=month),
    )


# ---------------------------------------------------------------------------------- changes


def _text(value: str, field: str, *, message: str) -> str:
    return clean_text(value, field, limit=MAX_TEXT, required=True, message=message)


@overload
def _locked(month: dt.date, *, create: Literal[True]) -> MonthlyReport: ...
@overload
def _locked(month: dt.date, *, create: Literal[False]) -> MonthlyReport | None: ...
def _locked(month: dt.date, *, create: bool) -> MonthlyReport | None:
    """The month's report, row-locked; created as a draft first when ``create``."""
    reports = MonthlyReport.objects.select_for_update().filter(month=month)
    if create:
        due = due_at_for(month)
        MonthlyReport.objects.get_or_create(
            month=month, defaults={"due_at": due, "warn_at": due - WARN_BEFORE}
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
    record_audit(
        actor=actor,
        action=f"report.{action}",
        obj=report,
        detail={"month": f"{report.month:%Y-%m}", "from": previous, "to": report.state, **detail},
    )


@transaction.atomic
def prepare_report(month, *, actor=None) -> MonthlyReport:
    """The month's report, created as a draft when missing (idempotent). ``actor`` None is the
    worker on the 1st; otherwise a supervisor or the general manager. INVALID for a month
    that has not ended."""
    month = parse_month(month)
    if actor is not None:
        _require(actor, PREPARE_ROLES, _("无权创建月度报表"))
    if not _has_ended(month):
        raise ServiceError(Code.INVALID, _("该月尚未结束,不能编制月报"), field="month")
    existed = MonthlyReport.objects.filter(month=month).exists()
    report = _locked(month, create=True)
    if not existed:
        _audit(report, actor=actor, action="prepare", previous="")
    return report


@transaction.atomic
def submit_report(month, *, actor, summary: str) -> MonthlyReport:
    """A supervisor submits the month's report with the written analysis and corrective
    actions (分析与整改) for the general manager's review; the figures are snapshotted now.
    FORBIDDEN but for a center supervisor; INVALID for a blank summary or a month not ended;
    INVALID_TRANSITION unless the report is a draft (an archived one never changes)."""
    month = parse_month(month)
    _require(actor, SUBMIT_ROLES, _("只有客服主管可以提交月报"))
    if not _has_ended(month):
        raise ServiceError(Code.INVALID, _("该月尚未结束,不能提交月报"), field="month")
    report = _locked(month, create=True)
    previous = _move(report, State.SUBMITTED)
    report.summary = _text(summary, "summary", message=_("请填写分析与整改"))
    now = timezone.now()
    report.figures, report.figures_at = monthly_statistics(month).as_dict(), now
    report.submitted_by, report.submitted_at = actor, now
    report.save()
    _audit(report, actor=actor, action="submit", previous=previous)
    return report


@transaction.atomic
def review_report(month, *, actor, approve: bool, note: str = "") -> MonthlyReport:
    """The general manager approves the submitted report, or sends it back to draft with a
    note saying what to change. FORBIDDEN but for the general manager; INVALID for a send-back
    without a note; INVALID_TRANSITION unless submitted."""
    month = parse_month(month)
    _require(actor, REVIEW_ROLES, _("只有总经理可以审阅月报"))
    report = _locked(month, create=False)
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
def archive_report(month, *, actor) -> MonthlyReport:
    """File the approved report (归档): from now on it never changes. FORBIDDEN but for a
    supervisor or the general manager; INVALID_TRANSITION unless approved."""
    month = parse_month(month)
    _require(actor, ARCHIVE_ROLES, _("只有客服主管或总经理可以归档月报"))
    report = _locked(month, create=False)
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


def _told():
    return get_user_model().objects.filter(
        is_active=True, staff__role__in=TOLD_ROLES, staff__branch__isnull=True
    )


def _context(report: MonthlyReport) -> dict:
    path = reverse("report-complaints") + f"?month={report.month:%Y-%m}"
    return {
        "month": f"{report.month.year} 年 {report.month.month} 月",
        "due": timezone.localtime(report.due_at).strftime("%Y-%m-%d %H:%M"),
        "url": settings.SITE_URL + path,
    }


def sweep_report_deadlines(now: dt.datetime | None = None) -> tuple[int, int]:
    """Make the draft of the month just ended if the 1st's task did not, warn the supervisors
    and the general manager two days before an unfiled report is due (``report.due``), and
    record the breach once it is past due (``report.overdue``, an audit row). Each report is
    claimed with a conditional UPDATE, so two sweeps never tell twice; notification keys are
    per report and event. Returns (warned, breached)."""
    now = now or timezone.now()
    last = previous_month(timezone.localtime(now).date())
    if not MonthlyReport.objects.filter(month=last).exists():
        prepare_report(last, actor=None)
    warned = breached = 0
    unfiled = MonthlyReport.objects.exclude(state=State.ARCHIVED)
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
                _tell(report, "report.due")
                warned += 1
    for report in unfiled.filter(breached_at__isnull=True, due_at__lte=now)[:SWEEP_BATCH]:
        with transaction.atomic():
            claimed = (
                MonthlyReport.objects.filter(pk=report.pk, breached_at__isnull=True)
                .exclude(state=State.ARCHIVED)
                .update(breached_at=now)
            )
            if claimed:
                record_audit(
                    actor=None,
                    action="report.breach",
                    obj=report,
                    detail={"month": f"{report.month:%Y-%m}", "state": report.state},
                )
                _tell(report, "report.overdue")
                breached += 1
    return warned, breached


def _tell(report: MonthlyReport, event: str) -> None:
    notify_users(
        event,
        users=list(_told()),
        context=_context(report),
        key=f"{event}:{report.month:%Y-%m}",
    )


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


# ---------------------------------------------------------------------------------- delivery

MAX_ADDRESSES = 20
MAX_SUBSCRIPTIONS = 50  # a person's subscriptions
SCHEDULE_DAYS: dict[str, int] = {Subscription.Every.MONTH: 28, Subscription.Every.WEEK: 7}


def subscriptions_of(actor) -> list[Subscription]:
    """The report subscriptions ``actor`` made and has not removed."""
    access_reports(actor)
    return list(
        Subscription.objects.filter(owner=actor, retired_at__isnull=True)
        .prefetch_related("recipients__staff")
        .order_by("name", "id")
    )


def create_subscription(
    actor,
    *,
    name: str,
    reports: list[str],
    every: str = Subscription.Every.MONTH,
    day: int = 1,
    hour: int = 8,
    recipients: list[str] | None = None,
    addresses: str = "",
    params: dict | None = None,
) -> Subscription:
    """E-mail ``reports`` (catalogue keys) every month on ``day`` (1–28) or every week on
    ``day`` (1 Monday – 7) at ``hour``, covering the month or week just ended, to staff
    (usernames; each must have an e-mail address and the right to read statistics) and to
    other ``addresses`` (one a line). ``params`` are filters the reports share."""
    branch = access_reports(actor)
    name = clean_text(name, "name", limit=60, required=True, message=_("请填写订阅名称"))
    keys = [str(k) for k in (reports or [])]
    if not keys:
        raise ServiceError(Code.INVALID, _("请至少选择一张报表"), field="reports")
    filters = {str(k): str(v) for k, v in (params or {}).items() if k not in ("start", "end")}
    for key in keys:
        boards.parse(boards.report_of_field(key, "reports"), filters, branch)
    if every not in SCHEDULE_DAYS:
        raise ServiceError(Code.INVALID, _("周期无效"), field="every")
    if not 1 <= day <= SCHEDULE_DAYS[every]:
        raise ServiceError(
            Code.INVALID, _("发送日应为 1 到 %d") % SCHEDULE_DAYS[every], field="day"
        )
    if not 0 <= hour <= 23:
        raise ServiceError(Code.INVALID, _("发送时间应为 0 到 23 点"), field="hour")
    people = _recipients(recipients or [])
    extra = _addresses(addresses)
    if not people and not extra:
        raise ServiceError(Code.INVALID, _("请至少填写一个收件人"), field="recipients")
    with transaction.atomic():
        mine = Subscription.objects.select_for_update().filter(owner=actor, retired_at__isnull=True)
        if mine.count() >= MAX_SUBSCRIPTIONS:
            raise ServiceError(Code.INVALID, _("最多 %d 个订阅") % MAX_SUBSCRIPTIONS, field="name")
        subscription = Subscription.objects.create(
            owner=actor,
            name=name,
            reports=list(dict.fromkeys(keys)),
            params=filters,
            every=every,
            day=day,
            hour=hour,
            addresses="\n".join(extra),
        )
        subscription.recipients.set(people)
        record_audit(actor=actor, action="report.subscribe", obj=subscription)
    return subscription


def _recipients(usernames: list[str]) -> list:
    users = []
    for username in dict.fromkeys(str(u).strip() for u in usernames if str(u).strip()):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ServiceError(Code.INVALID, _("没有此用户:%s") % username[:40], field="recipients")
        if not user.email:
            raise ServiceError(
                Code.INVALID, _("%s 没有登记电子邮箱") % username[:40], field="recipients"
            )
        if not can_read(user):
            raise ServiceError(
                Code.INVALID, _("%s 无权查看统计报表") % username[:40], field="recipients"
            )
        users.append(user)
    return users


def _addresses(text: str) -> list[str]:
    found = list(dict.fromkeys(line.strip() for line in (text or "").splitlines() if line.strip()))
    if len(found) > MAX_ADDRESSES:
        raise ServiceError(Code.INVALID, _("其他邮箱最多 %d 个") % MAX_ADDRESSES, field="addresses")
    for address in found:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ServiceError(
                Code.INVALID, _("邮箱格式不正确:%s") % address[:80], field="addresses"
            ) from exc
    return found


def recipient_choices(actor) -> list[tuple[str, str]]:
    """Who a subscription may be sent to: active staff with an e-mail address who may read
    statistics (username, 姓名[工号])."""
    access_reports(actor)
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.select_related("staff").order_by("staff__employee_no", "username")
    return [(u.username, str(getattr(u, "staff", u.username))) for u in users if can_read(u)]


def retire_subscription(actor, subscription_id: int) -> Subscription:
    access_reports(actor)
    with transaction.atomic():
        found = (
            Subscription.objects.select_for_update()
            .filter(pk=subscription_id, owner=actor, retired_at__isnull=True)
            .first()
        )
        if found is None:
            raise ServiceError(Code.NOT_FOUND, _("没有这个订阅"))
        found.retired_at = timezone.now()
        found.save(update_fields=["retired_at"])
        record_audit(actor=actor, action="report.unsubscribe", obj=found)
    return found


def period_due(subscription: Subscription, now: dt.datetime) -> tuple[dt.date, dt.date] | None:
    """The period ``subscription`` sends at ``now`` (the month or week just ended), once its
    day and hour of the current month or week have come; None before."""
    local = timezone.localtime(now)
    today = local.date()
    if subscription.every == Subscription.Every.MONTH:
        send_day = today.replace(day=subscription.day)
        start = previous_month(today)
        end = today.replace(day=1) - dt.timedelta(days=1)
    else:
        monday = today - dt.timedelta(days=today.weekday())
        send_day = monday + dt.timedelta(days=subscription.day - 1)
        start, end = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if (today, local.hour) < (send_day, subscription.hour):
        return None
    return start, end


def deliver_due(now: dt.datetime | None = None) -> int:
    """Send every subscription whose time has come for its current period and that has not
    sent it yet (hourly by the worker). Each period is sent once, whichever worker claims it.
    Returns the e-mails queued."""
    now = now or timezone.now()
    queued = 0
    for subscription in Subscription.objects.filter(retired_at__isnull=True).select_related(
        "owner"
    ):
        period = period_due(subscription, now)
        if period is None or subscription.runs.filter(period_start=period[0]).exists():
            continue
        try:
            queued += _deliver(subscription, *period, now=now)
        except IntegrityError:
            continue  # another worker sent this period
    return queued


@transaction.atomic
def _deliver(subscription: Subscription, start: dt.date, end: dt.date, *, now) -> int:
    run = SubscriptionRun.objects.create(
        subscription=subscription,
        period_start=start,
        period_end=end,
        at=now,
        outcome=SubscriptionRun.Outcome.SENT,
    )
    owner = subscription.owner
    if not (owner.is_active and can_read(owner)):
        run.outcome = SubscriptionRun.Outcome.REFUSED
        run.save(update_fields=["outcome"])
        logger.warning("subscription %s not sent: its owner may not read reports", run.pk)
        return 0
    people = [u for u in subscription.recipients.all() if u.is_active and u.email and can_read(u)]
    addresses = list(dict.fromkeys([u.email for u in people] + _stored(subscription.addresses)))
    if not addresses:
        run.outcome = SubscriptionRun.Outcome.NOBODY
        run.save(update_fields=["outcome"])
        return 0
    files, titles = [], []
    params = {**subscription.params, "start": start.isoformat(), "end": end.isoformat()}
    for key in subscription.reports:
        read = boards.read(owner, key, params)
        content = board_workbook(read)
        path = default_storage.save(
            f"reports/deliveries/{subscription.pk}/{start:%Y%m%d}-{key}.xlsx", ContentFile(content)
        )
        shown = f"{read.report.title}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
        files.append(MailFile(path, shown, XLSX, len(content)))
        titles.append(str(read.report.title))
    context = {
        "name": subscription.name,
        "period": f"{start:%Y-%m-%d} — {end:%Y-%m-%d}",
        "reports": "、".join(titles),
        "path": reverse("reports"),
    }
    queued = 0
    for address in addresses:
        sent = send_email(
            address,
            event="report.delivery",
            context=context,
            key=f"report.delivery:{subscription.pk}:{start:%Y%m%d}:{address}",
            files=files,
        )
        queued += sent is not None
    run.addresses = addresses
    run.files = [{"path": f.path, "name": f.name, "size": f.size} for f in files]
    run.save(update_fields=["addresses", "files"])
    return queued


def _stored(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
