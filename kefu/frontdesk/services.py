"""Lost and found (失物招领): every change of a found item, a loss report, a claim and a
hand-over. Each operation checks who may (kefu.frontdesk.access), locks the rows it changes,
validates, writes, puts a row on the item's timeline (``ItemEvent``) and in the audit log,
in one transaction: refused input writes nothing.

- ``register_found_item``: 游客拾物 (a visitor hands it in), 员工拾物 (a staff member: the
  《员工拾到物品回执》 number is issued), 现场拾物 (on the spot, with a witness and the shift
  leader, when the desk could not come);
- ``create_loss_report``: 失物登记 by phone, at the desk or on the portal;
- ``link_report``: the desk called the owner — the report is linked, the item is 已匹配;
- ``claim_item``: the claimant described the item before seeing it; the desk says whether
  the description matched. A mismatch is refused with its reason and the attempt kept, as is
  a claim of an item already claimed;
- ``hand_to_custody`` / ``sweep_day_end_custody``: valuables to the custodian;
- ``sweep_to_finance``: unclaimed items after KEFU_LOST_FOUND_DAYS to finance, as one batch.
The two sweeps claim each row with a conditional UPDATE: run twice, they move nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch
from kefu.accounts.scope import scope_of
from kefu.accounts.services import staff_of
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import is_plausible_phone, normalize_phone
from kefu.core.services import clean_text, next_serial, record_audit, record_unmasked_read
from kefu.dispatch.photos import signature_file, signature_png
from kefu.frontdesk import access
from kefu.frontdesk import photos as photos_module
from kefu.frontdesk.matching import words_of
from kefu.frontdesk.models import (
    VALUABLE_CATEGORIES,
    Category,
    ClaimAttempt,
    FinanceBatch,
    FoundItem,
    FoundPhoto,
    IdType,
    ItemEvent,
    LossReport,
    ValueClass,
)
from kefu.notify.services import send_sms

Status = FoundItem.Status
Source = FoundItem.Source
Kind = ItemEvent.Kind

ITEM_PREFIX = "SW"  # 拾物
REPORT_PREFIX = "SS"  # 失物
RECEIPT_PREFIX = "HZ"  # 回执
BATCH_PREFIX = "YJ"  # 移交
TEXT_MAX = 1000
# A find or a loss in the future is a typing mistake; one more than a year ago too.
FUTURE_SLACK = dt.timedelta(minutes=10)
OLDEST = dt.timedelta(days=366)
SWEEP_BATCH = 500


def _moment(value: dt.datetime | None, field: str, *, now: dt.datetime) -> dt.datetime:
    if value is None:
        raise ServiceError(Code.INVALID, _("请填写时间"), field=field)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + FUTURE_SLACK:
        raise ServiceError(Code.INVALID, _("时间不能晚于现在"), field=field)
    if value < now - OLDEST:
        raise ServiceError(Code.INVALID, _("时间不能早于一年前"), field=field)
    return value


def _phone(value: str, field: str, *, required: bool) -> str:
    value = clean_text(value, field, limit=30, required=required, message=_("请填写电话"))
    if not value:
        return ""
    normalized = normalize_phone(value)
    if not is_plausible_phone(normalized):
        raise ServiceError(Code.INVALID, _("电话号码无效"), field=field)
    return normalized


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ServiceError(Code.INVALID, _("请选择有效的选项"), field=field)
    return value


def _branch_for(actor: Actor | None, branch_id: int | None) -> Branch | None:
    """The actor's own branch for a branch's staff; the one chosen (or none) for the center's."""
    scope = scope_of(actor)
    if not scope.everything:
        return Branch.objects.filter(pk=scope.branch_id).first() if scope.branch_id else None
    if branch_id is None:
        return None
    branch = Branch.objects.filter(pk=branch_id, is_active=True).first()
    if branch is None:
        raise ServiceError(Code.INVALID, _("分支机构不存在"), field="branch")
    return branch


def _name(user: Any) -> str:
    staff = staff_of(user) if user is not None else None
    return staff.display_name if staff else (getattr(user, "username", "") or "")


def _event(
    item: FoundItem,
    *,
    actor: Actor | None,
    kind: str,
    old: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> ItemEvent:
    user = actor if actor is not None and actor.is_authenticated else None
    event = ItemEvent.objects.create(
        item=item,
        kind=kind,
        actor=user,
        at=at or timezone.now(),
        from_status=old,
        to_status=item.status,
        note=note[:300],
        data=data or {},
    )
    record_audit(
        actor=user,
        action=f"frontdesk.item.{kind}",
        obj=item,
        detail={"from": old, "to": item.status, **(data or {})},
    )
    return event


def _move(item: FoundItem, to: str) -> str:
    if to not in FoundItem.ALLOWED_TRANSITIONS[item.status]:
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("物品当前状态(%s)不允许此操作") % item.get_status_display(),
            field="status",
        )
    previous, item.status = item.status, to
    return previous


def audit_shown(actor: Actor | None, rows: list[Any], *, how: str) -> None:
    """One audit row for a request that showed owners' or finders' numbers unmasked (``how``:
    items, reports, summary): kefu.core.services.record_unmasked_read."""
    if rows:
        model = type(rows[0])
        record_unmasked_read(
            actor=actor, action=f"frontdesk.{how}", model=model, ids=[r.pk for r in rows]
        )


# --- photos ----------------------------------------------------------------------------------


@transaction.atomic
def add_photo(actor: Any, item_id: int, *, upload: Any) -> FoundPhoto:
    access.require_desk(actor)
    item = access.access_item(actor, item_id, for_update=True)
    if not item.is_open:
        raise ServiceError(Code.INVALID_TRANSITION, _("物品已离开失物招领处"), field="photos")
    (checked,) = photos_module.check_photos([upload], already=item.photos.count())
    photo = photos_module.save_photo(item, checked, actor)
    _event(item, actor=actor, kind=Kind.PHOTO, old=item.status, data={"photo": photo.pk})
    return photo


# --- registering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundItemIn:
    source: str
    category: str
    description: str
    found_place: str
    found_at: dt.datetime | None
    finder_name: str
    value_class: str = ""  # "": 贵重 for cash, phones, cameras, else 普通
    finder_phone: str = ""
    finder_staff_no: str = ""
    witness_name: str = ""
    shift_leader_id: int | None = None
    branch_id: int | None = None


def _shift_leader(user_id: int | None) -> Any:
    if user_id is None:
        raise ServiceError(Code.INVALID, _("现场拾物须有当班班长"), field="shift_leader")
    leader = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if leader is None or not access.may_lead(leader):
        raise ServiceError(Code.INVALID, _("请选择当班班长"), field="shift_leader")
    return leader


@transaction.atomic
def register_found_item(
    actor: Any, data: FoundItemIn, *, photos: list[Any] | tuple[Any, ...] = ()
) -> FoundItem:
    """A found item, 已登记, with its photos. A staff member's find gets the
    《员工拾到物品回执》 number (``receipt_no``); an on-the-spot find names its witness and
    the shift leader. Raises ServiceError (nothing written)."""
    access.require_desk(actor)
    now = timezone.now()
    source = _choice(data.source, Source, "source")
    category = _choice(data.category, Category, "category")
    value_class = data.value_class or (
        ValueClass.VALUABLE if category in VALUABLE_CATEGORIES else ValueClass.ORDINARY
    )
    _choice(value_class, ValueClass, "value_class")
    item = FoundItem(
        source=source,
        category=category,
        value_class=value_class,
        description=clean_text(
            data.description,
            "description",
            limit=TEXT_MAX,
            required=True,
            message=_("请描述物品"),
        ),
        found_place=clean_text(
            data.found_place,
            "found_place",
            limit=100,
            required=True,
            message=_("请填写拾获地点"),
        ),
        found_at=_moment(data.found_at, "found_at", now=now),
        finder_name=clean_text(
            data.finder_name, "finder_name", limit=40, required=True, message=_("请填写拾获人")
        ),
        finder_phone=_phone(data.finder_phone, "finder_phone", required=False),
        registered_by=actor,
        registered_at=now,
    )
    item.branch = _branch_for(actor, data.branch_id)
    if source == Source.STAFF:
        item.finder_staff_no = clean_text(
            data.finder_staff_no,
            "finder_staff_no",
            limit=20,
            required=True,
            message=_("员工拾物须填写拾获员工工号"),
        )
    if source == Source.ON_SPOT:
        item.witness_name = clean_text(
            data.witness_name,
            "witness_name",
            limit=40,
            required=True,
            message=_("现场拾物须有见证人"),
        )
        item.shift_leader = _shift_leader(data.shift_leader_id)
    checked = photos_module.check_photos(list(photos))
    item.words = words_of(item.description)
    item.place_words = words_of(item.found_place)
    item.serial = ITEM_PREFIX + next_serial(at=now)
    if source == Source.STAFF:
        item.receipt_no = RECEIPT_PREFIX + item.serial[len(ITEM_PREFIX) :]
    item.save()
    for photo in checked:
        photos_module.save_photo(item, photo, actor)
    _event(
        item,
        actor=actor,
        kind=Kind.REGISTERED,
        at=now,
        data={"source": source, "receipt_no": item.receipt_no, "photos": len(checked)},
    )
    return item


@dataclass(frozen=True)
class LossReportIn:
    channel: str
    owner_name: str
    owner_phone: str
    category: str
    description: str
    lost_place: str
    lost_at: dt.datetime | None
    branch_id: int | None = None


@transaction.atomic
def create_loss_report(actor: Any, data: LossReportIn) -> LossReport:
    """失物登记 from an owner, taken by the desk (phone or at the counter). Raises
    ServiceError (nothing written)."""
    access.require_desk(actor)
    channel = _choice(data.channel, LossReport.Channel, "channel")
    if channel == LossReport.Channel.PORTAL:
        raise ServiceError(Code.INVALID, _("网上登记由失主在网上服务大厅提交"), field="channel")
    report = _new_report(data, channel=channel, phone=data.owner_phone, actor=actor)
    report.branch = _branch_for(actor, data.branch_id)
    return _save_report(report, actor)


LOSS_REPORT_EVENT = "frontdesk.loss_report"


@transaction.atomic
def report_loss_online(phone: str, data: LossReportIn) -> LossReport:
    """失物登记 the owner made on the portal: ``phone`` is the number the portal proved with
    an SMS code; no staff member is behind it (``created_by`` empty), no branch is chosen. The
    owner is texted the report's number. Raises ServiceError (nothing written)."""
    report = _new_report(data, channel=LossReport.Channel.PORTAL, phone=phone, actor=None)
    _save_report(report, None)
    send_sms(
        report.owner_phone,
        event=LOSS_REPORT_EVENT,
        context={"report": report.serial},
        key=f"{LOSS_REPORT_EVENT}:{report.pk}",
    )
    return report


def _new_report(data: LossReportIn, *, channel: str, phone: str, actor: Any) -> LossReport:
    now = timezone.now()
    return LossReport(
        channel=channel,
        owner_name=clean_text(
            data.owner_name, "owner_name", limit=40, required=True, message=_("请填写失主姓名")
        ),
        owner_phone=_phone(phone, "owner_phone", required=True),
        category=_choice(data.category, Category, "category"),
        description=clean_text(
            data.description,
            "description",
            limit=TEXT_MAX,
            required=True,
            message=_("请描述物品"),
        ),
        lost_place=clean_text(
            data.lost_place, "lost_place", limit=100, required=True, message=_("请填写遗失地点")
        ),
        lost_at=_moment(data.lost_at, "lost_at", now=now),
        created_by=actor,
        created_at=now,
    )


def _save_report(report: LossReport, actor: Any) -> LossReport:
    report.words = words_of(report.description)
    report.place_words = words_of(report.lost_place)
    report.serial = REPORT_PREFIX + next_serial(at=report.created_at)
    report.save()
    record_audit(actor=actor, action="frontdesk.report.created", obj=report)
    return report


# --- matching and claims ----------------------------------------------------------------------


@transaction.atomic
def link_report(actor: Any, item_id: int, *, report_id: int) -> FoundItem:
    """The desk called the owner of ``report``: the report is linked to the item (已匹配; an
    item in custody stays there, linked). Both rows are locked."""
    access.require_desk(actor)
    item = access.access_item(actor, item_id, for_update=True)
    report = access.access_report(actor, report_id, for_update=True)
    if item.report_id is not None:
        raise ServiceError(Code.CONFLICT, _("该物品已匹配失物登记"), field="report")
    if report.status != LossReport.Status.OPEN:
        raise ServiceError(Code.CONFLICT, _("该失物登记已匹配或已关闭"), field="report")
    old = item.status
    if item.status != Status.CUSTODY:
        _move(item, Status.MATCHED)  # refused once claimed or handed to finance
    item.report = report
    item.save(update_fields=["status", "report", "updated_at"])
    report.status = LossReport.Status.MATCHED
    report.save(update_fields=["status"])
    _event(item, actor=actor, kind=Kind.MATCHED, old=old, data={"report": report.serial})
    return item


@dataclass(frozen=True)
class ClaimIn:
    claimant_name: str
    description: str  # what the claimant said before the item was shown
    description_matched: bool
    claimant_phone: str = ""
    id_type: str = ""
    id_number: str = ""
    signature: str = ""  # a data:image/png;base64 URL (the pad) or bare base64 (the API)
    witness_name: str = ""  # claimed on the spot: the witness stands by
    refuse_reason: str = ""


@dataclass(frozen=True)
class ClaimRefused:
    claim: ClaimAttempt
    error: ServiceError


def claim_item(actor: Any, item_id: int, data: ClaimIn) -> ClaimAttempt:
    """The claim of an item. Accepted: the item is 已认领 (its loss report 已领回) and the
    claim keeps the identity document and the signature. Refused — the description did not
    match, or the item is already claimed — the attempt is kept with its reason (committed)
    and ServiceError is raised then: INVALID naming ``description_matched``, or CONFLICT.
    Input that cannot be a claim (no name, no signature…) raises before anything is written."""
    outcome = _claim(actor, item_id, data)
    if isinstance(outcome, ClaimRefused):
        raise outcome.error
    return outcome


@transaction.atomic
def _claim(actor: Any, item_id: int, data: ClaimIn) -> ClaimAttempt | ClaimRefused:
    access.require_desk(actor)
    item = access.access_item(actor, item_id, for_update=True)
    now = timezone.now()
    claim = ClaimAttempt(
        item=item,
        claimant_name=clean_text(
            data.claimant_name,
            "claimant_name",
            limit=40,
            required=True,
            message=_("请填写认领人姓名"),
        ),
        claimant_phone=_phone(data.claimant_phone, "claimant_phone", required=False),
        description=clean_text(
            data.description,
            "description",
            limit=TEXT_MAX,
            required=True,
            message=_("请先记录认领人对物品的描述"),
        ),
        description_matched=bool(data.description_matched),
        witness_name=clean_text(data.witness_name, "witness_name", limit=40),
        by=actor,
        at=now,
    )
    # On the spot (现场拾物) the finder meets the owner with the witness: the witness stands in
    # for the identity document. Everyone else shows one.
    on_spot = item.source == Source.ON_SPOT and bool(claim.witness_name)
    if data.id_type or not on_spot:
        claim.id_type = _choice(data.id_type, IdType, "id_type")
        claim.id_number = clean_text(
            data.id_number, "id_number", limit=30, required=True, message=_("请填写证件号码")
        ).upper()
    png = signature_png(data.signature)
    if claim.description_matched and item.status != Status.CLAIMED and png is None:
        raise ServiceError(Code.INVALID, _("请认领人签名"), field="signature")
    reason = ""
    error: ServiceError | None = None
    if item.status == Status.CLAIMED:
        reason = _("该物品已被认领,不能重复认领")
        error = ServiceError(Code.CONFLICT, reason, field="item")
    elif item.status not in FoundItem.OPEN_STATUSES:
        _move(item, Status.CLAIMED)  # raises: handed to finance
    elif not claim.description_matched:
        reason = clean_text(data.refuse_reason, "refuse_reason", limit=200) or _(
            "认领人描述与物品不符"
        )
        error = ServiceError(Code.INVALID, reason, field="description_matched")
    if error is not None:
        claim.outcome = ClaimAttempt.Outcome.REFUSED
        claim.refuse_reason = reason
        claim.save()
        _event(
            item,
            actor=actor,
            kind=Kind.CLAIM_REFUSED,
            old=item.status,
            note=reason,
            data={"claim": claim.pk},
            at=now,
        )
        return ClaimRefused(claim, error)
    claim.outcome = ClaimAttempt.Outcome.ACCEPTED
    if png is not None:
        claim.signature.save(f"{item.serial}-{now:%H%M%S}.png", signature_file(png), save=False)
    claim.save()
    old = _move(item, Status.CLAIMED)
    item.claimed_at = now
    item.save(update_fields=["status", "claimed_at", "updated_at"])
    if item.report_id is not None:
        LossReport.objects.filter(pk=item.report_id).update(status=LossReport.Status.RETURNED)
    _event(
        item,
        actor=actor,
        kind=Kind.CLAIMED,
        old=old,
        at=now,
        data={"claim": claim.pk, "witness": claim.witness_name},
    )
    return claim


# --- custody and finance ---------------------------------------------------------------------


@transaction.atomic
def hand_to_custody(
    actor: Any, item_id: int, *, place: str, custodian_name: str, handed_by: str = ""
) -> FoundItem:
    """The item handed to the lost-and-found custodian (保管中), with where it is kept and
    who handed it over (the actor's name unless given)."""
    access.require_desk(actor)
    item = access.access_item(actor, item_id, for_update=True)
    place = clean_text(place, "place", limit=100, required=True, message=_("请填写保管地点"))
    custodian = clean_text(
        custodian_name, "custodian_name", limit=40, required=True, message=_("请填写保管人")
    )
    handed = clean_text(handed_by, "handed_by", limit=40) or _name(actor)
    old = _move(item, Status.CUSTODY)
    item.custody_place, item.custodian_name, item.custody_handed_by = place, custodian, handed
    item.custody_at = timezone.now()
    item.save()
    _event(
        item,
        actor=actor,
        kind=Kind.CUSTODY,
        old=old,
        data={"place": place, "custodian": custodian, "handed_by": handed},
    )
    return item


def sweep_day_end_custody(*, now: dt.datetime | None = None) -> int:
    """At day end: the valuables registered today or before and neither claimed nor in custody
    go to the custodian (the default place; handed over by whoever registered them). Each
    item is claimed by a conditional UPDATE, so a second run — or a second worker — moves
    nothing again. Returns how many moved."""
    now = now or timezone.now()
    place = _("失物招领处贵重物品保管柜")
    moved = 0
    ids = list(
        FoundItem.objects.filter(
            status__in=(Status.REGISTERED, Status.MATCHED),
            value_class=ValueClass.VALUABLE,
            registered_at__lte=now,
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in ids:
        with transaction.atomic():
            item = (
                # Only the item's row (of=self): locking the registering user's row too would
                # make a second worker skip every other item that user registered.
                FoundItem.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, status__in=(Status.REGISTERED, Status.MATCHED))
                .select_related("registered_by__staff")
                .first()
            )
            if item is None:
                continue  # claimed or moved meanwhile, or another worker has it
            handed = _name(item.registered_by)
            old = item.status
            won = FoundItem.objects.filter(pk=pk, status=old).update(
                status=Status.CUSTODY,
                custody_place=place,
                custody_handed_by=handed,
                custody_at=now,
                updated_at=now,
            )
            if not won:
                continue
            item.status = Status.CUSTODY
            _event(
                item,
                actor=None,
                kind=Kind.CUSTODY,
                old=old,
                at=now,
                note=_("日终贵重物品移交保管"),
                data={"place": place, "handed_by": handed},
            )
            moved += 1
    return moved


@transaction.atomic
def sweep_to_finance(
    *, now: dt.datetime | None = None, actor: Any = None, before: dt.datetime | None = None
) -> FinanceBatch | None:
    """Items nobody claimed, registered before ``before`` (default: KEFU_LOST_FOUND_DAYS
    days ago), handed to finance as one batch with its list. A lead may run it by hand (the
    monthly hand-over, ``before`` = now). Rows are locked (skip_locked) and each moves by a
    conditional UPDATE: a second run finds nothing and makes no batch. Returns the batch, or
    None when nothing was due."""
    if actor is not None:
        access.require_lead(actor)
    now = now or timezone.now()
    cutoff = before or now - dt.timedelta(days=settings.LOST_FOUND_DAYS)
    rows = FoundItem.objects.filter(status__in=FoundItem.OPEN_STATUSES, registered_at__lte=cutoff)
    if actor is not None:
        rows = rows.filter(pk__in=access.visible_items(actor).values("pk"))
    items = list(rows.select_for_update(skip_locked=True).order_by("registered_at", "id"))
    if not items:
        return None
    batch = FinanceBatch.objects.create(
        serial=BATCH_PREFIX + next_serial(at=now),
        created_at=now,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    moved = 0
    for item in items:
        old = item.status
        won = FoundItem.objects.filter(pk=item.pk, status=old, finance_batch=None).update(
            status=Status.FINANCE, finance_batch=batch, updated_at=now
        )
        if not won:
            continue
        item.status = Status.FINANCE
        _event(item, actor=actor, kind=Kind.FINANCE, old=old, at=now, data={"batch": batch.serial})
        moved += 1
    if not moved:
        transaction.set_rollback(True)
        return None
    batch.count = moved
    batch.save(update_fields=["count"])
    record_audit(
        actor=actor,
        action="frontdesk.finance_batch",
        obj=batch,
        detail={"count": moved, "before": cutoff.isoformat()},
    )
    return batch
