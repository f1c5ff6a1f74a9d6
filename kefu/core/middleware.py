"""The database out of reach is a retryable answer, not a server error.

While PostgreSQL restarts (or SQLite stays locked past its timeout), a request that needed it
gets 503 with ``Retry-After``: the API's error shape (``code: unavailable``), a short page for
a person. The request's transaction was rolled back, so nothing of it was written and the
client may send it again. The next request takes a fresh connection (the pool checks each
connection it hands out): the servers recover by themselves when the database is back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, OperationalError | InterfaceError):
            return None
        logger.warning(
            "database unavailable, %s %s answered 503: %s", request.method, request.path, exc
        )
        detail = _("数据库暂时不可用,请稍后重试")
        if request.path.startswith("/api/"):
            body: dict[str, Any] = {
                "code": "unavailable",
                "detail": detail,
                "field": None,
                "errors": [],
            }
            response = HttpResponse(
                json.dumps(body, ensure_ascii=False), status=503, content_type="application/json"
            )
        else:
            response = HttpResponse(
                f"<!doctype html><meta charset=utf-8><title>503</title><p>{detail}</p>",
                status=503,
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
