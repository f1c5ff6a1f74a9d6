"""The blacklist (黑名单): numbers whose calls the PBX rejects (拒接) or that pop with a warning
(标记: abusive or fraudulent callers, still answered).

Who does what:
- team leads, supervisors and administrators manage it: add either kind, lift (解除);
- agents may *flag* a number (typically during an abusive call): a flag only warns the next
  agent, it refuses nobody. Blocking a customer's calls and lifting an entry stay with the
  leads, who see every flag in the list (added by whom, why);
- every center role reads the list (quality inspectors and others without the personal-data
  permission see the numbers masked); department and field staff see nothing of it.

Entries are never deleted: lifting keeps the row with who, when and why, and every change is
written to the audit log. An entry applies while it is active and its ``until`` (blank: no end)
has not passed, so an expired entry stops applying by itself, without a job.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import normalize_phone
from kefu.core.services import record_audit
from kefu.telephony.models import BlacklistEntry

MANAGER_ROLES: set[str] = {Role.TEAM_LEAD, Role.SUPERVISOR, Role.ADMIN}
FLAGGER_ROLES: set[str] = MANAGER_ROLES | {Role.AGENT}

# What the pop of a flagged number says when the center has no abuse script (标准话术) to show.
FLAG_WARNING = gettext_lazy("该号码已被标记,请注意文明用语和信息安全,必要时按规范结束通话")


def can_manage_blacklist(actor: Actor | None) -> bool:
    return scope_of(actor).role in MANAGER_ROLES


def can_flag_number(actor: Actor | None) -> bool:
    return scope_of(actor).role in FLAGGER_ROLES


def can_view_blacklist(actor: Actor | None) -> bool:
    return scope_of(actor).is_center


def _in_force(moment: dt.datetime) -> Q:
    return Q(is_active=True) & (Q(until__isnull=True) | Q(until__gt=moment))


def screen_number(number: str, *, moment: dt.datetime | None = None) -> BlacklistEntry | None:
    """The entry in force for a normalized ``number`` now (or at ``moment``), else None."""
    if not number:
        return None
    moment = moment or timezone.now()
    return BlacklistEntry.objects.filter(_in_force(moment), number=number).first()


def blocked_numbers(numbers: list[str], *, moment: dt.datetime) -> dict[str, BlacklistEntry]:
    """The block entries (拒接) in force at ``moment`` among normalized ``numbers``, by number:
    the outbound lists leave these numbers uncalled."""
    found: dict[str, BlacklistEntry] = {}
    for start in range(0, len(numbers), 1000):
        rows = BlacklistEntry.objects.filter(
            _in_force(moment),
            kind=BlacklistEntry.Kind.BLOCK,
            number__in=numbers[start : start + 1000],
        )
        for entry in rows:
            found.setdefault(entry.number, entry)
    return found


def _clean_reason(reason: str, field: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(Code.INVALID, _("请填写原因"), field=field)
    if len(reason) > 200:
        raise ServiceError(Code.INVALID, _("原因最长 200 个字符"), field=field)
    return reason


@transaction.atomic
def add_blacklist_entry(
    number: str,
    *,
    actor: Actor,
    kind: str,
    reason: str,
    until: dt.datetime | None = None,
) -> BlacklistEntry:
    """Put ``number`` on the blacklist. Managers add either kind; agents only ``flag``.

    An active entry that has expired is retired first (lifted as of its end, audited); a
    number with an entry still in force is refused (CONFLICT: lift it first to change it).
    Raises ServiceError FORBIDDEN / INVALID / CONFLICT; nothing is written then.
    """
    if not can_flag_number(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权维护黑名单"))
    if kind not in BlacklistEntry.Kind.values:
        raise ServiceError(Code.INVALID, _("类型须是拒接或标记"), field="kind")
    if kind == BlacklistEntry.Kind.BLOCK and not can_manage_blacklist(actor):
        raise ServiceError(
            Code.FORBIDDEN, _("坐席只能标记号码,拒接须由班长、主管或管理员设置"), field="kind"
        )
    normalized = normalize_phone(number)
    if not normalized:
        raise ServiceError(Code.INVALID, _("号码无效"), field="number")
    reason = _clean_reason(reason, "reason")
    now = timezone.now()
    if until is not None:
        if timezone.is_naive(until):
            until = timezone.make_aware(until)
        if until <= now:
            raise ServiceError(Code.INVALID, _("截止时间须晚于现在"), field="until")
    current = BlacklistEntry.objects.select_for_update().filter(number=normalized, is_active=True)
    for old in current:
        if old.applies_at(now):
            raise ServiceError(
                Code.CONFLICT, _("该号码已在黑名单中,请先解除再重新添加"), field="number"
            )
        _retire_expired(old)
    try:
        with transaction.atomic():
            entry = BlacklistEntry.objects.create(
                number=normalized,
                kind=kind,
                reason=reason,
                until=until,
                added_by=user_of(actor),
                added_at=now,
            )
    except IntegrityError:  # another session added it between our check and our insert
        raise ServiceError(
            Code.CONFLICT, _("该号码已在黑名单中,请先解除再重新添加"), field="number"
        ) from None
    record_audit(
        actor=actor,
        action="telephony.blacklist.add",
        obj=entry,
        detail={
            "number": normalized,
            "kind": kind,
            "reason": reason,
            "until": until.isoformat() if until else None,
        },
    )
    return entry


def _retire_expired(entry: BlacklistEntry) -> None:
    entry.is_active = False
    entry.lifted_at = entry.until
    entry.lift_reason = "已到期"
    entry.save(update_fields=["is_active", "lifted_at", "lift_reason"])
    record_audit(
        actor=None,
        action="telephony.blacklist.expire",
        obj=entry,
        detail={"number": entry.number, "until": entry.until.isoformat() if entry.until else None},
    )


@transaction.atomic
def lift_blacklist_entry(entry_id: int, *, actor: Actor, reason: str) -> BlacklistEntry:
    """Lift (解除) an active entry, keeping the row with who, when and why (managers only).

    Raises ServiceError FORBIDDEN, NOT_FOUND, INVALID (no reason), INVALID_TRANSITION (lifted
    already); nothing is written then.
    """
    if not can_manage_blacklist(actor):
        raise ServiceError(Code.FORBIDDEN, _("仅班长、主管和管理员可以解除黑名单"))
    entry = BlacklistEntry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise ServiceError(Code.NOT_FOUND, _("黑名单记录不存在"))
    reason = _clean_reason(reason, "reason")
    if not entry.is_active:
        raise ServiceError(Code.INVALID_TRANSITION, _("该记录已解除"))
    entry.is_active = False
    entry.lifted_by = user_of(actor)
    entry.lifted_at = timezone.now()
    entry.lift_reason = reason
    entry.save(update_fields=["is_active", "lifted_by", "lifted_at", "lift_reason"])
    record_audit(
        actor=actor,
        action="telephony.blacklist.lift",
        obj=entry,
        detail={"number": entry.number, "kind": entry.kind, "reason": reason},
    )
    return entry


STATES = ("in_force", "expired", "lifted", "all")


def list_blacklist(
    actor: Actor, *, number: str = "", kind: str = "", state: str = "in_force"
) -> QuerySet[BlacklistEntry]:
    """The blacklist for the center's staff, newest first, filtered by number (any format),
    kind and state: ``in_force`` (applies now), ``expired`` (active but past its end),
    ``lifted`` or ``all``. Raises ServiceError FORBIDDEN for anyone else."""
    if not can_view_blacklist(actor):
        raise ServiceError(Code.FORBIDDEN, _("黑名单仅限客服中心人员查看"))
    now = timezone.now()
    qs = BlacklistEntry.objects.select_related("added_by__staff", "lifted_by__staff")
    if number:
        qs = qs.filter(number=normalize_phone(number))
    if kind in BlacklistEntry.Kind.values:
        qs = qs.filter(kind=kind)
    match state:
        case "in_force":
            qs = qs.filter(_in_force(now))
        case "expired":
            qs = qs.filter(is_active=True, until__lte=now)
        case "lifted":
            qs = qs.filter(is_active=False)
    return qs.order_by("-added_at", "-id")
