from __future__ import annotations

from django.http import HttpRequest

from kefu.accounts.models import StaffProfile
from kefu.accounts.services import staff_of


def staff(request: HttpRequest) -> dict[str, StaffProfile | None]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"staff": staff_of(user)}
