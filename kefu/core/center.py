"""Who the center is: its name, hotline and SMS signature (中心信息, one row edited in the
admin), read by every app and kept per process (kefu.core.refcache).

The SMS signature (【清源水务】) starts every SMS the gateway sends and counts against the
70 characters of one SMS; the deployment's ``KEFU_SMS_SIGNATURE`` stands in while the admin
has set none. Also the arithmetic of SMS length: 70 characters for one SMS, 67 for each part
of a longer one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings

from kefu.core import refcache
from kefu.core.errors import Code, ServiceError
from kefu.core.models import CenterProfile, sms_signature_error

# Characters of one SMS (a Chinese character is one); a longer text goes in parts of 67.
SMS_LIMIT = 70
SMS_PART = 67


@dataclass(frozen=True)
class Center:
    name: str
    hotline: str
    sms_signature: str  # the admin's, else KEFU_SMS_SIGNATURE; "" when neither is set


def center() -> Center:
    """The center's profile; before an administrator saves one, the defaults (本公司, no
    hotline) and the deployment's signature."""

    def load() -> Center:
        row = CenterProfile.objects.order_by("id").first() or CenterProfile()
        return Center(
            name=row.name,
            hotline=row.hotline,
            sms_signature=row.sms_signature.strip() or settings.NOTIFY_SMS_SIGNATURE,
        )

    return refcache.get(("center_profile",), load)


def sms_signature() -> str:
    """What the SMS gateway puts before every text (【清源水务】), or ""."""
    return center().sms_signature


def clean_sms_signature(value: str) -> str:
    """``value`` stripped, or ServiceError(INVALID, field="sms_signature") saying what is wrong
    (brackets 【】 around 2–12 Chinese characters, letters or digits; empty is allowed)."""
    error = sms_signature_error(value)
    if error:
        raise ServiceError(Code.INVALID, error, field="sms_signature")
    return (value or "").strip()


def sms_text(body: str) -> str:
    """The text as the phone shows it: the signature first (once)."""
    signature = sms_signature()
    return f"{signature}{body}" if signature and not body.startswith(signature) else body


def sms_parts(text: str) -> int:
    """How many SMS ``text`` (signature included) is sent as: one up to 70 characters, else
    parts of 67."""
    if len(text) <= SMS_LIMIT:
        return 1
    return math.ceil(len(text) / SMS_PART)
