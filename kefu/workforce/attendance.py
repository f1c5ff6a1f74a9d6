"""Attendance (考勤) against the published roster: for each shift, when the agent signed in
(their first state other than 离线 from an hour before the shift) and out, and so whether they
came on time (准时), late (迟到) or not at all (缺勤), and whether they left early (早退).

An agent's states come from the phone floor (kefu.telephony: the PBX's agent events, calls,
the agent's own state button), so attendance needs no separate clock-in. Lateness and early
leaving allow KEFU_ATTENDANCE_GRACE_MINUTES (5 by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.services import display_name
from kefu.core.calendar import parse_day
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import one_sheet
from kefu.telephony import planning
from kefu.telephony.models import AgentSpan, AgentState
from kefu.workforce.models import Roster, RosterShift
from kefu.workforce.services import approved_days, require_planner

EARLIEST_SIGN_IN = dt.timedelta(hours=1)  # a sign-in counts from an hour before the shift

STATUS_LABELS = {
    "upcoming": gettext_lazy("未到班"),
    "waiting": gettext_lazy("未签到"),
    "on_time": gettext_lazy("准时"),
    "late": gettext_lazy("迟到"),
    "absent": gettext_lazy("缺勤"),
    "on_leave": gettext_lazy("请假"),
}


@dataclass(frozen=True)
class Attendance:
    shift: RosterShift
    name: str
    # upcoming, waiting (started, not signed in yet), on_time, late, absent, on_leave (approved
    # leave on the shift's day, kefu.workforce.leave)
    status: str
    signed_in: dt.datetime | None
    signed_out: dt.datetime | None  # the end of the last stretch on, when before the end
    late_minutes: int
    left_early: bool

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.WORKFORCE_GRACE_MINUTES)


def _judge(
    shift: RosterShift, spans: list[AgentSpan], now: dt.datetime, on_leave: bool = False
) -> Attendance:
    grace = _grace()
    window = [
        s
        for s in spans
        if s.state != AgentState.State.OFFLINE
        and s.started_at < shift.ends_at
        and (s.ended_at is None or s.ended_at > shift.starts_at - EARLIEST_SIGN_IN)
    ]
    signed_in = min((s.started_at for s in window), default=None)
    if signed_in is not None:
        signed_in = max(signed_in, shift.starts_at - EARLIEST_SIGN_IN)
    late = 0
    if on_leave and signed_in is None:
        status = "on_leave"
    elif now < shift.starts_at and signed_in is None:
        status = "upcoming"
    elif signed_in is None:
        status = "absent" if now >= shift.ends_at else "waiting"
    elif signed_in <= shift.starts_at + grace:
        status = "on_time"
    else:
        status = "late"
        late = int((signed_in - shift.starts_at).total_seconds() // 60)
    signed_out = None
    left_early = False
    if window and now >= shift.ends_at:
        ends = [s.ended_at for s in window]
        last = None if None in ends else max(e for e in ends if e is not None)
        if last is not None and last < shift.ends_at - grace:
            signed_out, left_early = last, True
    return Attendance(
        shift=shift,
        name=display_name(shift.user),
        status=status,
        signed_in=signed_in,
        signed_out=signed_out,
        late_minutes=late,
        left_early=left_early,
    )


def attendance_of(shifts: list[RosterShift], now: dt.datetime | None = None) -> list[Attendance]:
    """How each of ``shifts`` was kept, from the agents' states. One query for the states."""
    now = now or timezone.now()
    if not shifts:
        return []
    first = min(s.starts_at for s in shifts) - EARLIEST_SIGN_IN
    last = max(s.ends_at for s in shifts)
    spans: dict[int, list[AgentSpan]] = {}
    for span in AgentSpan.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=first),
        user_id__in={s.user_id for s in shifts},
        started_at__lt=last,
    ):
        spans.setdefault(span.user_id, []).append(span)
    away = approved_days(
        {s.user_id for s in shifts}, min(s.day for s in shifts), max(s.day for s in shifts)
    )
    return [
        _judge(s, spans.get(s.user_id, []), now, s.day in away.get(s.user_id, ())) for s in shifts
    ]


def day_attendance(actor, day: dt.date, now: dt.datetime | None = None) -> list[Attendance]:
    """The attendance of every published shift starting on ``day`` (planners)."""
    require_planner(actor)
    shifts = list(
        RosterShift.objects.filter(roster__status=Roster.Status.PUBLISHED, day=day)
        .select_related("template", "user__staff")
        .order_by("starts_at", "user__staff__employee_no")
    )
    return attendance_of(shifts, now)


def own_attendance(user, days: int = 14, now: dt.datetime | None = None) -> list[Attendance]:
    """The user's own published shifts of the last ``days`` days up to today, latest first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    shifts = list(
        RosterShift.objects.filter(
            roster__status=Roster.Status.PUBLISHED,
            user=user,
            day__gt=today - dt.timedelta(days=days),
            starts_at__lte=now,
        )
        .select_related("template", "user__staff")
        .order_by("-starts_at")
    )
    return attendance_of(shifts, now)


def attendance_workbook(day: dt.date, rows: list[Attendance]) -> bytes:
    header = [
        _("工号"),
        _("姓名"),
        _("班次"),
        _("上班"),
        _("下班"),
        _("签到"),
        _("考勤"),
        _("迟到(分钟)"),
        _("早退"),
    ]

    def clock(moment: dt.datetime | None) -> str:
        return timezone.localtime(moment).strftime("%m-%d %H:%M") if moment else ""

    return one_sheet(
        str(day),
        header,
        [
            [
                r.shift.user.staff.employee_no,
                r.name,
                r.shift.template.name,
                clock(r.shift.starts_at),
                clock(r.shift.ends_at),
                clock(r.signed_in),
                r.status_label,
                r.late_minutes or "",
                clock(r.signed_out) if r.left_early else "",
            ]
            for r in rows
        ],
    )


def parse_attendance_day(text: str | None) -> dt.date:
    """'YYYY-MM-DD' (empty: today), up to two months ahead."""
    today = timezone.localdate()
    if not text:
        return today
    day = parse_day(text)
    if day > today + dt.timedelta(days=planning.MAX_DAYS_AHEAD):
        raise ServiceError(
            Code.INVALID,
            _("只能查看今天起 %(days)d 天内的日期") % {"days": planning.MAX_DAYS_AHEAD},
            field="date",
        )
    return day
