"""Data retention (保留期限, 保密制度 6): what is kept how long, and the job that anonymises or
destroys what has expired, leaving the statistics whole.

Each kind of data is declared by the app that owns it, from its ``AppConfig.ready``
(``register_kind``): a code, a label, a default period and what happens when it expires. The
work on a kind may be spread over several apps (ticket attachments, message attachments and
field photos are all "attachments"): each app adds its part (``register_part``), a function
``apply(cutoff, *, dry_run) -> counts`` that treats what is older than ``cutoff``, in batches,
each batch in its own transaction, and counts what it did (or would do, on a dry run) —
``anonymised``, ``purged`` (a file destroyed, its row kept and marked), ``deleted`` (rows
removed) and ``held`` (expired but under a legal hold). A second run finds nothing to do.

Periods are RetentionPolicy rows, one per kind, edited by an administrator (the admin site,
“数据保留期限”); a kind without a row has its default. ``run_retention`` applies every kind
whose period is set and writes a RetentionRun with the counts: the report (the admin site,
“数据清理记录”, and ``kefu retention``). The daily job is ``kefu.core.tasks``.

Two registries join the apps without the lower layers knowing the higher ones:

- Legal holds (法律保全, kefu.tickets.holds) stop every kind for what they cover. The app that
  keeps them registers a provider (``register_holds``); every part reads ``held()``.
- A customer without activity is anonymised by kefu.customers, which cannot see the other
  apps' copies of that customer's data. Each app that keeps such copies (a ticket's caller
  number, a work order's address, a call's number, a chat visitor's phone…) registers a
  scrubber (``register_customer_scrubber``) that clears them when the customer is anonymised,
  and each app where a customer can be active (a ticket, a work order, a call) registers a
  check (``register_customer_activity``) that keeps a customer active there from expiring.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeAlias, TypeVar

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import mask_email, mask_id_number, mask_phone, mask_text
from kefu.core.models import (
    RETENTION_MAX_DAYS,
    RETENTION_MIN_DAYS,
    AuditLog,
    RetentionPolicy,
    RetentionRun,
)
from kefu.core.services import record_audit

logger = logging.getLogger(__name__)

Counts: TypeAlias = dict[str, int]
Apply: TypeAlias = Callable[..., Counts]  # apply(cutoff, *, dry_run) -> Counts
M = TypeVar("M", bound=Model)

# Rows read at a time (never the whole table); a batch is changed in one transaction or less.
BATCH = 500

# What the counts of a run mean, in the report's order.
COUNT_LABELS: dict[str, str | Promise] = {
    "anonymised": gettext_lazy("已匿名化"),
    "purged": gettext_lazy("已销毁文件"),
    "deleted": gettext_lazy("已删除"),
    "held": gettext_lazy("因法律保全保留"),
    "copies": gettext_lazy("已清除的副本"),
}


# ------------------------------------------------------------------------------ the kinds


@dataclass(frozen=True)
class Kind:
    """One kind of data with a retention period. ``default_days`` None: kept for ever
    unless an administrator sets a period. ``order``: the report's order."""

    code: str
    label: str | Promise
    default_days: int | None
    description: str | Promise
    order: int = 100

    def apply(self, cutoff: dt.datetime, *, dry_run: bool) -> Counts:
        """Every part of the kind, their counts added up."""
        total: Counts = {}
        for _name, part in _parts.get(self.code, []):
            for key, value in part(cutoff, dry_run=dry_run).items():
                total[key] = total.get(key, 0) + value
        return total


_kinds: dict[str, Kind] = {}
_parts: dict[str, list[tuple[str, Apply]]] = {}


def register_kind(kind: Kind) -> None:
    if kind.code in _kinds and _kinds[kind.code] != kind:
        raise ValueError(f"retention kind {kind.code!r} is registered already")
    _kinds[kind.code] = kind


def register_part(code: str, name: str, apply: Apply) -> None:
    """``apply(cutoff, *, dry_run) -> counts`` treats ``name``'s data of kind ``code``."""
    parts = _parts.setdefault(code, [])
    if name not in [n for n, _apply in parts]:
        parts.append((name, apply))


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda k: (k.order, k.code))


def get_kind(code: str) -> Kind | None:
    return _kinds.get(code)


# ------------------------------------------------------------------------------ legal holds


@dataclass(frozen=True)
class Held:
    """What legal holds keep as it is now. ``customers``: held themselves or through a held
    ticket (never anonymised); ``tickets``: held themselves or through a held customer (their
    attachments, calls and messages are kept); ``numbers``: the phones of held customers
    (calls from them are kept even where no customer was linked)."""

    customers: frozenset[int] = frozenset()
    tickets: frozenset[int] = frozenset()
    numbers: frozenset[str] = frozenset()


_hold_providers: list[Callable[[], Held]] = []


def register_holds(provider: Callable[[], Held]) -> None:
    if provider not in _hold_providers:
        _hold_providers.append(provider)


def held() -> Held:
    """Everything under a legal hold now (holds are few: read whole)."""
    customers: set[int] = set()
    tickets: set[int] = set()
    numbers: set[str] = set()
    for provider in _hold_providers:
        part = provider()
        customers |= part.customers
        tickets |= part.tickets
        numbers |= part.numbers
    return Held(frozenset(customers), frozenset(tickets), frozenset(numbers))


# ------------------------------------------------------------------- anonymised customers


@dataclass(frozen=True)
class FormerCustomer:
    """What an anonymised customer was, for the apps to find and clear their copies.

    ``numbers`` and ``emails`` are only those no other (not anonymised) customer also has: a
    copy found by a number alone is cleared only when the number was this customer's alone.
    Copies linked to the customer (its id, its tickets) are cleared whatever they hold."""

    id: int
    name: str
    numbers: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # the customer's and its contacts'
    id_number: str = ""
    account_no: str = ""
    all_numbers: frozenset[str] = field(default=frozenset(), compare=False)

    def scrub(self, text: str) -> str:
        """Running text with this customer's data in it masked: their names, e-mail
        addresses, account and ID numbers replaced, then every phone and ID number and their
        addresses masked (``kefu.core.masking.mask_text``)."""
        if not text:
            return text
        for number in sorted(self.all_numbers, key=len, reverse=True):
            text = text.replace(number, mask_phone(number))
        for email in self.emails:  # kept lower-cased; written in any case
            found = re.compile(re.escape(email), re.IGNORECASE)
            text = found.sub(lambda m: mask_email(m.group()), text)
        if self.id_number:
            text = text.replace(self.id_number, mask_id_number(self.id_number))
        if self.account_no and len(self.account_no) >= 4:
            text = text.replace(self.account_no, mask_phone(self.account_no))
        for name in sorted(self.names, key=len, reverse=True):
            if len(name) >= 2:
                text = text.replace(name, "***")
        return mask_text(text, addresses=self.addresses)

    def with_copies(
        self, *, names: Iterable[str] = (), addresses: Iterable[str] = ()
    ) -> FormerCustomer:
        """The same customer with the names and addresses a copy spelled otherwise (a work
        order's address, a ticket's contact name) to mask as well."""
        return replace(
            self,
            names=self.names | {n for n in names if n},
            addresses=self.addresses | {a for a in addresses if a},
        )

    def scrub_json(self, value: Any) -> Any:
        """``scrub`` on every string of a JSON value (an event's data, an audit detail)."""
        return map_strings(value, self.scrub)


Scrubber: TypeAlias = Callable[[FormerCustomer], int]
Activity: TypeAlias = Callable[[list[int], dt.datetime], set[int]]

_scrubbers: list[tuple[str, Scrubber]] = []
_late_scrubbers: list[tuple[str, Scrubber]] = []
_activity: list[tuple[str, Activity]] = []


def register_customer_scrubber(name: str, scrubber: Scrubber, *, late: bool = False) -> None:
    """``scrubber(former)`` clears the app's copies of an anonymised customer's data, inside
    the anonymisation's transaction, and returns how many rows it changed. ``late``: it runs
    after all the others (the ticket kernel's: the others find the tickets an unknown caller
    made from the customer's numbers by their caller number, which it clears)."""
    if name not in scrubber_names():
        (_late_scrubbers if late else _scrubbers).append((name, scrubber))


def register_customer_activity(name: str, check: Activity) -> None:
    """``check(ids, cutoff)`` returns those of the customers ``ids`` the app saw active since
    ``cutoff`` (a ticket received or changed, a call, a work order; or one still open)."""
    if name not in [n for n, _c in _activity]:
        _activity.append((name, check))


def scrub_customer_copies(former: FormerCustomer) -> int:
    """Every app's copies of ``former`` cleared; the rows changed."""
    return sum(scrubber(former) for _name, scrubber in [*_scrubbers, *_late_scrubbers])


def active_customers(ids: list[int], cutoff: dt.datetime) -> set[int]:
    """Those of ``ids`` some app saw active since ``cutoff``."""
    active: set[int] = set()
    for _name, check in _activity:
        remaining = [i for i in ids if i not in active]
        if not remaining:
            break
        active |= check(remaining, cutoff)
    return active


def scrubber_names() -> list[str]:
    """In the order they run."""
    return [name for name, _s in [*_scrubbers, *_late_scrubbers]]


# ---------------------------------------------------------------------------------- helpers


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """``change`` applied to every string in a JSON value."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: map_strings(v, change) for k, v in value.items()}
    return value


def scrub_rows(
    queryset: QuerySet[M],
    former: FormerCustomer,
    *,
    text: Iterable[str] = (),
    json: Iterable[str] = (),
    names: Iterable[str] = (),
    clear: dict[str, Any] | None = None,
) -> int:
    """Each row of ``queryset`` with its ``text`` and ``json`` fields scrubbed of ``former``'s
    data (also of the names in its own ``names`` fields) and its ``clear`` fields set to the
    values given; the rows changed. Rows are read a batch at a time."""
    text, json, names = list(text), list(json), list(names)
    clear = clear or {}
    model = queryset.model
    changed = 0
    for ids in batches(queryset):
        for row in model._default_manager.filter(pk__in=ids).only(*text, *json, *names, *clear):
            copy = former.with_copies(names=[str(getattr(row, n) or "") for n in names])
            values: dict[str, Any] = {}
            for name in text:
                value = getattr(row, name)
                if value and (scrubbed := copy.scrub(value)) != value:
                    values[name] = scrubbed
            for name in json:
                value = getattr(row, name)
                if (scrubbed := copy.scrub_json(value)) != value:
                    values[name] = scrubbed
            values |= {k: v for k, v in clear.items() if getattr(row, k, None) != v}
            if values:
                changed += model._default_manager.filter(pk=row.pk).update(**values)
    return changed


def rewrite_audit(model: type[Model], ids: Iterable[int], change: Callable[[str], str]) -> int:
    """The audit rows about the rows ``ids`` of ``model`` with ``change`` applied to every
    string of their detail (a number recorded when a callback was closed); rows changed."""
    changed = 0
    keys = [str(i) for i in ids]
    if not keys:
        return 0
    rows = AuditLog.objects.filter(object_type=model._meta.label_lower, object_id__in=keys)
    for row in rows.only("pk", "detail"):
        detail = map_strings(row.detail, change)
        if detail != row.detail:
            changed += AuditLog.objects.filter(pk=row.pk).update(detail=detail)
    return changed


def batches(queryset: QuerySet[M], *, size: int = BATCH) -> Iterator[list[int]]:
    """The primary keys of ``queryset`` in ascending order, ``size`` at a time (by key, so a
    batch whose rows drop out of the queryset once treated does not skip the next ones)."""
    last: Any = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def delete_stored_file(name: str) -> None:
    """Remove a stored file; one already gone is fine (a run cut short, retried)."""
    if name and default_storage.exists(name):
        default_storage.delete(name)


def purge_files(
    queryset: QuerySet[M],
    *,
    file_field: str = "file",
    marker: str = "purged_at",
    dry_run: bool,
    exclude_held: Callable[[QuerySet[M]], QuerySet[M]] | None = None,
) -> Counts:
    """Destroy the stored file of every row of ``queryset`` not yet marked, keep the row and
    mark it (``marker`` = now, the file field emptied). ``exclude_held`` narrows the rows to
    those no legal hold covers; the others are counted as held. The file goes first and the
    mark after, each row claimed by a conditional UPDATE: a run cut short or two at once
    destroy each file once and count it once."""
    pending = queryset.filter(**{f"{marker}__isnull": True})
    counts: Counts = {"purged": 0, "held": 0}
    allowed = exclude_held(pending) if exclude_held is not None else pending
    if exclude_held is not None:
        counts["held"] = pending.count() - allowed.count()
    model = queryset.model
    for ids in batches(allowed):
        if dry_run:
            counts["purged"] += len(ids)
            continue
        for pk, name in model._default_manager.filter(pk__in=ids).values_list("pk", file_field):
            delete_stored_file(str(name or ""))
            with transaction.atomic():
                counts["purged"] += model._default_manager.filter(
                    pk=pk, **{f"{marker}__isnull": True}
                ).update(**{marker: timezone.now(), file_field: ""})
    return counts


def unique_value(
    model: type[Model], field_name: str, value: str, pk: int, *, together: dict[str, Any]
) -> str:
    """``value`` for ``field_name`` of row ``pk``, or ``value·pk`` when another row with the
    same ``together`` fields holds it already (a unique constraint on masked numbers: two
    numbers may mask alike)."""
    clash = model._default_manager.filter(**together, **{field_name: value}).exclude(pk=pk).exists()
    return f"{value}·{pk}" if clash else value


# ---------------------------------------------------------------------------------- periods


def is_administrator(actor: Actor | None) -> bool:
    """Retention periods and legal holds are an administrator's (系统管理员: a superuser,
    as every staff member with that role is)."""
    return actor is not None and actor.is_authenticated and actor.is_active and actor.is_superuser


def clean_days(value: object, field: str = "days") -> int | None:
    """A period as an administrator typed it: blank (kept for ever) or whole days between
    RETENTION_MIN_DAYS and RETENTION_MAX_DAYS. Raises ServiceError(INVALID) naming ``field``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        raise ServiceError(Code.INVALID, _("保留天数应为整数"), field=field)
    if days < RETENTION_MIN_DAYS:
        raise ServiceError(
            Code.INVALID, _("保留天数至少为 %(min)d 天") % {"min": RETENTION_MIN_DAYS}, field=field
        )
    if days > RETENTION_MAX_DAYS:
        raise ServiceError(
            Code.INVALID,
            _("保留天数不能超过 %(max)d 天(100 年);要永久保留请留空") % {"max": RETENTION_MAX_DAYS},
            field=field,
        )
    return days


def ensure_policies() -> None:
    """One RetentionPolicy row per registered kind, with its default period when new."""
    have = set(RetentionPolicy.objects.values_list("kind", flat=True))
    missing = [
        RetentionPolicy(kind=k.code, days=k.default_days) for k in kinds() if k.code not in have
    ]
    if missing:
        RetentionPolicy.objects.bulk_create(missing, ignore_conflicts=True)


def periods() -> dict[str, int | None]:
    """Each registered kind's period in days (None: kept for ever)."""
    ensure_policies()
    stored = dict(RetentionPolicy.objects.values_list("kind", "days"))
    return {k.code: stored.get(k.code, k.default_days) for k in kinds()}


@transaction.atomic
def set_period(code: str, days: object, *, actor: Actor | None) -> RetentionPolicy:
    """Set kind ``code``'s period (blank: for ever). Administrators only; audited with the
    period before. Raises ServiceError: FORBIDDEN, NOT_FOUND, INVALID."""
    if not is_administrator(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有系统管理员可以设置保留期限"))
    if get_kind(code) is None:
        raise ServiceError(Code.NOT_FOUND, _("没有这种数据类别"), field="kind")
    cleaned = clean_days(days)
    ensure_policies()
    policy = RetentionPolicy.objects.select_for_update().get(kind=code)
    before = policy.days
    policy.days = cleaned
    policy.updated_by = user_of(actor)
    policy.save(update_fields=["days", "updated_by", "updated_at"])
    record_audit(
        actor=actor,
        action="retention.period",
        obj=policy,
        detail={"kind": code, "before": before, "after": cleaned},
    )
    return policy


# ---------------------------------------------------------------------------------- the job


def run_retention(
    *,
    dry_run: bool = False,
    actor: Actor | None = None,
    trigger: str = "schedule",
    only: Iterable[str] = (),
) -> RetentionRun:
    """Apply every kind whose period is set (or those of ``only``), each on its own: a kind
    that fails is recorded with its error and the others still run. Writes and returns the
    run's record, its results saved after each kind (a long run shows how far it got)."""
    started = timezone.now()
    wanted = set(only)
    record = RetentionRun.objects.create(
        started_at=started, dry_run=dry_run, actor=user_of(actor), trigger=trigger[:10]
    )
    days_of = periods()
    results: dict[str, dict[str, Any]] = {}
    for kind in kinds():
        if wanted and kind.code not in wanted:
            continue
        days = days_of.get(kind.code)
        entry: dict[str, Any] = {"days": days}
        if days is not None:
            cutoff = started - dt.timedelta(days=days)
            entry["cutoff"] = cutoff.isoformat()
            try:
                entry |= kind.apply(cutoff, dry_run=dry_run)
            except Exception as exc:  # one kind's failure must not stop the others
                logger.exception("retention of %s failed", kind.code)
                entry["error"] = f"{type(exc).__name__}: {exc}"[:500]
                record.failed = True
        results[kind.code] = entry
        record.results = results
        record.save(update_fields=["results", "failed"])
    record.finished_at = timezone.now()
    record.save(update_fields=["finished_at"])
    return record


def report_lines(run: RetentionRun) -> list[str]:
    """The run's report, one line per kind, in the staff's language."""
    lines = []
    for kind in kinds():
        entry = run.results.get(kind.code)
        if entry is None:
            continue
        if entry.get("days") is None:
            lines.append(f"{kind.label}: {_('永久保留')}")
            continue
        counts = [
            f"{COUNT_LABELS.get(key, key)} {value}"
            for key, value in entry.items()
            if key not in ("days", "cutoff", "error") and isinstance(value, int)
        ]
        line = _("%(kind)s(保留 %(days)s 天,%(cutoff)s 之前):") % {
            "kind": kind.label,
            "days": entry["days"],
            "cutoff": timezone.localtime(dt.datetime.fromisoformat(entry["cutoff"])).strftime(
                "%Y-%m-%d %H:%M"
            ),
        }
        line += "、".join(counts) if counts else _("无")
        if entry.get("error"):
            line += " " + _("出错:%(error)s") % {"error": entry["error"]}
        lines.append(line)
    return lines


# ------------------------------------------------------------------ the audit log (core's own)


def _apply_audit_log(cutoff: dt.datetime, *, dry_run: bool) -> Counts:
    """Delete audit rows older than ``cutoff``, but those about a held customer or ticket."""
    expired = AuditLog.objects.filter(at__lt=cutoff)
    hold = held()
    keep = AuditLog.objects.none()
    if hold.customers:
        keep |= expired.filter(
            object_type="customers.customer", object_id__in=[str(i) for i in hold.customers]
        )
    if hold.tickets:
        keep |= expired.filter(
            object_type="tickets.ticket", object_id__in=[str(i) for i in hold.tickets]
        )
    kept = set(keep.values_list("pk", flat=True))
    counts: Counts = {"deleted": 0, "held": len(kept)}
    for ids in batches(expired):
        doomed = [i for i in ids if i not in kept]
        if dry_run:
            counts["deleted"] += len(doomed)
            continue
        with transaction.atomic():
            deleted, _by_model = AuditLog.objects.filter(pk__in=doomed).delete()
        counts["deleted"] += deleted
    return counts


def _scrub_audit(former: FormerCustomer) -> int:
    """The audit rows about the customer (an update's "before", an added phone) masked."""
    rows = AuditLog.objects.filter(object_type="customers.customer", object_id=str(former.id))
    changed = 0
    for row in rows.only("pk", "detail"):
        detail = former.scrub_json(row.detail)
        if detail != row.detail:
            changed += AuditLog.objects.filter(pk=row.pk).update(detail=detail)
    return changed


def register_core() -> None:
    """The audit log, core's own data (called from CoreConfig.ready)."""
    register_kind(
        Kind(
            code="audit_log",
            label=gettext_lazy("审计日志"),
            # Five years: the audit trail answers for who saw and changed personal data; five
            # years covers the limitation periods a center is asked about (三年诉讼时效) with
            # room to spare, and most audit regimes ask for at least three.
            default_days=5 * 365,
            description=gettext_lazy("超过期限的审计记录被删除(法律保全对象的记录保留)"),
            order=50,
        )
    )
    register_part("audit_log", "core", _apply_audit_log)
    register_customer_scrubber("core.audit", _scrub_audit)
