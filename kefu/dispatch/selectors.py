"""Reads for the dispatch desk: the order list with its filters, one order with everything on
it, the people and crews an order can go to."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from kefu.accounts.models import Role, StaffProfile
from kefu.core.calendar import start_of_day
from kefu.core.paging import PER_PAGE, Page, paginate
from kefu.dispatch.access import access_order, visible_orders
from kefu.dispatch.models import (
    FIELD_STATUSES,
    Crew,
    Status,
    WorkOrder,
)

OVERDUE_STATUSES = (Status.PENDING, *FIELD_STATUSES, Status.RETURNED)


def list_orders(
    actor,
    *,
    status: str = "",
    department: str = "",
    assignee: str = "",
    kind: str = "",
    overdue: bool = False,
    q: str = "",
    ticket: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[WorkOrder]:
    """The orders ``actor`` may see, newest first, narrowed by the filters (unknown values
    match nothing rather than everything); one page (kefu.core.paging)."""
    qs = visible_orders(actor).select_related(
        "department", "assignee__staff", "crew", "ticket", "area"
    )
    if status == "open":
        qs = qs.exclude(status__in=[Status.CLOSED, Status.CANCELLED])
    elif status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    if assignee:
        qs = qs.filter(Q(assignee__username=assignee) | Q(assignee__staff__employee_no=assignee))
    if kind:
        qs = qs.filter(kind=kind)
    if overdue:
        qs = qs.filter(status__in=OVERDUE_STATUSES, due_at__lt=timezone.now())
    if ticket:
        qs = qs.filter(ticket__serial=ticket)
    q = (q or "").strip()[:60]
    if q:
        qs = qs.filter(
            Q(serial=q)
            | Q(customer_phone=q)
            | Q(consignee_phone=q)
            | Q(address__contains=q)
            | Q(goods__contains=q)
            | Q(customer_name__contains=q)
        )
    return paginate(qs.order_by("-ordered_at", "-id"), page=page, per_page=per_page)


def count_by_status(actor) -> dict[str, int]:
    rows = visible_orders(actor).values("status").annotate(n=Count("id")).order_by()
    return {row["status"]: row["n"] for row in rows}


def count_overdue(actor) -> int:
    return (
        visible_orders(actor).filter(status__in=OVERDUE_STATUSES, due_at__lt=timezone.now()).count()
    )


def get_order(actor, serial: str) -> WorkOrder:
    """The order with what its page shows; NOT_FOUND as access_order."""
    order = access_order(actor, serial)
    return (
        WorkOrder.objects.select_related(
            "department__branch",
            "branch",
            "crew__leader__staff",
            "assignee__staff",
            "dispatcher__staff",
            "dispatched_by__staff",
            "created_by__staff",
            "ticket",
            "customer",
            "area",
        )
        .prefetch_related("photos")
        .get(pk=order.pk)
    )


def tracking_of(order: WorkOrder):
    return order.tracking.select_related("actor__staff").order_by("at", "id")


def messages_of(order: WorkOrder):
    return order.messages.select_related("recipient__staff", "delivery").order_by(
        "confirmed_at", "id"
    )


def call_tasks_of(order: WorkOrder):
    return order.call_tasks.select_related("callee__staff", "called_by__staff").order_by(
        "created_at", "id"
    )


def field_people(order_or_department):
    """Who an order of this department may go to: its active field staff first, then its
    handlers and head (a department without field staff sends its own people)."""
    department_id = getattr(order_or_department, "department_id", None) or order_or_department.pk
    people = StaffProfile.objects.filter(
        department_id=department_id, user__is_active=True
    ).select_related("user")
    return sorted(people, key=lambda p: (p.role != Role.FIELD_STAFF, p.employee_no))


def crews_of(department_id: int):
    return Crew.objects.filter(department_id=department_id, is_active=True).select_related(
        "leader__staff"
    )


def active_crews():
    return Crew.objects.filter(is_active=True).select_related("department", "leader__staff")


def department_people():
    """Everyone an order can be sent to: the active staff of the departments, field staff
    first (the desk form's list of names)."""
    people = StaffProfile.objects.filter(
        department__isnull=False, user__is_active=True
    ).select_related("user", "department")
    return sorted(
        people, key=lambda p: (p.role != Role.FIELD_STAFF, p.department_id, p.employee_no)
    )


def list_my_orders(user, *, now: dt.datetime) -> tuple[list[WorkOrder], list[WorkOrder]]:
    """The orders assigned to ``user`` or their crew: those still to do in the field, the most
    urgent first, and those completed today, the latest first. Two queries."""
    mine = visible_orders(user).filter(
        Q(assignee=user) | Q(crew__leader=user) | Q(crew__members=user)
    )
    to_do = mine.filter(status__in=FIELD_STATUSES).order_by(
        F("due_at").asc(nulls_last=True), "ordered_at", "id"
    )
    done = mine.filter(status=Status.COMPLETED, completed_at__gte=start_of_day(now)).order_by(
        "-completed_at", "-id"
    )
    return list(to_do), list(done)


def newest_order_of_kind(kind: str) -> WorkOrder | None:
    """The last order of ``kind`` created (the template editor previews its text)."""
    return (
        WorkOrder.objects.filter(kind=kind)
        .select_related("dispatched_by__staff")
        .order_by("-id")
        .first()
    )
