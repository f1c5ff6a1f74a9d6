"""Helpers for the portal's tests: the SMS code as the customer's phone receives it."""

from __future__ import annotations

import re

import pytest

from kefu.notify.models import Delivery
from kefu.portal import services

PHONE = "13911112222"
OTHER = "13733334444"
CLIENT = services.client_key("203.0.113.7")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def texted_code(phone: str = PHONE) -> str:
    """The 6 digits of the last code SMS to ``phone`` (the gateway's outbox)."""
    delivery = Delivery.objects.filter(event="portal.code", address=phone).order_by("-id").first()
    assert delivery is not None, "no code SMS"
    found = re.search(r"\d{6}", delivery.body)
    assert found is not None
    return found.group(0)


def proved(phone: str = PHONE, client: str = CLIENT) -> str:
    """A token for ``phone``: a code sent and typed back."""
    services.send_code(phone, purpose="submit", client=client)
    return services.verify_code(phone, texted_code(phone))


@pytest.fixture
def token(org):
    return proved()
