from __future__ import annotations

from django.http import HttpRequest

from kefu.accounts.models import StaffProfile
from kefu.accounts.scope import scope_of
from kefu.accounts.services import staff_of


def staff(request: HttpRequest) -> dict[str, StaffProfile | bool | None]:
    """The signed-in staff member, and whether they are the center's own (the caller log
    and the missed calls are not the departments'), and whether they watch the floor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    return {
        "staff": staff_of(user),
        "is_center": scope.is_center,
        "may_watch_floor": scope.watches_floor,
        "may_lead_floor": scope.leads_floor,
    }
