"""Excel import of the local business store, row by row, each row all or nothing.

One .xlsx with up to four sheets, found by name (Chinese or English); the first row of each
names its columns (any order; unknown columns are ignored):

  账户 / accounts:   户号*, 户名*, 地址, 电话, 余额, 欠费
  账单 / bills:      户号*, 账期* (2026-06), 用量, 金额*, 已缴 (是/否)
  运单 / shipments:  托运单号*, 状态*, 电话, 发货地, 目的地
  轨迹 / events:     托运单号*, 时间* (2026-06-01 08:30), 地点, 说明*

(* required.) Sheets are read in that order, so a bill may name an account of the same file.
A row for an existing 户号, 账期 or 托运单号 updates it; an event already there is not added
twice. A rejected row writes nothing and is listed with its sheet, row number and reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.business.adapters import TRUE_WORDS
from kefu.business.models import Account, Bill, Shipment, ShipmentEvent
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import one_sheet
from kefu.core.phones import normalize_phone
from kefu.customers.importer import ImportResult

SHEETS = {
    "accounts": {"账户", "accounts", "account"},
    "bills": {"账单", "bills", "bill"},
    "shipments": {"运单", "shipments", "shipment"},
    "events": {"轨迹", "events", "tracking"},
}
HEADERS = {
    "account_no": {"户号", "account_no", "account"},
    "owner": {"户名", "姓名", "owner", "name"},
    "address": {"地址", "address"},
    "phone": {"电话", "phone"},
    "balance": {"余额", "balance"},
    "arrears": {"欠费", "arrears"},
    "period": {"账期", "period", "month"},
    "usage": {"用量", "用水量", "usage"},
    "amount": {"金额", "amount"},
    "paid": {"已缴", "paid"},
    "waybill": {"托运单号", "运单号", "waybill"},
    "status": {"状态", "status"},
    "origin": {"发货地", "origin"},
    "destination": {"目的地", "destination"},
    "at": {"时间", "at", "time"},
    "place": {"地点", "place"},
    "description": {"说明", "description"},
}
FALSE_WORDS = {"", "0", "false", "no", "n", "否", "未缴", "未付"}
MAX_ROWS = 50_000
IMPORT_ROLES = {Role.SUPERVISOR, Role.ADMIN}


class RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def can_import(actor: Actor | None) -> bool:
    return scope_of(actor).role in IMPORT_ROLES


def import_business(data: bytes, *, actor: Actor) -> ImportResult:
    """Import the sheets of an .xlsx file's bytes. Raises ServiceError for a role that may not
    import, an unreadable file or one without any of the four sheets."""
    if not can_import(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权导入业务数据"))
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        raise ServiceError(
            Code.INVALID, _("无法读取文件,请上传 .xlsx 格式的 Excel 文件"), field="file"
        )
    found = {}
    for sheet in workbook.worksheets:
        for key, names in SHEETS.items():
            if sheet.title.strip().lower() in names:
                found[key] = sheet
    if not found:
        workbook.close()
        raise ServiceError(Code.INVALID, _("未找到“账户”“账单”“运单”或“轨迹”工作表"), field="file")
    result = ImportResult()
    handlers: dict[str, Callable[[dict[str, Any]], None]] = {
        "accounts": _account_row,
        "bills": _bill_row,
        "shipments": _shipment_row,
        "events": _event_row,
    }
    total = 0
    for key, handler in handlers.items():
        if key not in found:
            continue
        sheet = found[key]
        rows = sheet.iter_rows(values_only=True)
        columns = _columns(next(rows, ()))
        for number, row in enumerate(rows, start=2):
            values = {name: row[i] if i < len(row) else None for name, i in columns.items()}
            if all(_text(v) == "" for v in values.values()):
                continue
            total += 1
            if total > MAX_ROWS:
                workbook.close()
                raise ServiceError(Code.TOO_LARGE, _("一次最多导入 %d 行") % MAX_ROWS, field="file")
            try:
                with transaction.atomic():
                    handler(values)
            except RowError as exc:
                result.rejected += 1
                result.errors.append(
                    {
                        "sheet": sheet.title,
                        "row": number,
                        "field": exc.field,
                        "message": exc.message,
                    }
                )
            else:
                result.created += 1
    workbook.close()
    return result


def error_report(result: ImportResult) -> bytes:
    """The rejected rows as an .xlsx for the person who prepared the sheet."""
    rows = ((e["sheet"], e["row"], e["field"], e["message"]) for e in result.errors)
    return one_sheet(_("导入错误"), [_("工作表"), _("行号"), _("字段"), _("原因")], rows)


def example_workbook() -> bytes:
    """An example sheet: the layout above with one row each (offered on the import page)."""
    workbook = Workbook()
    accounts = workbook.active
    accounts.title = "账户"
    accounts.append(["户号", "户名", "地址", "电话", "余额", "欠费"])
    accounts.append(["SW100001", "王建国", "幸福路12号3单元501", "13812345678", 0, 86.4])
    bills = workbook.create_sheet("账单")
    bills.append(["户号", "账期", "用量", "金额", "已缴"])
    bills.append(["SW100001", "2026-06", 18, 86.4, "否"])
    shipments = workbook.create_sheet("运单")
    shipments.append(["托运单号", "状态", "电话", "发货地", "目的地"])
    shipments.append(["YD20260601001", "运输中", "13812345678", "深圳", "杭州"])
    events = workbook.create_sheet("轨迹")
    events.append(["托运单号", "时间", "地点", "说明"])
    events.append(["YD20260601001", "2026-06-01 08:30", "深圳", "已揽收"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- one row


def _columns(header: tuple) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = _text(title).lower()
        for key, names in HEADERS.items():
            if title in names and key not in columns:
                columns[key] = index
    return columns


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _required(values: dict, name: str, label: str, limit: int) -> str:
    text = _text(values.get(name))
    if not text:
        raise RowError(label, _("“%s”不能为空") % label)
    if len(text) > limit:
        raise RowError(
            label, _("“%(label)s”最长 %(limit)d 个字") % {"label": label, "limit": limit}
        )
    return text


def _optional(values: dict, name: str, label: str, limit: int) -> str:
    text = _text(values.get(name))
    if len(text) > limit:
        raise RowError(
            label, _("“%(label)s”最长 %(limit)d 个字") % {"label": label, "limit": limit}
        )
    return text


def _money(values: dict, name: str, label: str, *, required: bool = False) -> Decimal:
    text = _text(values.get(name)).replace(",", "").replace("元", "")
    if not text:
        if required:
            raise RowError(label, _("“%s”不能为空") % label)
        return Decimal(0)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RowError(label, _("“%s”应为数字") % label)
    # The column's range, checked again after rounding (9999999999.995 rounds past it).
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise RowError(label, _("“%s”应为不小于 0 的数字") % label)
    amount = amount.quantize(Decimal("0.01"))
    if amount >= Decimal("1e10"):
        raise RowError(label, _("“%s”应为不小于 0 的数字") % label)
    return amount


def _phone(values: dict) -> str:
    raw = _text(values.get("phone"))
    number = normalize_phone(raw)
    if raw and not number:
        raise RowError(_("电话"), _("电话号码无效"))
    return number


_PERIOD = re.compile(r"^(\d{4})\s*[-/.年]?\s*(\d{1,2})\s*月?$")


def _period(values: dict) -> str:
    value = values.get("period")
    if isinstance(value, dt.date | dt.datetime):
        return f"{value.year:04d}-{value.month:02d}"
    match = _PERIOD.match(_text(value))
    if match is None or not 1 <= int(match[2]) <= 12:
        raise RowError(_("账期"), _("账期应为年月,如 2026-06"))
    return f"{int(match[1]):04d}-{int(match[2]):02d}"


def _moment(values: dict) -> dt.datetime:
    value = values.get("at")
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = _text(value).replace("/", "-")
        for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
            try:
                moment = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        raise RowError(_("时间"), _("时间应为 2026-06-01 08:30 这样的格式"))
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _paid(values: dict) -> bool:
    text = _text(values.get("paid")).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise RowError(_("已缴"), _("“已缴”应为“是”或“否”"))


def _account_row(values: dict) -> None:
    account_no = _required(values, "account_no", _("户号"), 40)
    fields = {
        "owner": _required(values, "owner", _("户名"), 80),
        "address": _optional(values, "address", _("地址"), 200),
        "phone": _phone(values),
        "balance": _money(values, "balance", _("余额")),
        "arrears": _money(values, "arrears", _("欠费")),
    }
    Account.objects.update_or_create(account_no=account_no, defaults=fields)


def _bill_row(values: dict) -> None:
    account_no = _required(values, "account_no", _("户号"), 40)
    account = Account.objects.filter(account_no=account_no).first()
    if account is None:
        raise RowError(_("户号"), _("户号 %s 不存在,请先在“账户”表中导入") % account_no)
    Bill.objects.update_or_create(
        account=account,
        period=_period(values),
        defaults={
            "usage": _money(values, "usage", _("用量")),
            "amount": _money(values, "amount", _("金额"), required=True),
            "paid": _paid(values),
        },
    )


def _shipment_row(values: dict) -> None:
    waybill = _required(values, "waybill", _("托运单号"), 40)
    fields = {
        "status": _required(values, "status", _("状态"), 40),
        "phone": _phone(values),
        "origin": _optional(values, "origin", _("发货地"), 60),
        "destination": _optional(values, "destination", _("目的地"), 60),
    }
    Shipment.objects.update_or_create(waybill=waybill, defaults=fields)


def _event_row(values: dict) -> None:
    waybill = _required(values, "waybill", _("托运单号"), 40)
    shipment = Shipment.objects.filter(waybill=waybill).first()
    if shipment is None:
        raise RowError(_("托运单号"), _("托运单号 %s 不存在,请先在“运单”表中导入") % waybill)
    at = _moment(values)
    description = _required(values, "description", _("说明"), 200)
    place = _optional(values, "place", _("地点"), 60)
    ShipmentEvent.objects.get_or_create(
        shipment=shipment, at=at, description=description, defaults={"place": place}
    )
    # The shipment's own time moves with its latest event (the pop shows the newest first).
    Shipment.objects.filter(pk=shipment.pk).update(updated_at=timezone.now())
