"""The portal's SMS codes sent to an anonymised customer's numbers keep only the masked
number (kefu.core.retention); the codes themselves are kept only as keyed hashes."""

from __future__ import annotations

from kefu.core import retention
from kefu.core.masking import mask_phone
from kefu.core.retention import FormerCustomer
from kefu.portal.models import PhoneCode


def scrub_codes(former: FormerCustomer) -> int:
    changed = 0
    for number in former.numbers:
        changed += PhoneCode.objects.filter(phone=number).update(phone=mask_phone(number))
    return changed


def register() -> None:
    """Called from PortalConfig.ready."""
    retention.register_customer_scrubber("portal", scrub_codes)
