"""Phone numbers: one normalized form for storage and caller-ID lookup.

A PBX, an agent and an Excel sheet write the same number many ways: ``+86 138-1234-5678``,
``008613812345678``, ``(010) 8888 1234``, ``010-88881234``. We store the mainland national
form (mobile ``13812345678``, landline with its trunk prefix ``01088881234``) and the E.164
form for foreign numbers, so lookup is one equality on an indexed column.
"""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings

_NOT_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str | None) -> str:
    """Return the normalized form of ``raw``, or "" when it holds no usable number."""
    if not raw:
        return ""
    text = _NOT_DIGITS.sub("", str(raw).strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    digits = text.lstrip("+")
    if not digits or len(digits) < 3 or len(digits) > 20 or "+" in text[1:]:
        return ""
    area = getattr(settings, "DEFAULT_AREA_CODE", None)
    if not text.startswith("+") and area and len(digits) in (7, 8) and digits[0] not in "01":
        digits = area + digits
        text = digits
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return digits
    if parsed.country_code == 86:
        national = str(parsed.national_number)
        if national.startswith("1") and len(national) == 11:
            return national
        if len(national) >= 9 and phonenumbers.is_possible_number(parsed):
            return "0" + national
        # Short service numbers (95598, 12345) and extensions stay as dialled.
        return digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_plausible_phone(normalized: str) -> bool:
    return bool(normalized) and 3 <= len(normalized.lstrip("+")) <= 20


# A mainland mobile number as normalize_phone gives it: the numbers an SMS reaches.
_MOBILE = re.compile(r"1\d{10}")


def is_mobile(normalized: str) -> bool:
    return bool(_MOBILE.fullmatch(normalized or ""))
