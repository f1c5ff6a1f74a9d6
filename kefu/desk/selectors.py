"""Reads of the desk's own records, and the customer's whole picture (客户360) beside the pop."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor, user_of
from kefu.customers.models import Customer
from kefu.desk.models import SavedView
from kefu.dispatch.access import visible_orders
from kefu.dispatch.models import OPEN_STATUSES, WorkOrder
from kefu.followups.access import visible_tasks
from kefu.followups.models import CallbackTask, Survey
from kefu.telephony.models import CallRecord
from kefu.tickets.access import scoped_to_tickets


def saved_views(actor: Actor) -> QuerySet[SavedView]:
    """The user's saved queue views, by name."""
    user = user_of(actor)
    if user is None:
        return SavedView.objects.none()
    return SavedView.objects.filter(owner=user, is_active=True)


OVERVIEW_LIMIT = 5


@dataclass(frozen=True)
class CustomerOverview:
    """The customer's whole picture (客户360) beside the profile, each list the newest five,
    each only what ``actor`` may see."""

    calls: list[CallRecord] = field(default_factory=list)
    orders: list[WorkOrder] = field(default_factory=list)
    callbacks: list[CallbackTask] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)


def customer_overview(
    actor: Actor, customer: Customer | None, *, number: str = ""
) -> CustomerOverview:
    """The last calls (the center's staff only: the caller log is not the departments'), the
    open work orders, the callbacks and the survey scores of ``customer``; with no customer,
    the calls of ``number``."""
    numbers = [number] if number else []
    if customer is not None:
        numbers += [p.number for p in customer.phones.all()]
    calls: list[CallRecord] = []
    if scope_of(actor).is_center and (customer is not None or numbers):
        cond = Q(customer_number__in=numbers)
        if customer is not None:
            cond |= Q(customer_id=customer.pk)
        calls = list(CallRecord.objects.filter(cond).order_by("-started_at")[:OVERVIEW_LIMIT])
    if customer is None:
        return CustomerOverview(calls=calls)
    orders = list(
        visible_orders(actor)
        .filter(customer_id=customer.pk, status__in=OPEN_STATUSES)
        .order_by("-ordered_at")[:OVERVIEW_LIMIT]
    )
    callbacks = list(
        visible_tasks(actor)
        .filter(ticket__customer_id=customer.pk)
        .exclude(state=CallbackTask.State.EXCLUDED)
        .select_related("ticket")
        .order_by("-created_at")[:OVERVIEW_LIMIT]
    )
    surveys = list(
        scoped_to_tickets(Survey.objects.all(), actor, through="ticket__")
        .filter(ticket__customer_id=customer.pk, score__isnull=False)
        .select_related("ticket")
        .order_by("-answered_at")[:OVERVIEW_LIMIT]
    )
    return CustomerOverview(calls, orders, callbacks, surveys)
