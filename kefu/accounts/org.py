"""The organization as every request reads it: branches and service areas, kept per process
(kefu.core.refcache; the accounts app watches them, so a change is seen within a second).

The objects returned are shared by the process: read them, never change or save them.
"""

from __future__ import annotations

from kefu.accounts.models import Branch, Department, ServiceArea
from kefu.core import refcache


def default_branch() -> Branch | None:
    """The branch a request goes to when nothing names one: the default, else the first."""

    def load() -> Branch | None:
        branch = Branch.objects.filter(is_default=True, is_active=True).first()
        return branch or Branch.objects.filter(is_active=True).order_by("id").first()

    return refcache.get("default_branch", load)


def active_branch(code: str) -> Branch | None:
    """The active branch with ``code``."""
    return refcache.get(
        ("branch", code), lambda: Branch.objects.filter(code=code, is_active=True).first()
    )


def area_by_code(code: str) -> ServiceArea | None:
    """The area with ``code``, active or not, with its branch."""
    return refcache.get(
        ("area", code),
        lambda: ServiceArea.objects.select_related("branch").filter(code=code).first(),
    )


def branch(pk: int) -> Branch:
    """The branch with id ``pk`` (a row's foreign key: it exists)."""
    return refcache.get(("branch_id", pk), lambda: Branch.objects.get(pk=pk))


def area(pk: int) -> ServiceArea:
    """The area with id ``pk`` (a row's foreign key: it exists), with its branch."""
    return refcache.get(
        ("area_id", pk), lambda: ServiceArea.objects.select_related("branch").get(pk=pk)
    )


def department_choices() -> list[tuple[str, str]]:
    """The active departments as a form offers them: (code, "name(branch)")."""

    def load() -> list[tuple[str, str]]:
        rows = Department.objects.filter(is_active=True).select_related("branch").order_by("id")
        return [(d.code, str(d)) for d in rows]

    return refcache.get("department_choices", load)


def area_choices() -> list[tuple[str, str]]:
    """The active service areas as a form offers them: (code, "branch · area")."""

    def load() -> list[tuple[str, str]]:
        rows = ServiceArea.objects.filter(is_active=True).select_related("branch")
        return [(a.code, f"{a.branch.name} · {a.name}") for a in rows.order_by("branch_id", "code")]

    return refcache.get("area_choices", load)
