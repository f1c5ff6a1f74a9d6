"""Where an outbound list's numbers come from (名单来源).

Each source turns its parameters into rows — one person to call, their number as typed or
stored, the customer and the request behind them — within what the list's maker may see and,
for a branch's list, within that branch. Checking the numbers (blank, unusable, twice on the
list, blocked by the blacklist) is the list builder's work (kefu.outbound.services), the same
for every source.

- 待回访任务 (``callbacks``): open phone callback tasks (kefu.followups), optionally of one
  purpose and due by a day, not already on another open list. Calling them through the list
  records each attempt on the task too.
- 流失会员 (``churned``): churned members — no purchase in the last ``quiet_days`` days
  (default 90; kefu.customers.analyses.churned_members) — of one store or every store of the
  list's reach, optionally only those carrying a tag.
- 满意度抽样 (``survey``): a random share of the requests resolved between two days, one per
  customer number, leaving out anonymous callers, those who declined callbacks and requests
  already rated.
- 公告影响客户 (``notice``): a notice's affected customers (kefu.notices), or only those its
  发布通知 SMS did not reach (no mobile number, opted out): they are told by phone.
- Excel 导入 (``excel``): a sheet with a 电话 column and optional 姓名, 备注 columns.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from kefu.core.calendar import start_of_day
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import cell_text
from kefu.core.schemas import within_years, years_message
from kefu.customers.access import visible_customers
from kefu.customers.analyses import CHURN_DAYS, churned_members
from kefu.customers.member_access import visible_stores
from kefu.customers.models import Customer, CustomerPhone, Member
from kefu.followups.access import visible_tasks
from kefu.followups.models import CallbackTask, Method, Survey
from kefu.followups.models import Purpose as CallbackPurpose
from kefu.notices import campaign as notice_campaign
from kefu.notices.access import access_notice
from kefu.outbound.models import OutboundEntry, OutboundList
from kefu.tickets.access import visible_tickets
from kefu.tickets.models import Status, Ticket

MAX_ENTRIES = 50_000
OPEN_LISTS = (OutboundList.Status.DRAFT, OutboundList.Status.ACTIVE, OutboundList.Status.PAUSED)
RESOLVED = (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED)
EXCEL_HEADERS = {
    "name": {"姓名", "名称", "客户", "客户名称", "name"},
    "number": {"电话", "号码", "手机", "联系电话", "phone", "number"},
    "note": {"备注", "说明", "note", "notes"},
}


@dataclass
class Row:
    """One person to call, before the number is checked."""

    number: str
    name: str = ""
    customer_id: int | None = None
    note: str = ""
    ticket_id: int | None = None
    callback_task_id: int | None = None
    max_attempts: int | None = None  # None: the list's
    line: int | None = None  # an Excel row's number, to name it when its number is unusable


@dataclass
class Gathered:
    rows: list[Row] = field(default_factory=list)


def _customers(actor, branch_id: int | None) -> QuerySet[Customer]:
    rows = visible_customers(actor).filter(is_active=True)
    return rows.filter(branch_id=branch_id) if branch_id else rows


def first_numbers(customer_ids: list[int]) -> dict[int, str]:
    """Each customer's number to call: the primary one, else the first recorded."""
    numbers: dict[int, str] = {}
    for start in range(0, len(customer_ids), 1000):
        rows = (
            CustomerPhone.objects.filter(customer_id__in=customer_ids[start : start + 1000])
            .order_by("customer_id", "-is_primary", "id")
            .values_list("customer_id", "number")
        )
        for customer_id, number in rows:
            numbers.setdefault(customer_id, number)
    return numbers


def _day(value, field_name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            raise ServiceError(
                Code.INVALID, _("日期格式应为 YYYY-MM-DD"), field=field_name
            ) from None
    if not within_years(day):
        raise ServiceError(Code.INVALID, years_message(), field=field_name)
    return day


def whole_number(value, field_name: str, low: int, high: int, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ServiceError(Code.INVALID, _("请填写整数"), field=field_name) from None
    if not low <= number <= high:
        raise ServiceError(
            Code.INVALID,
            _("应在 %(low)d 到 %(high)d 之间") % {"low": low, "high": high},
            field=field_name,
        )
    return number


def _too_many() -> ServiceError:
    return ServiceError(
        Code.TOO_LARGE, _("一个外呼任务最多 %d 个号码,请缩小范围") % MAX_ENTRIES, field="source"
    )


# --- 待回访任务 ----------------------------------------------------------------------------


def from_callbacks(actor, params: dict, branch_id: int | None) -> tuple[Gathered, dict]:
    purpose = str(params.get("purpose") or "")
    if purpose and purpose not in CallbackPurpose.values:
        raise ServiceError(Code.INVALID, _("回访类别无效"), field="purpose")
    due_by = _day(params.get("due_by"), "due_by")
    on_open_list = OutboundEntry.objects.filter(
        callback_task=OuterRef("pk"),
        state__in=(OutboundEntry.State.PENDING, OutboundEntry.State.RETRY),
        outbound__status__in=OPEN_LISTS,
    )
    tasks = (
        visible_tasks(actor)
        .filter(state=CallbackTask.State.OPEN, method=Method.PHONE)
        .exclude(Exists(on_open_list))
        .select_related("ticket__customer")
        .order_by("due_at", "id")
    )
    if purpose:
        tasks = tasks.filter(purpose=purpose)
    if due_by:
        tasks = tasks.filter(due_at__lt=start_of_day(due_by + dt.timedelta(days=1)))
    if branch_id:
        tasks = tasks.filter(ticket__branch_id=branch_id)
    found = list(tasks[: MAX_ENTRIES + 1])
    if len(found) > MAX_ENTRIES:
        raise _too_many()
    numbers = first_numbers([t.ticket.customer_id for t in found if t.ticket.customer_id])
    gathered = Gathered()
    for task in found:
        ticket = task.ticket
        customer = ticket.customer
        gathered.rows.append(
            Row(
                number=ticket.caller_number or numbers.get(ticket.customer_id or 0, ""),
                name=customer.name if customer else ticket.contact_name,
                customer_id=ticket.customer_id,
                note=_("%(purpose)s · 工单 %(serial)s")
                % {
                    "purpose": task.get_purpose_display(),
                    "serial": ticket.serial,
                },
                ticket_id=ticket.pk,
                callback_task_id=task.pk,
                max_attempts=max(1, task.max_attempts - task.attempts),
            )
        )
    return gathered, {"purpose": purpose, "due_by": due_by.isoformat() if due_by else ""}


# --- 流失会员 --------------------------------------------------------------------------------


def from_churned(actor, params: dict, branch_id: int | None) -> tuple[Gathered, dict]:
    """Churned members (kefu.customers.analyses.churned_members): no purchase in the last
    ``quiet_days`` days (default 90), of one store (its code) or of every store the maker
    may see (a branch's list: the branch's stores); optionally only customers with a tag."""
    quiet_days = whole_number(params.get("quiet_days"), "quiet_days", 1, 3650, CHURN_DAYS)
    store = str(params.get("store") or "").strip()[:20]
    tag = str(params.get("tag") or "").strip()[:40]
    stores = visible_stores(actor)
    if branch_id:
        stores = stores.filter(branch_id=branch_id)
    if store:
        stores = stores.filter(code=store)
        if not stores.exists():
            raise ServiceError(Code.INVALID, _("门店不存在:%s") % store, field="store")
    churned = churned_members(
        Member.objects.filter(store__in=stores), days=quiet_days, today=timezone.localdate()
    )
    customers = visible_customers(actor).filter(
        is_active=True, pk__in=churned.values("customer_id")
    )
    if tag:
        customers = customers.filter(tags__name=tag)
    found = list(
        customers.distinct()
        .order_by("id")
        .values_list("pk", "name", "membership__store__name")
        .annotate(last=Max("membership__purchases__at"))[: MAX_ENTRIES + 1]
    )
    if len(found) > MAX_ENTRIES:
        raise _too_many()
    numbers = first_numbers([row[0] for row in found])
    gathered = Gathered()
    for pk, name, store_name, last in found:
        note = (
            _("%(store)s · 最后消费 %(day)s")
            % {"store": store_name, "day": f"{timezone.localtime(last):%Y-%m-%d}"}
            if last
            else _("%(store)s · 无消费记录") % {"store": store_name}
        )
        gathered.rows.append(Row(number=numbers.get(pk, ""), name=name, customer_id=pk, note=note))
    return gathered, {"quiet_days": quiet_days, "store": store, "tag": tag}


# --- 满意度抽样 ------------------------------------------------------------------------------


def from_survey(actor, params: dict, branch_id: int | None) -> tuple[Gathered, dict]:
    today = timezone.localdate()
    date_from = _day(params.get("date_from"), "date_from") or today - dt.timedelta(days=7)
    date_to = _day(params.get("date_to"), "date_to") or today
    if date_from > date_to:
        raise ServiceError(Code.INVALID, _("开始日期不能晚于结束日期"), field="date_from")
    if (date_to - date_from).days > 366:
        raise ServiceError(Code.INVALID, _("抽样时间范围最长一年"), field="date_to")
    percent = whole_number(params.get("percent"), "percent", 1, 100, 10)
    type_code = str(params.get("ticket_type") or "").strip()[:30]
    answered = Survey.objects.filter(ticket=OuterRef("pk"), state=Survey.State.ANSWERED)
    on_open_list = OutboundEntry.objects.filter(
        ticket=OuterRef("pk"),
        state__in=(OutboundEntry.State.PENDING, OutboundEntry.State.RETRY),
        outbound__status__in=OPEN_LISTS,
    )
    tickets = (
        visible_tickets(actor)
        .filter(
            status__in=RESOLVED,
            resolved_at__gte=start_of_day(date_from),
            resolved_at__lt=start_of_day(date_to + dt.timedelta(days=1)),
            anonymous=False,
            callback_declined=False,
        )
        .exclude(Exists(answered))
        .exclude(Exists(on_open_list))
        .select_related("customer", "type")
        .order_by("id")
    )
    if type_code:
        tickets = tickets.filter(type__code=type_code)
    if branch_id:
        tickets = tickets.filter(branch_id=branch_id)
    found = list(tickets[: MAX_ENTRIES * 5])
    numbers = first_numbers([t.customer_id for t in found if t.customer_id])
    # One request per number: the latest resolved one speaks for the customer.
    by_number: dict[str, Ticket] = {}
    for ticket in found:
        number = ticket.caller_number or numbers.get(ticket.customer_id or 0, "")
        if number:
            by_number[number] = ticket
    pool = sorted(by_number.items(), key=lambda item: item[1].pk)
    size = min(max(1, round(len(pool) * percent / 100)) if pool else 0, MAX_ENTRIES)
    chosen = sorted(random.SystemRandom().sample(pool, size), key=lambda item: item[1].pk)
    gathered = Gathered()
    for number, ticket in chosen:
        gathered.rows.append(
            Row(
                number=number,
                name=ticket.customer.name if ticket.customer else ticket.contact_name,
                customer_id=ticket.customer_id,
                note=_("%(type)s · 工单 %(serial)s")
                % {
                    "type": ticket.type.label,
                    "serial": ticket.serial,
                },
                ticket_id=ticket.pk,
            )
        )
    return gathered, {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "percent": percent,
        "ticket_type": type_code,
        "pool": len(pool),
    }


# --- 公告影响客户 ----------------------------------------------------------------------------


def from_notice(actor, params: dict, branch_id: int | None) -> tuple[Gathered, dict]:
    notice_id = whole_number(params.get("notice"), "notice", 1, 2**62, 0)
    notice = access_notice(actor, notice_id)
    unreached = str(params.get("unreached") or "").lower() in ("1", "true", "on", "yes")
    affected = notice_campaign.affected_customers(notice)
    if unreached:
        affected = affected.exclude(pk__in=notice_campaign.texted_customers(notice).values("pk"))
    allowed = _customers(actor, branch_id)
    found = list(
        affected.filter(pk__in=allowed.values("pk"))
        .order_by("id")
        .values_list("pk", "name")[: MAX_ENTRIES + 1]
    )
    if len(found) > MAX_ENTRIES:
        raise _too_many()
    numbers = first_numbers([pk for pk, _name in found])
    gathered = Gathered()
    for pk, name in found:
        gathered.rows.append(
            Row(number=numbers.get(pk, ""), name=name, customer_id=pk, note=notice.title[:200])
        )
    return gathered, {"notice": notice.pk, "title": notice.title, "unreached": unreached}


# --- Excel ---------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return cell_text(value).replace("\x00", "")


def _sheet_rows(data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same answer
        raise ServiceError(
            Code.INVALID, _("无法读取文件,请上传 .xlsx 格式的 Excel 文件"), field="file"
        ) from None
    try:
        if not book.worksheets:
            raise ServiceError(Code.INVALID, _("文件是空的"), field="file")
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        columns: dict[str, int] = {}
        for index, title in enumerate(header or ()):
            title = _cell(title).lower()
            for key, names in EXCEL_HEADERS.items():
                if title in names and key not in columns:
                    columns[key] = index
        if "number" not in columns:
            raise ServiceError(Code.INVALID, _("缺少“电话”列"), field="file")
        for line, row in enumerate(rows, start=2):
            values = {key: _cell(row[i]) if i < len(row) else "" for key, i in columns.items()}
            if any(values.values()):
                yield line, values
    except ServiceError:
        raise
    except Exception:  # noqa: BLE001 - a sheet damaged past its first bytes: the same answer
        raise ServiceError(
            Code.INVALID, _("无法读取文件,请上传 .xlsx 格式的 Excel 文件"), field="file"
        ) from None
    finally:
        book.close()


def from_excel(actor, data: bytes | None, branch_id: int | None) -> tuple[Gathered, dict]:
    if not data:
        raise ServiceError(Code.INVALID, _("请上传名单文件"), field="file")
    gathered = Gathered()
    for line, values in _sheet_rows(data):
        if len(gathered.rows) >= MAX_ENTRIES:
            raise _too_many()
        gathered.rows.append(
            Row(
                number=values.get("number", ""),
                name=values.get("name", "")[:80],
                note=values.get("note", "")[:200],
                line=line,
            )
        )
    return gathered, {"rows": len(gathered.rows)}


def owners_of(actor, numbers: list[str], branch_id: int | None) -> dict[str, tuple[int, str]]:
    """The customer each normalized number belongs to, among those the maker may see: the
    most recently updated when several share one."""
    owners: dict[str, tuple[int, str]] = {}
    customers = _customers(actor, branch_id)
    for start in range(0, len(numbers), 1000):
        rows = (
            CustomerPhone.objects.filter(
                number__in=numbers[start : start + 1000], customer__in=customers
            )
            .order_by("number", "-customer__updated_at", "-customer_id")
            .values_list("number", "customer_id", "customer__name")
        )
        for number, customer_id, name in rows:
            owners.setdefault(number, (customer_id, name))
    return owners
