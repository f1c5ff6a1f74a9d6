"""Masking of personal data for roles without the ``core.view_pii`` permission."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from kefu.core import refcache
from kefu.core.actor import Actor


def can_view_pii(user: Actor | None) -> bool:
    """Whether ``user`` may see personal data unmasked (kept per process: refcache)."""
    if not (user and user.is_authenticated):
        return False
    return refcache.get(("view_pii", user.pk), lambda: bool(user.has_perm("core.view_pii")))


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; short numbers keep their last two digits."""
    if not value:
        return ""
    value = str(value)
    if len(value) >= 7:
        return value[:3] + "****" + value[-4:]
    if len(value) > 2:
        return "*" * (len(value) - 2) + value[-2:]
    return "*" * len(value)


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` → ``110***********1234``."""
    if not value:
        return ""
    value = str(value)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str | None) -> str:
    """Keep the district, hide the door: ``朝阳区幸福路12号3单元501`` → ``朝阳区幸福路****``."""
    if not value:
        return ""
    value = str(value)
    keep = min(6, max(len(value) // 2, 1))
    return value[:keep] + "****"


def mask_email(value: str | None) -> str:
    """``zhang.wei@example.com`` → ``zh****@example.com``."""
    if not value:
        return ""
    local, at, domain = str(value).partition("@")
    if not at:
        return mask_phone(value)
    return local[:2] + "****@" + domain


def mask_birth_date(value: object) -> str:
    """A birth date (a date or ``YYYY-MM-DD``) → ``****-**-**``: the day and the year both
    identify a person with the name; the age band an analysis shows is enough."""
    return "****-**-**" if value else ""


def mask_contact(value: str | None) -> str:
    """An e-mail address or a phone number, masked as its kind is."""
    return mask_email(value) if value and "@" in value else mask_phone(value)


# A number written in running text: a mainland mobile (with or without +86), a landline with
# its area code, an ID card number (18 or 15 characters). Not part of a longer run of letters
# and digits, so serials (P261207028), amounts and times are left alone.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z])"
)


def mask_text(value: str | None, *, addresses: Iterable[str | None] = ()) -> str:
    """Running text (an SMS, a note) with the personal data in it masked: every phone and ID
    number, and each of ``addresses`` — whole, or cut short with "…" as the dispatch SMS
    shortens it — as ``mask_address`` shows it."""
    if not value:
        return ""
    text = str(value)
    for address in sorted({a for a in addresses if a}, key=len, reverse=True):
        masked = mask_address(address)
        shown = len(masked) - len("****")
        text = text.replace(address, masked)
        for cut in range(len(address) - 1, shown, -1):
            if address[:cut] + "…" in text:
                text = text.replace(address[:cut] + "…", masked)
                break
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()), text)


class Masker:
    """Shows a viewer personal data in full or masked, by the viewer's permission."""

    def __init__(self, user: Actor | None) -> None:
        self.full = can_view_pii(user)

    def phone(self, value: str | None) -> str:
        return (value or "") if self.full else mask_phone(value)

    def id_number(self, value: str | None) -> str:
        return (value or "") if self.full else mask_id_number(value)

    def address(self, value: str | None) -> str:
        return (value or "") if self.full else mask_address(value)

    def email(self, value: str | None) -> str:
        return (value or "") if self.full else mask_email(value)

    def birth_date(self, value: dt.date | None) -> str:
        """``YYYY-MM-DD`` in full, else masked (``mask_birth_date``); "" for none."""
        if not value:
            return ""
        return value.isoformat() if self.full else mask_birth_date(value)

    def contact(self, value: str | None) -> str:
        """An e-mail address or a phone number."""
        return (value or "") if self.full else mask_contact(value)

    def text(self, value: str | None, *, addresses: Iterable[str | None] = ()) -> str:
        """Running text with the numbers and ``addresses`` in it (``mask_text``)."""
        return (value or "") if self.full else mask_text(value, addresses=addresses)
