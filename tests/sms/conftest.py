"""The SMS gateway as the customer's side: it signs each SMS it posts with the shared secret."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from kefu.notify.gateways import signature

SECRET = "gw-secret-7f3a"
URL = "/api/v1/sms/inbound"


class Gateway:
    """Posts raw, signed bodies to the webhook through Django's test client (real HTTP
    handling: middleware, routing, the raw body as sent)."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.client = Client(enforce_csrf_checks=True)  # a gateway has no CSRF token

    def post_raw(self, body: bytes, *, content_type: str, sign: str | None = None, **headers):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        if sign is None:
            sign = signature(self.secret, body)
        if sign:
            extra["HTTP_X_KEFU_SIGNATURE"] = sign
        return self.client.generic("POST", URL, body, content_type=content_type, **extra)

    def send(self, text: str, *, sender: str = "13812345678", gid: str = "gw-1", **fields):
        payload = {"from": sender, "text": text, "id": gid} | fields
        body = json.dumps(payload, ensure_ascii=False).encode()
        return self.post_raw(body, content_type="application/json")

    def send_form(self, fields: dict, *, charset: str = "utf-8"):
        body = urlencode(fields, encoding=charset).encode("ascii")
        return self.post_raw(
            body, content_type=f"application/x-www-form-urlencoded; charset={charset}"
        )


@pytest.fixture
def gateway(settings, org):
    settings.SMS_INBOUND_SECRET = SECRET
    return Gateway()
