"""Retention of the customer archive: a customer without activity for the period is
anonymised, never deleted (kefu.core.retention).

Activity is the customer's own last change and whatever the other apps report
(``register_customer_activity``: a ticket received or changed, a call, a work order, or one
of them still open). An expired customer keeps its row — its tickets, calls and work orders
still point at it and every statistic counts it — under a neutral name, with its phones,
contacts, ID number, account number, address, e-mail, notes and a member's birth date gone,
and every app's copies cleared (``register_customer_scrubber``). A customer under a legal hold, or with a ticket
under one, is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import retention
from kefu.core.retention import Counts, FormerCustomer, Kind
from kefu.core.services import record_audit
from kefu.customers.models import Customer, CustomerPhone, Member

KIND = "customers"
# Stored as the customer's name: data, not UI text (every language shows the same row).
ANONYMISED_NAME = "已注销客户"


def _expired(cutoff: dt.datetime) -> QuerySet[Customer]:
    return Customer.objects.filter(
        anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff
    )


def former_customer(customer: Customer) -> FormerCustomer:
    """What ``customer`` is now, for the apps to find their copies of it."""
    phones = list(customer.phones.values_list("number", flat=True))
    shared = set(
        CustomerPhone.objects.filter(number__in=phones, customer__anonymised_at__isnull=True)
        .exclude(customer_id=customer.pk)
        .values_list("number", flat=True)
    )
    emails = {customer.email.lower()} if customer.email else set()
    if emails and (
        Customer.objects.filter(email__iexact=customer.email, anonymised_at__isnull=True)
        .exclude(pk=customer.pk)
        .exists()
    ):
        emails = set()
    names = {customer.name, *customer.contacts.values_list("name", flat=True)}
    return FormerCustomer(
        id=customer.pk,
        name=customer.name,
        numbers=frozenset(n for n in phones if n not in shared),
        all_numbers=frozenset(phones),
        emails=frozenset(emails),
        addresses=frozenset({customer.address} if customer.address else set()),
        names=frozenset(n for n in names if n),
        id_number=customer.id_number,
        account_no=customer.account_no or "",
    )


def anonymise_customer(customer: Customer) -> int:
    """Anonymise a locked customer and clear every app's copies of its data; returns the
    copies cleared. Inside the caller's transaction; audited (without the data)."""
    former = former_customer(customer)
    customer.name = ANONYMISED_NAME
    customer.gender = ""
    customer.account_no = None
    customer.id_number = ""
    customer.address = ""
    customer.email = ""
    customer.notes = ""
    customer.is_active = False
    customer.anonymised_at = timezone.now()
    customer.save()
    customer.phones.all().delete()
    customer.contacts.all().delete()
    # A member's card stays (its number, level and store count in the analyses); the birth
    # date, personal data, goes.
    Member.objects.filter(customer=customer).update(birth_date=None)
    copies = retention.scrub_customer_copies(former)
    record_audit(actor=None, action="customer.anonymise", obj=customer, detail={"copies": copies})
    return copies


def apply_customers(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Anonymise the customers neither changed nor active anywhere since ``cutoff``."""
    counts: Counts = {"anonymised": 0, "held": 0}
    if not dry_run:
        counts["copies"] = 0  # what the apps cleared (a dry run does not look for them)
    for ids in retention.batches(_expired(cutoff)):
        hold = retention.held()  # read again each batch: a hold set during a run counts
        active = retention.active_customers(ids, cutoff)
        expired = [i for i in ids if i not in active]
        counts["held"] += sum(1 for i in expired if i in hold.customers)
        for pk in (i for i in expired if i not in hold.customers):
            if dry_run:
                counts["anonymised"] += 1
                continue
            with transaction.atomic():
                customer = _expired(cutoff).select_for_update().filter(pk=pk).first()
                # Changed or active since the batch was read: it is not expired any more.
                if customer is None or retention.active_customers([pk], cutoff):
                    continue
                counts["copies"] += anonymise_customer(customer)
                counts["anonymised"] += 1
    return counts


def register() -> None:
    """Called from CustomersConfig.ready."""
    retention.register_kind(
        Kind(
            code=KIND,
            label=_("无活动的客户档案"),
            # Three years without a request, a call or a change: past the general limitation
            # period (三年诉讼时效, 民法典 §188) nothing the center did for the customer can
            # still be disputed in court, and a customer who comes back is simply recorded
            # again.
            default_days=3 * 365,
            description=_(
                "超过期限无工单、通话、派工或修改的客户被匿名化:姓名改为“已注销客户”,"
                "电话、联系人、证件号、户号、地址、邮箱和备注清除,其他模块中的副本一并清除;"
                "客户记录保留,统计不变"
            ),
            order=10,
        )
    )
    retention.register_part(KIND, "customers", apply_customers)
