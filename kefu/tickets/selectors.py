"""Reads of tickets: queues with filters and pagination, the timeline, a caller's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from kefu.accounts.models import DEPARTMENT_ROLES, Branch, Department, StaffProfile
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.calendar import start_of_day
from kefu.core.paging import COUNT_CAP, PER_PAGE, Page, paginate
from kefu.core.phones import normalize_phone
from kefu.customers.models import Customer
from kefu.customers.selectors import lookup_by_phone
from kefu.tickets.access import access_ticket, visible_tickets
from kefu.tickets.models import OPEN_STATUSES, Priority, Status, Ticket, TicketEvent, TicketType
from kefu.tickets.search import filter_fulltext

# A common word matches a fifth of the history; its exact count costs more than the page. A
# search counts ten pages and says "200+"; paging on past them still works.
SEARCH_COUNT_CAP = 200
VIEWS = ("work", "all", "mine", "department", "unassigned", "open")


@dataclass
class TicketFilters:
    view: str = "all"
    type: str = ""
    status: str = ""
    channel: str = ""
    branch: str = ""
    department: str = ""
    priority: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""
    customer_id: int | None = None
    caller_number: str = ""
    sort: str = ""  # a key of SORTS, "-" before it for the other way; newest first when none


# The queue's columns a user may sort by: key → the order, ascending. The id breaks ties, so a
# page never repeats a row. Due time ascending puts what is due soonest (the overdue) first
# and the tickets with no time limit last.
SORTS = {
    "received": ("received_at",),
    "serial": ("serial",),
    "due": ("due_at",),
    "status": ("status", "-received_at"),
    "priority": ("priority", "-received_at"),
    "type": ("type__order", "-received_at"),
    "department": ("department__name", "-received_at"),
    "assignee": ("assignee__username", "-received_at"),
}


# "Open" spelled with constants, exactly as the partial indexes' condition: a planner proves
# the index usable only from constants (SQLite never from parameters, PostgreSQL not in a
# generic plan). The statuses are code, not input.
IS_OPEN = RawSQL(
    '"tickets_ticket"."status" IN ({})'.format(", ".join(f"'{s}'" for s in OPEN_STATUSES)),
    (),
    output_field=BooleanField(),
)


def _id_of(model: type[TicketType | Branch | Department], code: str) -> int:
    """The id of the row with ``code``; 0 (no row has it) when there is none."""
    return model.objects.filter(code=code).values_list("id", flat=True).first() or 0


def filter_tickets(
    actor: Actor, filters: TicketFilters, *, common_words: bool = False
) -> QuerySet[Ticket]:
    qs = visible_tickets(actor)
    match filters.view:
        case "work":  # the role's own open work: a department's, or mine and nobody's
            department_id = getattr(getattr(actor, "staff", None), "department_id", None)
            if scope_of(actor).is_department:
                qs = qs.filter(IS_OPEN, department_id=department_id or 0)
            else:
                qs = qs.filter(IS_OPEN).filter(
                    Q(assignee_id=getattr(actor, "id", None)) | Q(assignee__isnull=True)
                )
        case "mine":
            qs = qs.filter(assignee_id=actor.id)
        case "department":
            department_id = getattr(getattr(actor, "staff", None), "department_id", None)
            qs = qs.filter(department_id=department_id) if department_id else qs.none()
        case "unassigned":
            qs = qs.filter(IS_OPEN, assignee__isnull=True)
        case "open":
            qs = qs.filter(IS_OPEN)
    # Codes become ids first, so the queue joins nothing to filter and walks its
    # (x, received_at) index.
    if filters.type:
        qs = qs.filter(type_id=_id_of(TicketType, filters.type))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.branch:
        qs = qs.filter(branch_id=_id_of(Branch, filters.branch))
    if filters.department:
        qs = qs.filter(department_id=_id_of(Department, filters.department))
    if filters.date_from:
        qs = qs.filter(received_at__gte=start_of_day(filters.date_from))
    if filters.date_to:
        qs = qs.filter(received_at__lt=start_of_day(filters.date_to + dt.timedelta(days=1)))
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.caller_number:
        qs = qs.filter(caller_number=filters.caller_number)
    if filters.q:
        qs = filter_fulltext(qs, filters.q, common=common_words)
    return qs


# Every relation a ticket row shows (queue page, API, detail), fetched in the row's query.
LIST_RELATIONS = (
    "type",
    "customer",
    "department",
    "assignee",
    "branch",
    "area",
    "created_by",
    "merged_into",
)


def _fetch_joined(queryset: QuerySet[Ticket]) -> list[Ticket]:
    """Rows of a query that joins the ticket to many small tables, in the joins' written order.

    PostgreSQL would otherwise weigh every order of the eight outer joins: some 50 ms of
    planning for a 1 ms query. Written order (ticket first, then each lookup by primary key) is
    the best one here.
    """
    if connection.vendor != "postgresql":
        return list(queryset)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL join_collapse_limit = 1")
        try:
            return list(queryset)
        finally:  # SET LOCAL outlives a savepoint: give a caller's transaction its default back
            cursor.execute("SET LOCAL join_collapse_limit TO DEFAULT")


def list_tickets(
    actor: Actor, filters: TicketFilters, *, page: int = 1, per_page: int = PER_PAGE
) -> Page[Ticket]:
    """One page of the queue, newest first (kefu.core.paging): the count and the page, whatever
    the page size; a search counts to 200, anything else to 10,000."""
    searching = bool(filters.q.strip())
    matching = filter_tickets(actor, filters)

    def rows(capped: bool) -> QuerySet[Ticket]:
        # More matches than we count: read them in date order.
        qs = filter_tickets(actor, filters, common_words=True) if capped and searching else matching
        return qs.select_related(*LIST_RELATIONS).order_by(*ordering(filters.sort))

    return paginate(
        matching,
        page=page,
        per_page=per_page,
        count_cap=SEARCH_COUNT_CAP if searching else COUNT_CAP,
        rows=rows,
        fetch=_fetch_joined,
    )


SORT_PATTERN = r"^-?(" + "|".join(SORTS) + r")?$"

# Statuses in the order of the process, priorities by weight (not by their codes' spelling).
_ORDINALS = {
    name: Case(
        *(When(**{name: v}, then=Value(i)) for i, v in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )
    for name, values in (("status", Status.values), ("priority", Priority.values))
}


_NULLABLE = {"due_at", "department__name", "assignee__username"}


def ordering(sort: str) -> list[Any]:
    """The queue's order for ``sort`` (see SORTS; unknown: newest first)."""
    key = sort.removeprefix("-")
    if key not in SORTS:
        return ["-received_at", "-id"]
    back = sort.startswith("-")
    order = []
    for name in SORTS[key]:
        flip = name.startswith("-") != back  # a tie-breaker written "-x" flips with the rest
        column = name.removeprefix("-")
        field = _ORDINALS.get(column) or F(column)
        # No due time (no time limit, no department) after every value, whichever way; the
        # columns never empty keep the plain order their indexes are walked in.
        nulls = {"nulls_last": True} if column in _NULLABLE else {}
        order.append(field.desc(**nulls) if flip else field.asc(**nulls))
    order.append(F("id").desc() if back else F("id").asc())
    return order


def count_by_status(actor: Actor, filters: TicketFilters) -> dict[str, int]:
    """How many open tickets of each open status the queue's filters (all but the status and
    the search) find: the counts above the queue. Counted on the open tickets only (their
    partial indexes), whatever the size of the history."""
    plain = replace(filters, status="", q="")
    # A center's own work is mine plus nobody's, counted apart: each reads an index alone
    # (their OR would read every row).
    parts = (
        [replace(plain, view="mine"), replace(plain, view="unassigned")]
        if plain.view == "work" and not scope_of(actor).is_department
        else [plain]
    )
    counts: dict[str, int] = {s: 0 for s in OPEN_STATUSES}
    for part in parts:
        rows = (
            filter_tickets(actor, part)
            .filter(IS_OPEN)
            .values("status")
            .annotate(n=Count("*"))
            .order_by()
        )
        for row in rows:
            if row["status"] in counts:
                counts[row["status"]] += row["n"]
    return counts


def get_timeline(ticket: Ticket) -> list[TicketEvent]:
    """The ticket's events with those of the tickets merged into it, in time order."""
    # No ordering: sorted by date, the planner may walk the date index instead of merged_into's.
    ids = [ticket.id, *ticket.merged_tickets.order_by().values_list("id", flat=True)]
    return list(
        TicketEvent.objects.filter(ticket_id__in=ids)
        .select_related("actor", "actor__staff", "ticket")
        .order_by("at", "id")
    )


def get_ticket_detail(actor: Actor | None, serial: str) -> Ticket:

    ticket = access_ticket(actor, serial)
    return (
        Ticket.objects.select_related(*LIST_RELATIONS)
        .prefetch_related(
            "tags",
            "attachments",
            "deadlines",
            Prefetch("merged_tickets", Ticket.objects.order_by()),
        )
        .get(pk=ticket.pk)
    )


def recent_tickets_for(
    actor: Actor | None, *, customer_id: int | None, caller_number: str, limit: int = 5
) -> list[Ticket]:
    """A caller's last tickets, by customer or by number (screen pop)."""
    cond = Q()
    if customer_id:
        cond |= Q(customer_id=customer_id)
    if caller_number:
        cond |= Q(caller_number=caller_number)
    if not cond:
        return []
    return list(
        visible_tickets(actor)
        .filter(cond)
        .select_related("type", "department")
        .order_by("-received_at", "-id")[:limit]
    )


def count_open_by_status(actor: Actor | None) -> dict[str, int]:
    rows = (
        visible_tickets(actor)
        .filter(status__in=OPEN_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {s: 0 for s in OPEN_STATUSES}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


__all__ = ["Status", "TicketFilters", "list_tickets", "get_timeline"]


@dataclass
class CallerProfile:
    """What a screen pop shows: the number as stored, its customers, their last tickets."""

    number: str
    customers: list[Customer]
    recent: list[Ticket]


def caller_profile(actor: Actor | None, raw_phone: str) -> CallerProfile:
    """The customers with ``raw_phone`` (any format) and the caller's last tickets."""
    number = normalize_phone(raw_phone)
    if not number:
        return CallerProfile("", [], [])
    customers = lookup_by_phone(actor, number)
    recent = recent_tickets_for(
        actor, customer_id=customers[0].id if customers else None, caller_number=number
    )
    return CallerProfile(number, customers, recent)


def assignable_people(ticket: Ticket) -> QuerySet[StaffProfile]:
    """Who the ticket may be assigned to (as the assign service checks): the people of its
    department, or the center's staff while it has none."""
    people = StaffProfile.objects.filter(user__is_active=True).select_related("user", "department")
    if ticket.department_id:
        return people.filter(department_id=ticket.department_id)
    return people.exclude(role__in=DEPARTMENT_ROLES)
