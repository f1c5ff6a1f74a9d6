"""The SMS gateway's webhook: a customer's SMS in (signed; see kefu.sms.services)."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Router

from kefu.core.clients import client_address
from kefu.sms.services import SIGNATURE_HEADER, handle_inbound

router = Router(tags=["sms"])


@router.post("/inbound", auth=None)
def inbound(request):
    """A customer's SMS, posted by the SMS gateway (JSON or form: ``from``, ``text``, ``id``,
    optional ``to`` and ``received_at``), signed with ``X-Kefu-Signature: sha256=<hex
    HMAC-SHA256 of the raw body>`` keyed by KEFU_SMS_INBOUND_SECRET.

    Answers 200 ``{"status": "created"|"joined"|"unsubscribed"|"resubscribed"|"duplicate",
    "serial", "id"}`` (the same gateway ``id`` again: ``duplicate`` with the first answer's
    serial, nothing new written); 401 ``bad_signature``; 503 ``not_configured`` (no secret:
    nothing is taken unsigned); 422 ``invalid`` (no number, empty or over 1000 characters).
    Every call is recorded (admin: 上行短信)."""
    answer = handle_inbound(
        request.body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        signature_header=request.headers.get(SIGNATURE_HEADER, ""),
        remote_addr=client_address(request) or "",
    )
    return JsonResponse(
        answer.body, status=answer.status, json_dumps_params={"ensure_ascii": False}
    )
