"""Checking what a work order says, as the desk, the API or a ticket gives it: texts, phone
numbers, times, the department, the people and the crew it goes to. Each check raises
ServiceError naming the field; nothing here writes."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, Role, StaffProfile
from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError, refuse_nul
from kefu.core.phones import normalize_phone
from kefu.core.services import clean_text
from kefu.customers.access import visible_customers
from kefu.customers.services import resolve_branch_area
from kefu.dispatch.models import FREIGHT_FIELDS, FREIGHT_KINDS, Crew, Kind, Source

TEXT_MAX = 2000


def text(value, field: str, limit: int, *, required: bool = False) -> str:
    return clean_text(value, field, limit=limit, required=required)


def phone_number(raw: str, field: str, *, required: bool) -> str:
    raw = (raw or "").strip()
    refuse_nul(raw, field)
    if not raw:
        if required:
            raise ServiceError(Code.INVALID, _("请填写电话"), field=field)
        return ""
    number = normalize_phone(raw)
    if not number:
        raise ServiceError(Code.INVALID, _("电话号码无效:%s") % raw[:24], field=field)
    return number


def aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise ServiceError(Code.INVALID, _("时间无效"), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def find_department(code: str) -> Department:
    code = (code or "").strip()
    refuse_nul(code, "department")
    if not code:
        raise ServiceError(Code.INVALID, _("请选择派工部门"), field="department")
    department = Department.objects.select_related("branch").filter(code=code).first()
    if department is None or not department.is_active:
        raise ServiceError(Code.INVALID, _("部门不存在:%s") % code[:30], field="department")
    return department


def clean_order(data, actor) -> dict:
    """The fields of ``data`` (a schemas.OrderIn) checked and resolved for a WorkOrder;
    ServiceError INVALID naming the field, FORBIDDEN for another department's head."""
    if data.kind not in Kind.values:
        raise ServiceError(Code.INVALID, _("派工类型无效"), field="kind")
    if data.kind not in FREIGHT_KINDS:
        for name in FREIGHT_FIELDS:
            if str(getattr(data, name) or "").strip():
                raise ServiceError(
                    Code.INVALID,
                    _("「%(kind)s」派工单没有此项,只有上门取件、送货才填")
                    % {"kind": Kind(data.kind).label},
                    field=name,
                )
    if data.source not in Source.values:
        raise ServiceError(Code.INVALID, _("来源无效"), field="source")
    department = find_department(data.department)
    scope = scope_of(actor)
    if scope.role == Role.DEPT_HEAD and department.id != scope.department_id:
        raise ServiceError(Code.FORBIDDEN, _("只能为本部门派工"), field="department")
    customer = None
    if data.customer_id is not None:
        customer = visible_customers(actor).filter(pk=data.customer_id).first()
        if customer is None:
            raise ServiceError(Code.INVALID, _("客户不存在"), field="customer_id")
    branch, area = resolve_branch_area("", (data.area or "").strip())
    if area is None and customer is not None and customer.area_id:
        area = customer.area
    branch = area.branch if area is not None else department.branch
    window_start = aware(data.window_start, "window_start")
    window_end = aware(data.window_end, "window_end")
    if (window_start is None) != (window_end is None):
        raise ServiceError(Code.INVALID, _("请同时填写预约开始和结束时间"), field="window_end")
    if window_start is not None and window_end is not None and window_end <= window_start:
        raise ServiceError(Code.INVALID, _("预约结束时间应晚于开始时间"), field="window_end")
    now = timezone.now()
    ordered_at = aware(data.ordered_at, "ordered_at") or now
    if ordered_at > now + dt.timedelta(minutes=2):
        raise ServiceError(Code.INVALID, _("下单时间不能晚于现在"), field="ordered_at")
    customer_name = text(data.customer_name, "customer_name", 40)
    if not customer_name and customer is not None:
        customer_name = customer.name[:40]
    return {
        "kind": data.kind,
        "source": data.source,
        "department": department,
        "branch": branch,
        "area": area,
        "customer": customer,
        "customer_name": customer_name,
        "customer_phone": phone_number(data.customer_phone, "customer_phone", required=True),
        "address": text(data.address, "address", 200, required=True),
        "goods": text(data.goods, "goods", 200, required=True),
        "quantity": text(data.quantity, "quantity", 20),
        "weight": text(data.weight, "weight", 20),
        "volume": text(data.volume, "volume", 20),
        "destination": text(data.destination, "destination", 60),
        "consignee": text(data.consignee, "consignee", 40),
        "consignee_phone": phone_number(data.consignee_phone, "consignee_phone", required=False),
        "payment": text(data.payment, "payment", 20),
        "charges": text(data.charges, "charges", 40),
        "hint": text(data.hint, "hint", 100),
        "window_start": window_start,
        "window_end": window_end,
        "ordered_at": ordered_at,
    }


def find_field_person(name: str, department: Department):
    """The active staff member ``name`` (username or 工号) of ``department``."""
    name = (name or "").strip()
    refuse_nul(name, "assignee")
    staff = (
        StaffProfile.objects.select_related("user")
        .filter(Q(user__username=name) | Q(employee_no=name), user__is_active=True)
        .first()
    )
    if staff is None:
        raise ServiceError(Code.INVALID, _("外勤人员不存在:%s") % name[:30], field="assignee")
    if staff.department_id != department.id:
        raise ServiceError(Code.INVALID, _("外勤人员不属于派工部门"), field="assignee")
    return staff.user


def find_center_person(name: str, field: str):
    name = (name or "").strip()
    refuse_nul(name, field)
    user = (
        get_user_model()
        .objects.filter(Q(username=name) | Q(staff__employee_no=name), is_active=True)
        .first()
    )
    if user is None:
        raise ServiceError(Code.INVALID, _("调度员不存在:%s") % name[:30], field=field)
    return user


def find_crew(crew_id, department: Department) -> Crew:
    try:
        crew = Crew.objects.select_related("leader").filter(pk=int(crew_id)).first()
    except (TypeError, ValueError):
        crew = None
    if crew is None or not crew.is_active:
        raise ServiceError(Code.INVALID, _("班组不存在"), field="crew")
    if crew.department_id != department.id:
        raise ServiceError(Code.INVALID, _("班组不属于派工部门"), field="crew")
    return crew
