"""What part of the center a user works in, and so what they may see and do.

Center staff without a branch see everything; center staff of a branch see that branch;
department staff see their department's work. Users without a staff profile see nothing,
except superusers, who see everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from kefu.accounts.models import CENTER_ROLES, DEPARTMENT_ROLES, Role
from kefu.accounts.services import staff_of
from kefu.core.actor import Actor

# Center roles that record and move requests; the others read (quality, general manager).
INTAKE_ROLES: set[str] = {Role.AGENT, Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}
# Who watches the telephone floor (话务监控); the leads among them also answer its ladder.
FLOOR_ROLES: set[str] = {
    Role.TEAM_LEAD,
    Role.SUPERVISOR,
    Role.ADMIN,
    Role.GENERAL_MANAGER,
    Role.QUALITY,
}
FLOOR_LEADS: set[str] = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}


@dataclass(frozen=True)
class Scope:
    role: str | None
    branch_id: int | None
    department_id: int | None
    everything: bool
    nothing: bool

    @property
    def is_center(self) -> bool:
        return self.role in CENTER_ROLES

    @property
    def can_intake(self) -> bool:
        return self.role in INTAKE_ROLES

    @property
    def watches_floor(self) -> bool:
        return self.role in FLOOR_ROLES

    @property
    def leads_floor(self) -> bool:
        return self.role in FLOOR_LEADS

    @property
    def is_department(self) -> bool:
        return self.role in DEPARTMENT_ROLES


def scope_of(user: Actor | None) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope(None, None, None, everything=False, nothing=True)
    staff = staff_of(user)
    if staff is None:
        if user.is_superuser:
            return Scope(Role.ADMIN, None, None, everything=True, nothing=False)
        return Scope(None, None, None, everything=False, nothing=True)
    center_wide = staff.role in CENTER_ROLES and staff.branch_id is None
    return Scope(
        staff.role,
        staff.branch_id,
        staff.department_id,
        everything=center_wide,
        nothing=False,
    )
