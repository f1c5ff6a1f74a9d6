"""Excel import of the customer archive, row by row, each row all or nothing.

The first sheet's header row names the columns, in Chinese or English (姓名/name,
电话/phones, 地址/address, 邮箱/email, 片区/area, 户号/account_no, 证件号/id_number, 标签/tags,
备注/notes, 类别/kind, 分支机构/branch). Several phones or tags in one cell are separated by
, ; or / (tags also by spaces). A rejected row writes nothing and is listed with its row number and reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import cell_text, one_sheet
from kefu.customers.members import MAX_BATCH, PurchaseIn, PurchaseResult
from kefu.customers.services import CustomerIn, PhoneIn, create_customer, split_phones, split_tags

HEADERS = {
    "name": {"姓名", "名称", "客户名称", "name"},
    "phones": {"电话", "手机", "联系电话", "phones", "phone"},
    "address": {"地址", "address"},
    "email": {"邮箱", "电子邮箱", "email", "e-mail"},
    "area": {"片区", "小区", "area"},
    "account_no": {"户号", "账号", "account_no", "account"},
    "id_number": {"证件号", "身份证号", "id_number"},
    "tags": {"标签", "tags"},
    "notes": {"备注", "notes"},
    "kind": {"类别", "kind"},
    "gender": {"性别", "gender"},
    "branch": {"分支机构", "branch"},
}
KINDS = {
    "个人": "person",
    "单位": "organization",
    "person": "person",
    "organization": "organization",
}
GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "": ""}
MAX_ROWS = 50_000


@dataclass
class ImportResult:
    created: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_customers(data: bytes, *, actor: Actor) -> ImportResult:
    """Import customers from an .xlsx file's bytes. Raises ServiceError for an unreadable file."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权导入客户"))
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, Exception):  # noqa: BLE001
        raise ServiceError(
            Code.INVALID, _("无法读取文件,请上传 .xlsx 格式的 Excel 文件"), field="file"
        )
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise ServiceError(Code.INVALID, _("文件是空的"), field="file")
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = cell_text(title).lower()
        for key, names in HEADERS.items():
            if title in names:
                columns[key] = index
    if "name" not in columns:
        raise ServiceError(Code.INVALID, _("缺少“姓名”列"), field="file")
    result = ImportResult()
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise ServiceError(Code.TOO_LARGE, _("一次最多导入 %d 行") % MAX_ROWS, field="file")
        values = {key: cell_text(row[i]) if i < len(row) else "" for key, i in columns.items()}
        if not any(values.values()):
            continue
        kind = KINDS.get(values.get("kind", ""), values.get("kind", "") or "person")
        item = CustomerIn(
            name=values.get("name", ""),
            kind=kind,
            gender=GENDERS.get(values.get("gender", "").strip(), values.get("gender", "").strip()),
            phones=[PhoneIn(n) for n in split_phones(values.get("phones", ""))],
            address=values.get("address", ""),
            email=values.get("email", ""),
            area=values.get("area", ""),
            branch=values.get("branch", ""),
            account_no=values.get("account_no", ""),
            id_number=values.get("id_number", ""),
            tags=split_tags(values.get("tags", "")),
            notes=values.get("notes", ""),
        )
        try:
            with transaction.atomic():
                create_customer(item, actor=actor)
        except ServiceError as exc:
            result.rejected += 1
            result.errors.append({"row": number, "field": exc.field or "", "message": exc.detail})
        else:
            result.created += 1
    workbook.close()
    return result


def error_report(result: ImportResult) -> bytes:
    """The rejected rows as an .xlsx for the person who prepared the sheet."""
    rows = ((e["row"], e["field"], e["message"]) for e in result.errors)
    return one_sheet(_("导入错误"), [_("行号"), _("字段"), _("原因")], rows)


# --- purchases (消费记录) from a store's till system ----------------------------------------

PURCHASE_HEADERS = {
    "store": {"门店", "门店编码", "门店代码", "store"},
    "receipt_no": {"小票号", "单号", "流水号", "receipt_no", "receipt"},
    "member_no": {"会员号", "会员卡号", "卡号", "member_no", "member"},
    "amount": {"金额", "消费金额", "实付金额", "amount"},
    "at": {"时间", "消费时间", "日期", "at", "time"},
}
PURCHASE_COLUMNS = {
    "store": gettext_lazy("门店编码"),
    "receipt_no": gettext_lazy("小票号"),
    "member_no": gettext_lazy("会员号"),
    "amount": gettext_lazy("金额"),
    "at": gettext_lazy("消费时间"),
}


def _table_rows(data: bytes) -> Iterator[Sequence[Any]]:
    """The rows of an .xlsx file's first sheet, or of a CSV file (UTF-8, or GB18030 as Excel
    saves it on a Chinese Windows)."""
    if data[:2] == b"PK":  # a zip: an .xlsx workbook
        try:
            workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - any unreadable upload is the same answer
            raise ServiceError(
                Code.INVALID, _("无法读取文件,请上传 .xlsx 或 .csv 文件"), field="file"
            ) from None
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        finally:
            workbook.close()
        return
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        yield from csv.reader(io.StringIO(text))
        return
    raise ServiceError(Code.INVALID, _("无法读取文件,请上传 .xlsx 或 .csv 文件"), field="file")


def read_purchases(data: bytes) -> list[tuple[int, PurchaseIn]]:
    """A till system's export as numbered rows for kefu.customers.members.import_purchases
    (the first row names the columns, in Chinese or English). INVALID naming ``file`` for an
    unreadable file or a missing column; TOO_LARGE past members.MAX_BATCH rows."""
    if not data:
        raise ServiceError(Code.INVALID, _("文件是空的"), field="file")
    rows = _table_rows(data)
    header = next(rows, None)
    if header is None:
        raise ServiceError(Code.INVALID, _("文件是空的"), field="file")
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        title = cell_text(title).lower()
        for key, names in PURCHASE_HEADERS.items():
            if title in names and key not in columns:
                columns[key] = index
    missing = [str(PURCHASE_COLUMNS[k]) for k in PURCHASE_HEADERS if k not in columns]
    if missing:
        raise ServiceError(Code.INVALID, _("缺少列:%s") % "、".join(missing), field="file")
    found: list[tuple[int, PurchaseIn]] = []
    for number, row in enumerate(rows, start=2):
        values = {key: row[i] if i < len(row) else None for key, i in columns.items()}
        if not any(cell_text(v) for v in values.values()):
            continue
        if len(found) >= MAX_BATCH:
            raise ServiceError(
                Code.TOO_LARGE, _("一次最多导入 %d 条消费记录") % MAX_BATCH, field="file"
            )
        found.append(
            (
                number,
                PurchaseIn(
                    store=cell_text(values["store"]),
                    receipt_no=cell_text(values["receipt_no"]),
                    member_no=cell_text(values["member_no"]),
                    amount=values["amount"],
                    at=values["at"],
                ),
            )
        )
    return found


def purchase_error_report(result: PurchaseResult) -> bytes:
    """The refused rows of a purchase import as an .xlsx."""
    rows = ((e["row"], e["field"], e["message"]) for e in result.errors)
    return one_sheet(_("导入错误"), [_("行号"), _("字段"), _("原因")], rows)
