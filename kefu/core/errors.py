"""The one error type services raise for refused input or actions.

The API maps it to a 4xx JSON body ``{"code", "detail", "field"}``; HTML views turn it into a
form error. ``code`` is stable (integrators match on it); ``detail`` is localized text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class Code(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    INVALID_TRANSITION = "invalid_transition"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    TOO_MANY = "too_many"  # a rate limit (the portal's SMS codes and lookups)
    NO_SPACE = "no_space"  # the disk the attachments are stored on is full


HTTP_STATUS = {
    Code.INVALID: 422,
    Code.NOT_FOUND: 404,
    Code.FORBIDDEN: 403,
    Code.INVALID_TRANSITION: 409,
    Code.CONFLICT: 409,
    Code.TOO_LARGE: 413,
    Code.TOO_MANY: 429,
    Code.NO_SPACE: 507,
}


class ServiceError(Exception):
    def __init__(self, code: Code, detail: str | StrPromise, *, field: str | None = None) -> None:
        super().__init__(str(detail))
        self.code = code
        self.detail = str(detail)
        self.field = field

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "detail": self.detail, "field": self.field}


def refuse_nul(value: object, field: str = "") -> None:
    """NUL characters are never meaningful input, and PostgreSQL cannot store or even compare
    them (a DataError, so a 500): refuse them up front with a 422 naming the field. Takes a
    string, a dict or list of them (a parsed body), or a form's QueryDict."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ServiceError(Code.INVALID, _("输入不能包含空字符 (\\x00)"), field=field or None)
    elif hasattr(value, "lists"):  # a QueryDict: every value of every field
        for key, items in value.lists():
            refuse_nul(items, key)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key, field)
            refuse_nul(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for item in value:
            refuse_nul(item, field)


def refuse_page(exc: ServiceError) -> None:
    """For a page's view: a FORBIDDEN refusal becomes the 403 page and NOT_FOUND the 404 page;
    any other refusal returns, for the view to show on its form."""
    if exc.code == Code.FORBIDDEN:
        raise PermissionDenied(exc.detail)
    if exc.code == Code.NOT_FOUND:
        raise Http404(exc.detail)


def show_refusal(request: HttpRequest, exc: ServiceError) -> None:
    """For a page's view: ``refuse_page``, else the refusal as the page's error message, with
    the field it names ("field: detail")."""
    refuse_page(exc)
    messages.error(request, f"{exc.field}: {exc.detail}" if exc.field else exc.detail)
