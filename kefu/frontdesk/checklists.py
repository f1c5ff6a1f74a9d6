"""The end-of-shift checklists (《班后设施、设备安全管理记录表》, 《班后固定资产管理记录表》).

- a shift leader, supervisor or admin keeps the checklists: a kind (设施设备安全 or 固定资产), a
  name, ordered items (for assets the quantity there should be: 轮椅 3) and the officer told
  of an exception (安全员 / 资产管理员, a center staff member). A checklist is retired, never
  deleted; changing it never changes a filled one (a run copies its items);
- after each shift (a day and a shift template's code, validated as the duty record's) the desk
  fills each active checklist once: every item ok or an exception (for assets the counted
  quantity, below the expected one an exception), every exception with a note. A second
  submission for the same checklist, day and shift is refused (a unique constraint holds under
  a race too);
- each exception is sent to the checklist's officer through kefu.notify
  (``frontdesk.checklist_exception``); the officer or a shift leader closes it with what was
  done (处理结果), once;
- ``day_status``: for a day, each shift's checklists filled, missing, or with open exceptions.
Desk staff (access.may_desk) fill; every center staff member reads; department and field staff
see nothing. Every change is in the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.services import staff_of
from kefu.core.errors import Code, ServiceError
from kefu.core.services import clean_text, record_audit
from kefu.frontdesk import access, providers
from kefu.frontdesk.models import Checklist, ChecklistAnswer, ChecklistRun
from kefu.frontdesk.shift import shift_window, staff_user
from kefu.notify.services import notify_users

CHECKLIST_EVENT = "frontdesk.checklist_exception"
MAX_ITEMS = 60
MAX_QUANTITY = 99_999
NOTE_MAX = 300


@dataclass(frozen=True)
class ItemIn:
    text: str
    expected: int | None = None


@dataclass(frozen=True)
class AnswerIn:
    """One item's answer, in the checklist's order: ``ok`` (None: not answered); for assets
    ``counted`` (below the expected quantity an exception whatever ``ok`` says); ``note``
    required for an exception."""

    ok: bool | None = None
    counted: int | None = None
    note: str = ""


def _user(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _who(user: Any) -> str:
    staff = staff_of(user)
    return staff.display_name if staff else user.get_username()


# --- the checklists (supervisors keep them) ---------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in Checklist.Kind.values:
        raise ServiceError(Code.INVALID, _("请选择检查表类别"), field="kind")
    return kind


def _items(kind: str, items: list[ItemIn]) -> list[dict[str, Any]]:
    if not items:
        raise ServiceError(Code.INVALID, _("请至少填写一个检查项目"), field="items")
    if len(items) > MAX_ITEMS:
        raise ServiceError(
            Code.INVALID, _("检查项目不能超过 %(n)s 项") % {"n": MAX_ITEMS}, field="items"
        )
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        text = clean_text(
            item.text, f"items.{n}.text", limit=100, required=True, message=_("请填写检查项目")
        )
        if text in seen:
            raise ServiceError(
                Code.INVALID, _("检查项目重复:%(text)s") % {"text": text}, field=f"items.{n}.text"
            )
        seen.add(text)
        expected = None
        if kind == Checklist.Kind.ASSETS:
            expected = item.expected
            if expected is None or not 1 <= expected <= MAX_QUANTITY:
                raise ServiceError(
                    Code.INVALID,
                    _("请填写「%(text)s」的应有数量(1 至 %(max)s)")
                    % {"text": text, "max": MAX_QUANTITY},
                    field=f"items.{n}.expected",
                )
        cleaned.append({"text": text, "expected": expected})
    return cleaned


def _officer(officer_id: int | None) -> Any:
    officer = staff_user(officer_id, "officer")
    if officer is None:
        raise ServiceError(Code.INVALID, _("请选择异常通知人(安全员或资产管理员)"), field="officer")
    return officer


def _name(name: str, *, other_than: int | None = None) -> str:
    text = clean_text(name, "name", limit=60, required=True, message=_("请填写检查表名称"))
    clash = Checklist.objects.filter(name=text, is_active=True)
    if other_than is not None:
        clash = clash.exclude(pk=other_than)
    if clash.exists():
        raise ServiceError(Code.CONFLICT, _("已有同名的检查表"), field="name")
    return text


@transaction.atomic
def create_checklist(
    actor: Any, *, kind: str, name: str, items: list[ItemIn], officer_id: int | None
) -> Checklist:
    """A new checklist (shift leaders, supervisors, admins)."""
    access.require_lead(actor)
    kind = _kind(kind)
    text = _name(name)
    cleaned = _items(kind, items)
    officer = _officer(officer_id)
    now = timezone.now()
    checklist = Checklist.objects.create(
        kind=kind,
        name=text,
        items=cleaned,
        officer=officer,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    record_audit(
        actor=_user(actor),
        action="frontdesk.checklist.created",
        obj=checklist,
        detail={"kind": kind, "items": len(cleaned), "officer": officer.pk},
    )
    return checklist


def _checklist(actor: Any, checklist_id: int, *, for_update: bool = False) -> Checklist:
    access.require_read(actor)
    rows = Checklist.objects.all()
    if for_update:
        rows = rows.select_for_update()
    found = rows.filter(pk=checklist_id).first() if 0 < checklist_id < 2**62 else None
    if found is None:
        raise ServiceError(Code.NOT_FOUND, _("检查表不存在"))
    return found


def get_checklist(actor: Any, checklist_id: int) -> Checklist:
    return _checklist(actor, checklist_id)


def list_checklists(actor: Any, *, retired: bool = False) -> QuerySet[Checklist]:
    """The active checklists in order (``retired``: the retired ones as well)."""
    access.require_read(actor)
    rows = Checklist.objects.select_related("officer__staff")
    if not retired:
        rows = rows.filter(is_active=True)
    return rows.order_by("-is_active", "kind", "name", "id")


@transaction.atomic
def update_checklist(
    actor: Any,
    checklist_id: int,
    *,
    name: str,
    items: list[ItemIn],
    officer_id: int | None,
) -> Checklist:
    """Rename, change the items or the officer of an active checklist. The runs already
    filled keep the items they were filled against; the audit keeps the items before."""
    access.require_lead(actor)
    checklist = _checklist(actor, checklist_id, for_update=True)
    if not checklist.is_active:
        raise ServiceError(Code.INVALID_TRANSITION, _("已停用的检查表不能修改"))
    new: dict[str, Any] = {
        "name": _name(name, other_than=checklist.pk),
        "items": _items(checklist.kind, items),
        "officer_id": _officer(officer_id).pk,
    }
    changed = {k: v for k, v in new.items() if getattr(checklist, k) != v}
    if not changed:
        return checklist
    detail: dict[str, Any] = {"fields": sorted(k.removesuffix("_id") for k in changed)}
    if "items" in changed:
        detail["items_before"] = checklist.items
    if "officer_id" in changed:
        detail["officer_before"] = checklist.officer_id
    for key, value in changed.items():
        setattr(checklist, key, value)
    checklist.updated_at = timezone.now()
    checklist.save(update_fields=[k.removesuffix("_id") for k in changed] + ["updated_at"])
    record_audit(
        actor=_user(actor), action="frontdesk.checklist.updated", obj=checklist, detail=detail
    )
    return checklist


@transaction.atomic
def retire_checklist(actor: Any, checklist_id: int) -> Checklist:
    """停用: no longer filled after the shifts; kept with its runs. Once."""
    access.require_lead(actor)
    checklist = _checklist(actor, checklist_id, for_update=True)
    if not checklist.is_active:
        raise ServiceError(Code.CONFLICT, _("该检查表已停用"))
    checklist.is_active = False
    checklist.retired_at = timezone.now()
    checklist.save(update_fields=["is_active", "retired_at"])
    record_audit(actor=_user(actor), action="frontdesk.checklist.retired", obj=checklist)
    return checklist


# --- filling a checklist after the shift ------------------------------------------------------


def _answers(checklist: Checklist, answers: list[AnswerIn]) -> list[ChecklistAnswer]:
    items = checklist.items
    if len(answers) != len(items):
        raise ServiceError(
            Code.INVALID,
            _("共 %(n)s 个检查项目,请逐项填写") % {"n": len(items)},
            field="answers",
        )
    rows = []
    for n, (item, answer) in enumerate(zip(items, answers, strict=True)):
        text, expected = item["text"], item.get("expected")
        counted = None
        short = False
        if checklist.kind == Checklist.Kind.ASSETS:
            counted = answer.counted
            if counted is None or not 0 <= counted <= MAX_QUANTITY:
                raise ServiceError(
                    Code.INVALID,
                    _("请填写「%(text)s」的实点数量") % {"text": text},
                    field=f"answers.{n}.counted",
                )
            short = expected is not None and counted < expected
            ok = answer.ok is not False and not short
        else:
            if answer.ok is None:
                raise ServiceError(
                    Code.INVALID,
                    _("请选择「%(text)s」正常或异常") % {"text": text},
                    field=f"answers.{n}.ok",
                )
            ok = answer.ok
        note = clean_text(answer.note, f"answers.{n}.note", limit=NOTE_MAX, required=False)
        if not ok and not note:
            message = (
                _("「%(text)s」实点 %(counted)s,少于应有的 %(expected)s,请填写异常说明")
                if short
                else _("「%(text)s」异常,请填写异常说明")
            )
            raise ServiceError(
                Code.INVALID,
                message % {"text": text, "counted": counted, "expected": expected},
                field=f"answers.{n}.note",
            )
        rows.append(
            ChecklistAnswer(
                position=n + 1,
                text=text,
                expected=expected,
                counted=counted,
                ok=ok,
                note=note if not ok else "",
            )
        )
    return rows


@transaction.atomic
def submit_run(
    actor: Any,
    checklist_id: int,
    *,
    day: dt.date | None,
    shift_code: str,
    answers: list[AnswerIn],
) -> ChecklistRun:
    """The checklist filled after the shift ``shift_code`` of ``day``: every item answered.
    CONFLICT when it was already filled for that day and shift (nothing written); each
    exception is sent to the checklist's officer after commit."""
    access.require_desk(actor)
    checklist = _checklist(actor, checklist_id)
    if not checklist.is_active:
        raise ServiceError(Code.INVALID_TRANSITION, _("该检查表已停用"))
    window = shift_window(day, shift_code)
    assert day is not None
    now = timezone.now()
    if now < window.starts_at:
        raise ServiceError(Code.INVALID, _("该班次还没开始,不能填写班后检查"), field="shift")
    taken = _("「%(name)s」本班次已填写") % {"name": checklist.name}
    if ChecklistRun.objects.filter(checklist=checklist, day=day, shift_code=window.code).exists():
        raise ServiceError(Code.CONFLICT, taken)
    rows = _answers(checklist, answers)
    try:
        with transaction.atomic():
            run = ChecklistRun.objects.create(
                checklist=checklist,
                name=checklist.name,
                kind=checklist.kind,
                day=day,
                shift_code=window.code,
                shift_name=window.name,
                shift_ends_at=window.ends_at,
                officer_id=checklist.officer_id,
                filled_by=actor,
                filled_at=now,
                exceptions=sum(1 for r in rows if not r.ok),
            )
    except IntegrityError:
        # Filled at the same moment on another tablet: the other one won.
        raise ServiceError(Code.CONFLICT, taken) from None
    for row in rows:
        row.run = run
    ChecklistAnswer.objects.bulk_create(rows)
    record_audit(
        actor=_user(actor),
        action="frontdesk.checklist.submitted",
        obj=run,
        detail={
            "checklist": checklist.pk,
            "day": day.isoformat(),
            "shift": window.code,
            "exceptions": [r.position for r in rows if not r.ok],
        },
    )
    _tell_officer(run, [r for r in rows if not r.ok], who=_who(actor))
    return run


def _tell_officer(run: ChecklistRun, exceptions: list[ChecklistAnswer], *, who: str) -> None:
    shift_label = run.shift_name or run.shift_code
    for row in exceptions:
        item = row.text
        if row.expected is not None:
            item = _("%(text)s(应有 %(expected)s,实点 %(counted)s)") % {
                "text": row.text,
                "expected": row.expected,
                "counted": row.counted,
            }
        notify_users(
            CHECKLIST_EVENT,
            users=[run.officer],
            context={
                "serial": run.day.isoformat(),
                "title": run.name,
                "url": f"/frontdesk/checklists/runs/{run.pk}/",
                "shift": shift_label,
                "item": item,
                "note": row.note,
                "who": who,
            },
            key=f"{CHECKLIST_EVENT}:{run.pk}:{row.position}",
        )


def may_close(actor: Any, run: ChecklistRun) -> bool:
    """The officer told of the run's exceptions, the checklist's officer now, or a shift
    leader."""
    user = _user(actor)
    if user is None:
        return False
    return user.pk in (run.officer_id, run.checklist.officer_id) or access.may_lead(user)


@transaction.atomic
def close_exception(actor: Any, answer_id: int, *, result: str) -> ChecklistAnswer:
    """The officer (or a shift leader) closes an exception with what was done, once."""
    access.require_read(actor)
    answer = (
        ChecklistAnswer.objects.select_for_update(of=("self",))
        .select_related("run__checklist")
        .filter(pk=answer_id)
        .first()
        if 0 < answer_id < 2**62
        else None
    )
    if answer is None:
        raise ServiceError(Code.NOT_FOUND, _("检查项不存在"))
    if not may_close(actor, answer.run):
        raise ServiceError(Code.FORBIDDEN, _("只有异常通知人或班长可以处理异常"))
    if answer.ok:
        raise ServiceError(Code.INVALID_TRANSITION, _("该项没有异常"))
    if answer.closed_at is not None:
        raise ServiceError(Code.CONFLICT, _("该异常已处理"))
    answer.result = clean_text(
        result, "result", limit=NOTE_MAX, required=True, message=_("请填写处理结果")
    )
    answer.closed_at = timezone.now()
    answer.closed_by = actor
    answer.save(update_fields=["result", "closed_at", "closed_by"])
    record_audit(
        actor=_user(actor),
        action="frontdesk.checklist.closed",
        obj=answer.run,
        detail={"answer": answer.pk, "position": answer.position, "result": answer.result},
    )
    return answer


# --- reading -----------------------------------------------------------------------------------


def _with_open(rows: QuerySet[ChecklistRun]) -> QuerySet[ChecklistRun]:
    return rows.annotate(
        open_exceptions=Count(
            "answers", filter=Q(answers__ok=False, answers__closed_at__isnull=True)
        )
    )


def get_run(actor: Any, run_id: int) -> ChecklistRun:
    """A filled checklist with its answers (center staff)."""
    access.require_read(actor)
    run = (
        _with_open(ChecklistRun.objects.select_related("filled_by__staff", "officer__staff"))
        .prefetch_related("answers__closed_by__staff")
        .filter(pk=run_id)
        .first()
        if 0 < run_id < 2**62
        else None
    )
    if run is None:
        raise ServiceError(Code.NOT_FOUND, _("班后检查记录不存在"))
    return run


def list_runs(
    actor: Any,
    *,
    day: dt.date | None = None,
    shift_code: str = "",
    checklist_id: int | None = None,
    open_only: bool = False,
) -> QuerySet[ChecklistRun]:
    """The filled checklists, the newest first; ``open_only``: those with an exception not
    closed yet."""
    access.require_read(actor)
    rows = _with_open(ChecklistRun.objects.select_related("filled_by__staff", "officer__staff"))
    if day is not None:
        rows = rows.filter(day=day)
    if shift_code:
        rows = rows.filter(shift_code=shift_code)
    if checklist_id is not None:
        rows = rows.filter(checklist_id=checklist_id)
    if open_only:
        still_open = ChecklistAnswer.objects.filter(ok=False, closed_at__isnull=True)
        rows = rows.filter(pk__in=still_open.values("run_id"))
    return rows.order_by("-day", "-shift_ends_at", "checklist_id", "-id")


def shift_of_now(day: dt.date, now: dt.datetime | None = None) -> str:
    """The code of the shift the desk is in (or the last one started) on ``day``; "" if none."""
    now = now or timezone.now()
    windows = providers.windows_on(day)
    started = [w for w in windows if w.starts_at <= now]
    current = [w for w in started if now < w.ends_at]
    if current:
        return current[-1].code
    if started:
        return max(started, key=lambda w: w.ends_at).code
    return windows[0].code if windows else ""


def day_status(actor: Any, day: dt.date, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """For each shift of ``day`` (in order), each checklist: ``filled`` (with its run, its
    exceptions and those still open), ``missing`` (the shift is over and it was not filled) or
    ``pending`` (the shift is not over). A run of a checklist retired since, or of a shift no
    longer in use, is shown as filled."""
    access.require_read(actor)
    now = now or timezone.now()
    windows = providers.windows_on(day)
    checklists = list(Checklist.objects.filter(is_active=True).order_by("kind", "name", "id"))
    runs = {
        (r.shift_code, r.checklist_id): r for r in _with_open(ChecklistRun.objects.filter(day=day))
    }
    shifts: list[dict[str, Any]] = [
        {"shift": w.code, "shift_name": w.name, "starts_at": w.starts_at, "ends_at": w.ends_at}
        for w in windows
    ]
    known = {s["shift"] for s in shifts}
    for run in sorted(runs.values(), key=lambda r: (r.shift_ends_at, r.shift_code)):
        if run.shift_code not in known:
            known.add(run.shift_code)
            shifts.append(
                {
                    "shift": run.shift_code,
                    "shift_name": run.shift_name,
                    "starts_at": None,
                    "ends_at": run.shift_ends_at,
                }
            )
    active = {c.pk: c for c in checklists}
    for entry in shifts:
        code = entry["shift"]
        cells = []
        # The active checklists in order, then the runs of those retired since.
        wanted = list(active) + sorted(pk for (c, pk) in runs if c == code and pk not in active)
        for pk in wanted:
            found = runs.get((code, pk))
            if found is not None:
                state = "filled"
            elif entry["ends_at"] is not None and entry["ends_at"] <= now:
                state = "missing"
            else:
                state = "pending"
            checklist = active.get(pk)
            cells.append(
                {
                    "checklist": pk,
                    "name": found.name if found else checklist.name if checklist else "",
                    "kind": found.kind if found else checklist.kind if checklist else "",
                    "state": state,
                    "run": found.pk if found else None,
                    "exceptions": found.exceptions if found else 0,
                    "open_exceptions": getattr(found, "open_exceptions", 0) if found else 0,
                }
            )
        entry["checklists"] = cells
        entry["missing"] = sum(1 for c in cells if c["state"] == "missing")
        entry["open_exceptions"] = sum(c["open_exceptions"] for c in cells)
    return shifts
