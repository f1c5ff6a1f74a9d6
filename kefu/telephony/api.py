"""The CTI endpoint, compatible with PBX scripts written for Zammad's generic CTI API."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from ninja import Router
from ninja.errors import AuthenticationError

from kefu.telephony.services import handle_cti_event

router = Router(tags=["telephony"])


def _params(request) -> dict:
    content_type = request.content_type or ""
    if content_type.startswith("application/json"):
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return body if isinstance(body, dict) else {}
    data = request.POST if request.method == "POST" else request.GET
    params = {key.removesuffix("[]"): data.get(key) for key in data}
    users = data.getlist("user[]") or data.getlist("user")
    params["user"] = users
    return params


@router.post("/{token}", auth=None, include_in_schema=True)
def cti_event(request, token: str):
    """newCall / answer / hangup events from the PBX (Zammad generic CTI format).

    The secret is the last part of the URL (set KEFU_CTI_TOKEN). Answers ``{}`` like Zammad.
    """
    expected = settings.CTI_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        # The API's AuthenticationError handler answers 401 {"code": "unauthorized", ...}.
        # (A Router template has no ``.api`` in django-ninja 1.7: that used to crash with a 500.)
        raise AuthenticationError()
    handle_cti_event(_params(request))
    return {}
