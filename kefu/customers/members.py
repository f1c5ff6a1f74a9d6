"""Members (会员) of a chain store's loyalty scheme, and their purchases (消费记录).

A membership sits on the customer's archive: the member number (unique), the level, the
store it was opened at, the join and expiry dates, the birth date (personal data: masked
for viewers without core.view_pii). Purchases come from the stores' till systems — an
Excel/CSV file or the API's batch — and are imported once per (store, receipt number).

Import rule (per row): each row is checked on its own; a bad row (unknown store or member,
amount not a positive sum of yuan with at most 2 decimals, time unreadable, outside the
years taken or in the future) is reported with its row number and field and writes
nothing; the good rows are kept. A receipt already imported (or twice in one file) is
counted as ``already`` and not written again, so importing a file twice adds nothing. The
members' monthly rollup (kefu.customers.member_months) is recomputed for the months the new
receipts fall in, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.org import active_branch
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import can_view_pii
from kefu.core.schemas import within_years, years_message
from kefu.core.services import clean_text, record_audit
from kefu.customers.access import access_customer
from kefu.customers.member_access import may_enrol, require_importer, visible_stores
from kefu.customers.member_months import month_of, refresh_member_months, refresh_member_year
from kefu.customers.models import Member, MemberLevel, Purchase, Store

MAX_AMOUNT = Decimal("9999999999.99")
MAX_BATCH = 5000
FIRST_BIRTH_YEAR = 1900
# A till's clock may run a little ahead of ours; a receipt later than this is a typo.
FUTURE_SLACK = dt.timedelta(hours=1)
LEVEL_NAMES = {str(label): value for value, label in MemberLevel.choices} | {
    value: value for value in MemberLevel.values
}


# --- membership ----------------------------------------------------------------------------


@dataclass
class MemberIn:
    number: str
    store: str  # the store's code
    joined_on: dt.date | None
    level: str = MemberLevel.NORMAL
    expires_on: dt.date | None = None
    birth_date: str | dt.date | None = None  # YYYY-MM-DD


def parse_birth_date(
    value: str | dt.date | None, *, today: dt.date | None = None
) -> dt.date | None:
    """A birth date typed or sent as ``YYYY-MM-DD``: None for blank; INVALID naming
    ``birth_date`` when it is not a date, before 1900 or after today."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ServiceError(
                Code.INVALID, _("出生日期格式应为 YYYY-MM-DD"), field="birth_date"
            ) from None
    today = today or timezone.localdate()
    if day.year < FIRST_BIRTH_YEAR or day > today:
        raise ServiceError(Code.INVALID, _("出生日期应在 1900 年到今天之间"), field="birth_date")
    return day


def _store_for(
    actor: Actor, code: str, field_name: str = "store", *, current: Store | None = None
) -> Store:
    """The open store ``code`` of the actor's reach; a closed one only when it is ``current``
    (a member of a store since closed keeps it while the rest of the card changes)."""
    code = (code or "").strip()
    store = visible_stores(actor).filter(code=code, is_active=True).first()
    if store is None and current is not None and current.code == code:
        store = visible_stores(actor).filter(pk=current.pk).first()
    if store is None:
        raise ServiceError(Code.INVALID, _("门店不存在或已停业:%s") % code[:20], field=field_name)
    return store


@transaction.atomic
def save_membership(customer_id: int, data: MemberIn, *, actor: Actor) -> Member:
    """Enrol a customer as a member, or change their membership (one per customer). An
    editor who may not see personal data sees the birth date masked: sent blank, it is kept.

    Raises ServiceError: FORBIDDEN (not an archive keeper), NOT_FOUND (a customer the actor
    may not see), INVALID naming the field, CONFLICT (the number is another member's);
    nothing is written then."""
    if not may_enrol(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权修改会员资料"))
    customer = access_customer(actor, customer_id, for_update=True)
    number = clean_text(data.number, "number", limit=30, required=True)
    if data.level not in MemberLevel.values:
        raise ServiceError(Code.INVALID, _("会员等级无效"), field="level")
    member = Member.objects.select_related("store").filter(customer=customer).first()
    store = _store_for(actor, data.store, current=member.store if member else None)
    if data.joined_on is None:
        raise ServiceError(Code.INVALID, _("请填写入会日期"), field="joined_on")
    for name, day in (("joined_on", data.joined_on), ("expires_on", data.expires_on)):
        if day is not None and not within_years(day):
            raise ServiceError(Code.INVALID, years_message(), field=name)
    if data.expires_on is not None and data.expires_on < data.joined_on:
        raise ServiceError(Code.INVALID, _("到期日期不能早于入会日期"), field="expires_on")
    birth_date = parse_birth_date(data.birth_date)
    if birth_date is None and member is not None and not can_view_pii(actor):
        birth_date = member.birth_date  # shown masked to this editor: left blank, kept
    if Member.objects.filter(number=number).exclude(customer=customer).exists():
        raise ServiceError(Code.CONFLICT, _("会员号已存在:%s") % number, field="number")
    before = None
    if member is None:
        member = Member(customer=customer)
    else:
        before = {"number": member.number, "level": member.level, "store": member.store_id}
    member.number, member.level, member.store = number, data.level, store
    member.joined_on, member.expires_on, member.birth_date = (
        data.joined_on,
        data.expires_on,
        birth_date,
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ServiceError(Code.CONFLICT, _("会员号已存在:%s") % number, field="number") from None
    record_audit(
        actor=actor,
        action="member.enrol" if before is None else "member.update",
        obj=member,
        detail={"customer": customer.pk, "before": before} if before else {"customer": customer.pk},
    )
    return member


# --- stores --------------------------------------------------------------------------------

STORE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,19}")


@dataclass
class StoreIn:
    name: str
    branch: str  # the branch's code
    is_active: bool = True


@transaction.atomic
def save_store(code: str, data: StoreIn, *, actor: Actor) -> tuple[Store, bool]:
    """Open the store ``code`` (门店编码, as the till system sends it) or change it: name,
    branch, open or closed. A store is never deleted: a closed one keeps its members and
    purchases and takes no new ones. Returns the store and whether it was opened now.

    Raises ServiceError: FORBIDDEN (not the center's supervisor or administrator), INVALID
    naming the field; nothing is written then."""
    require_importer(actor)
    if not scope_of(actor).everything:  # a branch's staff use the stores, the center keeps them
        raise ServiceError(Code.FORBIDDEN, _("门店由总部维护"))
    code = (code or "").strip()
    if not STORE_CODE.fullmatch(code):
        raise ServiceError(Code.INVALID, _("门店编码为 1–20 位字母、数字、- 或 _"), field="code")
    name = clean_text(data.name, "name", limit=60, required=True, message=_("请填写门店名称"))
    branch_code = data.branch.strip() if isinstance(data.branch, str) else ""
    branch = active_branch(branch_code) if STORE_CODE.fullmatch(branch_code) else None
    if branch is None:
        raise ServiceError(Code.INVALID, _("分支机构不存在或已停用"), field="branch")
    if not isinstance(data.is_active, bool):
        raise ServiceError(Code.INVALID, _("营业状态须为是或否"), field="is_active")
    store = Store.objects.select_for_update().filter(code=code).first()
    before = None
    if store is None:
        store = Store(code=code)
    else:
        before = {"name": store.name, "branch": store.branch_id, "is_active": store.is_active}
    store.name, store.branch, store.is_active = name, branch, data.is_active
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError:  # opened by another request at the same moment
        raise ServiceError(Code.CONFLICT, _("门店编码已存在:%s") % code, field="code") from None
    record_audit(
        actor=actor,
        action="store.open" if before is None else "store.update",
        obj=store,
        detail={"code": code, "before": before} if before else {"code": code},
    )
    return store, before is None


# --- purchases -----------------------------------------------------------------------------


@dataclass
class PurchaseIn:
    """One receipt as a file row or the API gives it: raw values, checked by the import."""

    store: str
    receipt_no: str
    member_no: str
    amount: Any
    at: Any


@dataclass
class PurchaseResult:
    created: int = 0
    already: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


_AMOUNT_NOISE = re.compile(r"[,,¥¥元\s]")


def parse_amount(value: Any) -> Decimal:
    """Yuan with at most 2 decimals, more than 0: ``"1,234.50"``, ``¥88``, 12.5. INVALID
    naming ``amount`` otherwise."""
    if isinstance(value, float):
        value = repr(value)
    text = _AMOUNT_NOISE.sub("", str(value if value is not None else ""))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ServiceError(Code.INVALID, _("金额无效:%s") % text[:20], field="amount") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise ServiceError(Code.INVALID, _("金额应大于 0 元"), field="amount")
    if amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(Code.INVALID, _("金额最多两位小数"), field="amount")
    return amount.quantize(Decimal("0.01"))


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def parse_moment(value: Any, *, now: dt.datetime | None = None) -> dt.datetime:
    """A receipt's time: an aware or naive (the center's zone) datetime, a date (its
    midnight) or text such as ``2026-05-01 14:30``. INVALID naming ``at`` when unreadable,
    outside the years taken or later than now."""
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    elif value not in (None, ""):
        text = str(value).strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in _TIME_FORMATS:
                try:
                    moment = dt.datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
                    break
                except ValueError:
                    continue
    if moment is None:
        raise ServiceError(Code.INVALID, _("消费时间无效,应如 2026-05-01 14:30"), field="at")
    if not within_years(moment):
        raise ServiceError(Code.INVALID, years_message(), field="at")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > (now or timezone.now()) + FUTURE_SLACK:
        raise ServiceError(Code.INVALID, _("消费时间不能晚于现在"), field="at")
    return moment


def import_purchases(
    rows: Sequence[tuple[int, PurchaseIn]], *, actor: Actor, source: str = "api"
) -> PurchaseResult:
    """Import receipts (``(row number, row)`` pairs) row by row (the module's docstring).

    FORBIDDEN for roles that may not import; TOO_LARGE past MAX_BATCH rows. Stores are those
    of the actor's reach; the members any."""
    require_importer(actor)
    if len(rows) > MAX_BATCH:
        raise ServiceError(
            Code.TOO_LARGE, _("一次最多导入 %d 条消费记录") % MAX_BATCH, field="purchases"
        )
    codes = {str(r.store or "").strip() for _n, r in rows}
    numbers = {str(r.member_no or "").strip() for _n, r in rows}
    stores = {s.code: s for s in visible_stores(actor).filter(code__in=codes, is_active=True)}
    members = dict(Member.objects.filter(number__in=numbers).values_list("number", "pk"))
    result = PurchaseResult()
    good: dict[tuple[int, str], Purchase] = {}
    now = timezone.now()
    for line, row in rows:
        try:
            store = stores.get(str(row.store or "").strip())
            if store is None:
                raise ServiceError(
                    Code.INVALID, _("门店不存在:%s") % str(row.store or "")[:20], field="store"
                )
            receipt = str(row.receipt_no or "").strip()
            if not receipt or len(receipt) > 40 or "\x00" in receipt:
                raise ServiceError(Code.INVALID, _("小票号应为 1 到 40 个字符"), field="receipt_no")
            member_id = members.get(str(row.member_no or "").strip())
            if member_id is None:
                raise ServiceError(
                    Code.INVALID,
                    _("会员不存在:%s") % str(row.member_no or "")[:30],
                    field="member_no",
                )
            amount = parse_amount(row.amount)
            at = parse_moment(row.at, now=now)
        except ServiceError as exc:
            result.rejected += 1
            result.errors.append({"row": line, "field": exc.field or "", "message": exc.detail})
            continue
        key = (store.pk, receipt)
        if key in good:
            result.already += 1
            continue
        good[key] = Purchase(
            store=store, receipt_no=receipt, member_id=member_id, amount=amount, at=at
        )
    fresh = _not_yet_imported(good)
    result.already += len(good) - len(fresh)
    with transaction.atomic():
        # The members' locks, in id order, before their months' rollup is recomputed: an
        # import of the same members at the same time waits, then reads these purchases.
        member_ids = sorted({p.member_id for p in fresh})
        list(
            Member.objects.select_for_update()
            .filter(pk__in=member_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # ignore_conflicts: a receipt another import wrote meanwhile is skipped, not a 500.
        Purchase.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
        refresh_member_months({(p.member_id, month_of(p.at)) for p in fresh})
        refresh_member_year(member_ids)
        result.created = len(fresh)
        if fresh:
            record_audit(
                actor=actor,
                action="purchase.import",
                obj=fresh[0].store,
                detail={
                    "source": source,
                    "created": result.created,
                    "already": result.already,
                    "rejected": result.rejected,
                },
            )
    return result


def _not_yet_imported(rows: dict[tuple[int, str], Purchase]) -> list[Purchase]:
    """The rows whose (store, receipt number) is not in the database yet: one query per store
    and thousand receipts."""
    by_store: dict[int, list[str]] = {}
    for store_id, receipt in rows:
        by_store.setdefault(store_id, []).append(receipt)
    seen: set[tuple[int, str]] = set()
    for store_id, receipts in by_store.items():
        for start in range(0, len(receipts), 1000):
            chunk = receipts[start : start + 1000]
            seen.update(
                (store_id, r)
                for r in Purchase.objects.filter(
                    store_id=store_id, receipt_no__in=chunk
                ).values_list("receipt_no", flat=True)
            )
    return [p for key, p in rows.items() if key not in seen]


def purchase_rows(items: Iterable[Any]) -> list[tuple[int, PurchaseIn]]:
    """The API's batch items as numbered rows (1 for the first item)."""
    return [
        (n, PurchaseIn(i.store, i.receipt_no, i.member_no, i.amount, i.at))
        for n, i in enumerate(items, start=1)
    ]
