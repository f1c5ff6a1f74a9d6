"""Retention of work orders (kefu.core.retention): site photos and customers' signatures are
attachments (their files destroyed after the period, the rows kept and marked); a work order
is a customer's activity; an anonymised customer's orders lose its name, numbers and address,
in the order, its dispatch SMS, its tracking record and its phone-call tasks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kefu.core import retention
from kefu.core.masking import mask_phone
from kefu.core.retention import Counts, FormerCustomer
from kefu.dispatch.models import (
    OPEN_STATUSES,
    CallTask,
    DispatchMessage,
    Photo,
    TrackingRecord,
    WorkOrder,
)
from kefu.notify.models import Delivery

ATTACHMENTS = "attachments"  # declared by kefu.tickets.retention


def _held_orders() -> Q:
    hold = retention.held()
    return Q(customer_id__in=hold.customers) | Q(ticket_id__in=hold.tickets)


def apply_attachments(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Destroy the photos taken and the signatures given before ``cutoff`` on orders no
    longer open."""
    photos = Photo.objects.filter(uploaded_at__lt=cutoff).exclude(order__status__in=OPEN_STATUSES)
    counts = retention.purge_files(
        photos,
        dry_run=dry_run,
        exclude_held=lambda qs: qs.exclude(order__in=WorkOrder.objects.filter(_held_orders())),
    )
    signed = (
        WorkOrder.objects.exclude(signature="")
        .exclude(status__in=OPEN_STATUSES)
        .filter(Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True, ordered_at__lt=cutoff))
    )
    signatures = retention.purge_files(
        signed,
        file_field="signature",
        marker="signature_purged_at",
        dry_run=dry_run,
        exclude_held=lambda qs: qs.exclude(_held_orders()),
    )
    return {key: counts[key] + signatures[key] for key in counts}


def active_customers(ids: list[int], cutoff: dt.datetime) -> set[int]:
    """Customers with a work order placed or changed since ``cutoff``, or one still open."""
    recent = Q(ordered_at__gte=cutoff) | Q(updated_at__gte=cutoff) | Q(status__in=OPEN_STATUSES)
    return set(
        WorkOrder.objects.filter(recent, customer_id__in=ids)
        .values_list("customer_id", flat=True)
        .distinct()
    )


def orders_of(former: FormerCustomer) -> QuerySet[WorkOrder]:
    """The customer's orders (its own or its tickets'), and those for one of its numbers that
    name no customer."""
    mine = Q(customer_id=former.id) | Q(ticket__customer_id=former.id)
    if former.numbers:
        mine |= Q(customer__isnull=True, customer_phone__in=former.numbers)
        mine |= Q(customer__isnull=True, consignee_phone__in=former.numbers)
    return WorkOrder.objects.filter(mine)


def scrub_orders(former: FormerCustomer) -> int:
    changed = 0
    orders = orders_of(former)
    ids: list[int] = []
    for order in orders.only(
        "pk",
        "serial",
        "customer_name",
        "customer_phone",
        "consignee_phone",
        "address",
        "consignee",
        "result",
        "materials",
        "return_reason",
        "hint",
    ):
        ids.append(order.pk)
        copy = former.with_copies(
            names=[order.customer_name, order.consignee], addresses=[order.address]
        )
        changed += WorkOrder.objects.filter(pk=order.pk).update(
            customer_name="",
            customer_phone="",
            address="",
            consignee="",
            consignee_phone="",
            result=copy.scrub(order.result),
            materials=copy.scrub(order.materials),
            return_reason=copy.scrub(order.return_reason),
            hint=copy.scrub(order.hint),
        )
        for message in DispatchMessage.objects.filter(order_id=order.pk).only("pk", "text"):
            text = copy.scrub(message.text)
            if text != message.text:
                changed += DispatchMessage.objects.filter(pk=message.pk).update(text=text)
        # The dispatch SMS as sent to the field staff, and the SMS the customer got about the
        # order (the crew on its way) at a number that may not be in the archive.
        sent = Q(pk__in=DispatchMessage.objects.filter(order_id=order.pk).values("delivery_id"))
        phones = [p for p in (order.customer_phone, order.consignee_phone) if p]
        if phones:
            sent |= Q(address__in=phones, key__contains=f":{order.serial}:")
        changed += retention.scrub_rows(
            Delivery.objects.filter(sent), copy, text=["subject", "body", "last_error"]
        )
        for pk, address in Delivery.objects.filter(
            address__in=phones, key__contains=f":{order.serial}:"
        ).values_list("pk", "address"):
            changed += Delivery.objects.filter(pk=pk).update(address=mask_phone(address))
        for record in TrackingRecord.objects.filter(order_id=order.pk).only("pk", "note", "data"):
            note, data = copy.scrub(record.note), copy.scrub_json(record.data)
            if note != record.note or data != record.data:
                changed += TrackingRecord.objects.filter(pk=record.pk).update(note=note, data=data)
        for task in CallTask.objects.filter(order_id=order.pk).only("pk", "reason", "note"):
            reason, note = copy.scrub(task.reason), copy.scrub(task.note)
            if reason != task.reason or note != task.note:
                changed += CallTask.objects.filter(pk=task.pk).update(reason=reason, note=note)
        retention.rewrite_audit(WorkOrder, [order.pk], copy.scrub)
    changed += retention.purge_files(Photo.objects.filter(order_id__in=ids), dry_run=False)[
        "purged"
    ]
    changed += retention.purge_files(
        WorkOrder.objects.filter(pk__in=ids).exclude(signature=""),
        file_field="signature",
        marker="signature_purged_at",
        dry_run=False,
    )["purged"]
    return changed


def register() -> None:
    """Called from DispatchConfig.ready."""
    retention.register_part(ATTACHMENTS, "dispatch", apply_attachments)
    retention.register_customer_activity("dispatch", active_customers)
    retention.register_customer_scrubber("dispatch", scrub_orders)
