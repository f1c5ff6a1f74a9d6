"""The one error type services raise for refused input or actions.

The API maps it to a 4xx JSON body ``{"code", "detail", "field"}``; HTML views turn it into a
form error. ``code`` is stable (integrators match on it); ``detail`` is localized text.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"


HTTP_STATUS = {
    Code.INVALID: 422,
    Code.NOT_FOUND: 404,
    Code.FORBIDDEN: 403,
    Code.INVALID_TRANSITION: 409,
    Code.CONFLICT: 409,
    Code.TOO_LARGE: 413,
}


class ServiceError(Exception):
    def __init__(self, code: Code, detail: str, *, field: str | None = None) -> None:
        super().__init__(str(detail))
        self.code = code
        self.detail = str(detail)
        self.field = field

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]

    def as_dict(self) -> dict:
        return {"code": str(self.code), "detail": self.detail, "field": self.field}
