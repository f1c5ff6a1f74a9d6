"""Reads of rosters: the list, one roster's grid and coverage, an agent's own shifts."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.services import display_name
from kefu.core.calendar import start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import workbook
from kefu.telephony.forecast import slot_start
from kefu.workforce.models import Roster, RosterShift
from kefu.workforce.services import SLOTS, approved_days, require_planner

SLOT_LENGTH = dt.timedelta(minutes=30)

STATUS_FILTERS = ("all", *Roster.Status.values)


def list_rosters(actor, status: str = "all") -> QuerySet[Roster]:
    require_planner(actor)
    if status not in STATUS_FILTERS:
        raise ServiceError(Code.INVALID, _("未知的状态"), field="status")
    rows = Roster.objects.select_related("created_by__staff").annotate(
        member_count=Count("members")
    )
    return rows if status == "all" else rows.filter(status=status)


def get_roster(actor, roster_id: int) -> Roster:
    require_planner(actor)
    roster = Roster.objects.select_related("created_by__staff").filter(pk=roster_id).first()
    if roster is None:
        raise ServiceError(Code.NOT_FOUND, _("排班表不存在"))
    return roster


@dataclass(frozen=True)
class DayCover:
    date: dt.date
    need_hours: float  # seat-hours needed
    reserve_hours: float
    covered_hours: float  # seat-hours rostered, up to what was asked for
    short_hours: float  # seat-hours needed and not covered
    short: list[int]  # the day's slots short of seats

    @property
    def short_slots(self) -> list[str]:
        """ "HH:MM" of the slots short of seats."""
        return [slot_start(slot) for slot in self.short]

    @property
    def short_ranges(self) -> list[str]:
        """The slots short of seats as time ranges: "00:00–07:30"."""
        ranges: list[list[int]] = []
        for slot in self.short:
            if ranges and ranges[-1][1] == slot:
                ranges[-1][1] = slot + 1
            else:
                ranges.append([slot, slot + 1])
        return [f"{slot_start(a)}–{slot_start(b)}" for a, b in ranges]


@dataclass(frozen=True)
class MemberRow:
    user_id: int
    name: str
    employee_no: str
    cells: list[str]  # shift code per day, "" for a day off
    hours: float
    week_hours: float  # average per week


@dataclass(frozen=True)
class RosterView:
    roster: Roster
    days: list[dt.date]
    members: list[MemberRow]
    cover: list[DayCover]
    shifts: list[RosterShift]

    @property
    def short_hours(self) -> float:
        """Seat-hours short, leave approved since the roster was made taken out."""
        return sum(d.short_hours for d in self.cover)

    @property
    def need_hours(self) -> float:
        return self.roster.need_seat_hours

    @property
    def reserve_short_hours(self) -> float:
        return sum(
            max(0.0, d.need_hours + d.reserve_hours - d.covered_hours - d.short_hours)
            for d in self.cover
        )


def roster_days(roster: Roster) -> list[dt.date]:
    return [roster.first_day + dt.timedelta(days=d) for d in range(roster.weeks * 7)]


def roster_view(roster: Roster) -> RosterView:
    days = roster_days(roster)
    index = {d: i for i, d in enumerate(days)}
    members = list(roster.members.select_related("staff").order_by("staff__employee_no"))
    cells = {u.pk: [""] * len(days) for u in members}
    minutes = {u.pk: 0 for u in members}
    shifts = list(
        RosterShift.objects.filter(roster=roster).select_related("template", "user__staff")
    )
    for shift in shifts:
        if shift.user_id in cells:
            cells[shift.user_id][index[shift.day]] = shift.template.code
            minutes[shift.user_id] += shift.template.minutes
    # Approved leave (kefu.workforce.leave): 假 on the grid, beside a shift made before it;
    # such a shift is not worked: out of the agent's hours and of the coverage.
    away = approved_days(cells, days[0], days[-1]) if days else {}
    for user_id, leave_days in away.items():
        for day in leave_days:
            code = cells[user_id][index[day]]
            cells[user_id][index[day]] = f"{code}·{_('假')}" if code else _("假")
    covered_days = [list(day) for day in roster.covered]
    start = start_of_day(days[0]) if days else None
    for shift in shifts:
        if start is None or shift.day not in away.get(shift.user_id, ()):
            continue
        minutes[shift.user_id] -= shift.template.minutes
        first = int((shift.starts_at - start) / SLOT_LENGTH)
        last = math.ceil((shift.ends_at - start) / SLOT_LENGTH)
        for t in range(max(0, first), min(last, len(covered_days) * SLOTS)):
            row, slot = divmod(t, SLOTS)
            covered_days[row][slot] = max(0, covered_days[row][slot] - 1)
    rows = [
        MemberRow(
            user_id=u.pk,
            name=display_name(u),
            employee_no=u.staff.employee_no,
            cells=cells[u.pk],
            hours=minutes[u.pk] / 60,
            week_hours=minutes[u.pk] / 60 / roster.weeks,
        )
        for u in members
    ]
    cover = []
    for i, day in enumerate(days):
        if i >= len(roster.need):
            break
        need, reserve, covered = roster.need[i], roster.reserve[i], covered_days[i]
        short = [max(0, n - c) for n, c in zip(need, covered, strict=True)]
        cover.append(
            DayCover(
                date=day,
                need_hours=sum(need) / 2,
                reserve_hours=sum(reserve) / 2,
                covered_hours=sum(
                    min(c, n + r) for n, r, c in zip(need, reserve, covered, strict=True)
                )
                / 2,
                short_hours=sum(short) / 2,
                short=[t for t in range(SLOTS) if short[t]],
            )
        )
    return RosterView(roster=roster, days=days, members=rows, cover=cover, shifts=shifts)


def my_shifts(user, *, start: dt.date | None = None, days: int = 28) -> QuerySet[RosterShift]:
    """The user's shifts in published rosters from ``start`` (today) for ``days`` days."""
    start = start or timezone.localdate()
    return RosterShift.objects.filter(
        user=user,
        roster__status=Roster.Status.PUBLISHED,
        day__gte=start,
        day__lt=start + dt.timedelta(days=days),
    ).select_related("template", "user__staff")


def roster_workbook(view: RosterView) -> bytes:
    """The roster as .xlsx: 排班表 (one row per agent, one column per day) and 覆盖 (one row
    per day and slot: seats needed, reserve, rostered, short)."""
    grid_header = (
        [_("工号"), _("姓名")]
        + [d.strftime("%m-%d") for d in view.days]
        + [
            _("工时"),
            _("周均工时"),
        ]
    )
    grid = [
        [m.employee_no, m.name, *m.cells, round(m.hours, 1), round(m.week_hours, 1)]
        for m in view.members
    ]
    cover_header = [_("日期"), _("时段"), _("需要席位"), _("备勤席位"), _("已排人数"), _("缺口")]
    cover = []
    roster = view.roster
    for i, day in enumerate(view.days[: len(roster.need)]):
        for t in range(SLOTS):
            need, covered = roster.need[i][t], roster.covered[i][t]
            cover.append(
                [
                    day.isoformat(),
                    slot_start(t),
                    need,
                    roster.reserve[i][t],
                    covered,
                    max(0, need - covered),
                ]
            )
    return workbook([(_("排班表"), grid_header, grid), (_("覆盖"), cover_header, cover)])


def leave_marks(shifts: list[RosterShift]) -> set[tuple[int, dt.date]]:
    """The (user id, day) pairs among ``shifts`` with approved leave: one query."""
    if not shifts:
        return set()
    days = approved_days(
        {s.user_id for s in shifts}, min(s.day for s in shifts), max(s.day for s in shifts)
    )
    return {(user_id, day) for user_id, leave_days in days.items() for day in leave_days}
