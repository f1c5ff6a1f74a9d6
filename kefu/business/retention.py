"""The local store of the business systems (accounts, shipments) and retention
(kefu.core.retention): an anonymised customer's account and shipments lose the owner's
name, address and number here. The store mirrors the billing or shipping system, which keeps
its own records under its own retention: a connector that brings them back later brings
back that system's data, not this center's."""

from __future__ import annotations

from django.db.models import Q

from kefu.business.models import Account, Shipment
from kefu.core import retention
from kefu.core.retention import FormerCustomer


def scrub_accounts(former: FormerCustomer) -> int:
    mine = Q(pk__in=[])
    if former.account_no:
        mine |= Q(account_no=former.account_no)
    if former.numbers:
        mine |= Q(phone__in=former.numbers)
    changed = retention.scrub_rows(
        Account.objects.filter(mine),
        former,
        names=["owner"],
        clear={"owner": "", "address": "", "phone": ""},
    )
    if former.numbers:
        changed += Shipment.objects.filter(phone__in=former.numbers).update(phone="")
    return changed


def register() -> None:
    """Called from BusinessConfig.ready."""
    retention.register_customer_scrubber("business", scrub_accounts)
