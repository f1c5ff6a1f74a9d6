"""Legal holds (法律保全): a customer or a ticket whose data the retention job must not touch.

A dispute, a lawsuit or an authority's request can oblige the center to keep a customer's
records past their retention period. An administrator puts a hold on the customer or on one
ticket, with the reason; while it is in force ``held_now`` (registered with
kefu.core.retention) tells every retention part what to leave alone. Lifting it needs a
reason too; the row stays. Both steps are in the audit log.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError, refuse_nul
from kefu.core.retention import Held, is_administrator
from kefu.core.services import record_audit
from kefu.customers.models import Customer, CustomerPhone
from kefu.tickets.models import LegalHold, Ticket

MAX_REASON = 500


def _require_administrator(actor: Actor | None) -> None:
    if not is_administrator(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有系统管理员可以设置或解除法律保全"))


def _reason(value: str | None, field: str) -> str:
    text = (value or "").strip()
    refuse_nul(text, field)
    if not text:
        raise ServiceError(Code.INVALID, _("请填写原因"), field=field)
    if len(text) > MAX_REASON:
        raise ServiceError(Code.INVALID, _("最多 %d 个字符") % MAX_REASON, field=field)
    return text


def holds_in_force() -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(lifted_at__isnull=True)


def check_hold(
    *,
    actor: Actor | None,
    reason: str,
    customer: Customer | None = None,
    ticket: Ticket | None = None,
) -> str:
    """What ``set_hold`` checks before it writes; the reason, cleaned. Raises ServiceError:
    FORBIDDEN, INVALID, CONFLICT (a hold on it is in force already)."""
    _require_administrator(actor)
    if (customer is None) == (ticket is None):
        raise ServiceError(Code.INVALID, _("请选择客户或工单中的一项"), field="customer")
    text = _reason(reason, "reason")
    if holds_in_force().filter(customer=customer, ticket=ticket).exists():
        raise ServiceError(Code.CONFLICT, _("该对象已在法律保全中"))
    return text


@transaction.atomic
def set_hold(
    *,
    actor: Actor | None,
    reason: str,
    customer: Customer | None = None,
    ticket: Ticket | None = None,
) -> LegalHold:
    """Put a hold on ``customer`` or on ``ticket`` (exactly one). Administrators only; a
    reason is required. Raises ServiceError as ``check_hold``."""
    text = check_hold(actor=actor, reason=reason, customer=customer, ticket=ticket)
    hold = LegalHold.objects.create(
        customer=customer,
        ticket=ticket,
        reason=text,
        set_at=timezone.now(),
        set_by=user_of(actor),
    )
    subject: Customer | Ticket | None = customer if customer is not None else ticket
    assert subject is not None
    record_audit(
        actor=actor, action="legal_hold.set", obj=subject, detail={"hold": hold.pk, "reason": text}
    )
    return hold


@transaction.atomic
def lift_hold(hold_id: int, *, actor: Actor | None, reason: str) -> LegalHold:
    """Lift a hold in force, with the reason. Administrators only. Raises ServiceError:
    FORBIDDEN, NOT_FOUND, INVALID, INVALID_TRANSITION (lifted already)."""
    _require_administrator(actor)
    text = _reason(reason, "lift_reason")
    hold = LegalHold.objects.select_for_update().filter(pk=hold_id).first()
    if hold is None:
        raise ServiceError(Code.NOT_FOUND, _("法律保全不存在"))
    if hold.lifted_at is not None:
        raise ServiceError(Code.INVALID_TRANSITION, _("该法律保全已解除"))
    hold.lifted_at = timezone.now()
    hold.lifted_by = user_of(actor)
    hold.lift_reason = text
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    subject: Customer | Ticket | None = hold.customer if hold.customer is not None else hold.ticket
    assert subject is not None
    record_audit(
        actor=actor,
        action="legal_hold.lift",
        obj=subject,
        detail={"hold": hold.pk, "reason": text},
    )
    return hold


def holds_on(*, customer_id: int | None = None, ticket_id: int | None = None) -> list[LegalHold]:
    """The holds in force on a customer or on a ticket, newest first (for their pages)."""
    found = holds_in_force().select_related("set_by", "set_by__staff")
    if customer_id is not None:
        return list(found.filter(customer_id=customer_id))
    if ticket_id is not None:
        return list(found.filter(ticket_id=ticket_id))
    return []


def held_now() -> Held:
    """What the holds in force keep: a held customer with their tickets and numbers; a held
    ticket with its customer (whose numbers are kept with them)."""
    direct_customers: set[int] = set()
    direct_tickets: set[int] = set()
    for customer_id, ticket_id in holds_in_force().values_list("customer_id", "ticket_id"):
        if customer_id is not None:
            direct_customers.add(customer_id)
        if ticket_id is not None:
            direct_tickets.add(ticket_id)
    if not direct_customers and not direct_tickets:
        return Held()
    customers = direct_customers | {
        c
        for c in Ticket.objects.filter(pk__in=direct_tickets).values_list("customer_id", flat=True)
        if c is not None
    }
    tickets = direct_tickets | set(
        Ticket.objects.filter(customer_id__in=direct_customers).values_list("pk", flat=True)
    )
    numbers = set(
        CustomerPhone.objects.filter(customer_id__in=customers).values_list("number", flat=True)
    )
    return Held(frozenset(customers), frozenset(tickets), frozenset(numbers))
