"""Writes an integrator may send again safely: the ``Idempotency-Key`` header of the API.

A client that sent a POST (PUT, PATCH, DELETE) and got no answer — a timeout, a dropped
connection, a server restarted mid-request — cannot tell whether it was written. Sent with an
``Idempotency-Key`` (any text up to 200 characters, unique per intended write, e.g. a UUID),
the same request sent again by the same client (same token or session) within KEEP_HOURS gets
the first answer back (status and body, with ``Idempotent-Replayed: true``) and writes nothing.

- The key is written in the request's own transaction, before the request's writes: the
  first request's rows and its key commit together or not at all. A second request with the
  key while the first is still running waits for it (PostgreSQL: on the unique index; SQLite:
  writers queue) and then gets its answer.
- Only answers below 500 are kept: after a server error or a 503 (the database away) nothing
  was written, and the same key may be sent again to try again.
- The same key with another method, path or body is refused (422): a client bug, not a retry.
- Without the header nothing changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.models import IdempotentRequest

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEEP_HOURS = 24
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _error(status: int, code: str, detail: str, field: str | None = None) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "detail": detail, "field": field, "errors": []}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


def _owner(request: HttpRequest) -> str:
    """Whose key it is: the credentials the request came with (a token, or the session)."""
    credentials = request.headers.get("Authorization", "") or request.COOKIES.get("sessionid", "")
    return hashlib.sha256(credentials.encode()).hexdigest() if credentials else ""


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _replay(row: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _answered(owner: str, key: str, fingerprint: str) -> HttpResponse | None:
    row = IdempotentRequest.objects.filter(owner=owner, key=key).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        return _error(422, "invalid", _("该幂等键已用于另一个请求"), field=HEADER)
    return _replay(row)


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITES or not request.path.startswith("/api/"):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > 200 or not key.isprintable():
            return _error(422, "invalid", _("幂等键须为 1–200 个可打印字符"), field=HEADER)
        owner = _owner(request)
        if not owner:  # no credentials: the request is refused (401) anyway
            return self.get_response(request)
        try:
            fingerprint = _fingerprint(request)
        except Exception:  # noqa: BLE001 - a body too big to read: the API answers it
            return self.get_response(request)
        try:
            return self._once(request, owner, key, fingerprint)
        except (OperationalError, InterfaceError) as exc:
            logger.warning("database unavailable for an idempotent request: %s", exc)
            response = _error(503, "unavailable", _("数据库暂时不可用,请稍后重试"))
            response["Retry-After"] = "5"
            return response

    def _once(self, request: HttpRequest, owner: str, key: str, fingerprint: str) -> HttpResponse:
        answered = _answered(owner, key, fingerprint)
        if answered is not None:
            return answered
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    owner=owner, key=key, fingerprint=fingerprint, status=0, body=b""
                )
                response = self.get_response(request)
                if response.status_code >= 500 or response.streaming:
                    transaction.set_rollback(True)
                    return response
                row.status = response.status_code
                row.content_type = response.get("Content-Type", "")
                row.body = response.content
                row.save(update_fields=["status", "content_type", "body"])
                return response
        except IntegrityError:
            # The same key, sent at the same time, was answered while this one waited.
            answered = _answered(owner, key, fingerprint)
            if answered is None:
                raise
            return answered


def forget_old(now: dt.datetime | None = None) -> int:
    """Drop the keys older than KEEP_HOURS (the worker, hourly)."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=KEEP_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
