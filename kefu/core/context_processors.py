"""What every page may show of the center: its name and hotline (public pages carry them)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kefu.core.center import center as center_profile


def center(request: HttpRequest) -> dict[str, Any]:
    return {"center": SimpleLazyObject(center_profile)}
