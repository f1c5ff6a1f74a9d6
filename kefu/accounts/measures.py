"""The organisation's dimensions of every report: branch, department, service area and the
member of staff (kefu.core.measures)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Branch, Department, ServiceArea, StaffProfile
from kefu.core.measures import Dimension, declare


def _names(model: Any, values: Iterable[Any]) -> Mapping[Any, str]:
    keys = {value for value in values if value is not None}
    return dict(model.objects.filter(pk__in=keys).values_list("pk", "name"))


def _all(model: Any) -> Any:
    def choices() -> list[tuple[Any, str]]:
        return list(model.objects.order_by("name").values_list("pk", "name"))

    return choices


def branch_names(values: Iterable[Any]) -> Mapping[Any, str]:
    return _names(Branch, values)


def department_names(values: Iterable[Any]) -> Mapping[Any, str]:
    return _names(Department, values)


def area_names(values: Iterable[Any]) -> Mapping[Any, str]:
    return _names(ServiceArea, values)


def staff_names(values: Iterable[Any]) -> Mapping[Any, str]:
    """A user's 姓名[工号], or the login of a user without a staff profile."""
    keys = {value for value in values if value is not None}
    rows = StaffProfile.objects.filter(user_id__in=keys).values_list(
        "user_id", "display_name", "employee_no"
    )
    return {pk: f"{name}[{number}]" for pk, name, number in rows}


declare(
    dimensions=[
        Dimension("branch", _("分支机构"), branch_names, choices=_all(Branch)),
        Dimension("department", _("部门"), department_names, choices=_all(Department)),
        Dimension("area", _("片区"), area_names, choices=_all(ServiceArea)),
        Dimension("agent", _("受理坐席"), staff_names),
        Dimension("assignee", _("处理人"), staff_names),
    ]
)
