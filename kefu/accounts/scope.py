"""What part of the center a user works in, and so what they may see and do.

Least privilege, one table (``ROLE_REACH``, written out in the README "Who sees what"): center
staff without a branch reach the whole center, center staff of a branch that branch; a
department's handlers and heads reach their department's work (its tickets and work orders,
and the customers of those); field staff reach their own work orders (their own and their
crews') and what those need (the orders' tickets and customers). Users without a staff
profile reach nothing, except superusers, who reach everything. ``kefu.tickets.access``,
``kefu.customers.access`` and ``kefu.dispatch.access`` apply the reach, each to its records.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

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


class Reach(StrEnum):
    """How far a user's sight goes (the records each reach covers: the module's docstring)."""

    ALL = "all"
    BRANCH = "branch"
    DEPARTMENT = "department"
    OWN_ORDERS = "own_orders"
    NONE = "none"


ROLE_REACH: dict[str, Reach] = {
    Role.AGENT: Reach.BRANCH,
    Role.TEAM_LEAD: Reach.BRANCH,
    Role.SUPERVISOR: Reach.BRANCH,
    Role.GENERAL_MANAGER: Reach.BRANCH,
    Role.QUALITY: Reach.BRANCH,
    Role.ADMIN: Reach.BRANCH,
    Role.DEPT_HANDLER: Reach.DEPARTMENT,
    Role.DEPT_HEAD: Reach.DEPARTMENT,
    Role.FIELD_STAFF: Reach.OWN_ORDERS,
}
"""A center role's BRANCH is ALL for the staff of no branch (the center's own)."""


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

    @property
    def reach(self) -> Reach:
        if self.nothing:
            return Reach.NONE
        if self.everything:
            return Reach.ALL
        reach = ROLE_REACH.get(self.role or "", Reach.NONE)
        if reach == Reach.BRANCH and self.branch_id is None:
            return Reach.NONE
        if reach == Reach.DEPARTMENT and self.department_id is None:
            return Reach.NONE
        return reach


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
