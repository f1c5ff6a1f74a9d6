"""CTI: calls reported by the PBX in the format of Zammad's generic CTI API.

A PBX script written for Zammad posts ``event`` (newCall, answer, hangup), ``from``, ``to``,
``direction`` (in/out), ``callId``, ``user[]``, ``queue``, ``cause`` and ``answeringNumber``,
form-encoded or as JSON, to ``/api/v1/cti/<token>``. Each call is kept in the caller log; a
new inbound call pops the caller's profile on the agents' screens.

The blacklist (kefu.telephony.blacklist) is asked on an inbound newCall: a blocked number is
answered ``{"action": "reject", "reason": "busy"}`` (Zammad's generic CTI API lets the PBX
reject so), recorded as rejected and popped to nobody; a flagged number pops with a warning.
An inbound call ending unanswered goes to the callback worklist (kefu.telephony.callbacks);
an answered outbound call closes its number's open entries.

Two events beyond Zammad's, for a PBX that reports its floor (kefu.telephony.floor):
``event=agent`` with ``user`` (username, 工号 or name) and ``state`` (ready, oncall, wrapup,
break, offline), and ``event=queue`` with ``queue``, ``waiting`` and ``longestWait`` (seconds).
Answering a call puts its agent 通话中 and its hang-up starts 话后处理 by themselves. Each
event that can change the queue moves the emergency-staffing ladder (kefu.telephony.ladder).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import DEPARTMENT_ROLES, StaffProfile
from kefu.accounts.scope import scope_of
from kefu.core import refcache
from kefu.core.errors import Code, ServiceError
from kefu.core.numbers import whole
from kefu.core.phones import normalize_phone
from kefu.core.realtime import (
    AGENTS_GROUP,
    CENTER_AGENTS_GROUP,
    branch_agents_group,
    publish_on_commit,
    user_group,
)
from kefu.core.services import record_unmasked_read
from kefu.customers.models import Customer
from kefu.customers.selectors import active_owners
from kefu.telephony.blacklist import FLAG_WARNING, screen_number
from kefu.telephony.callbacks import close_by_call_back, record_missed_call
from kefu.telephony.floor import (
    STALE_AFTER,
    end_call,
    floor_changed,
    report_queue,
    set_agent_state,
    start_call,
)
from kefu.telephony.ladder import check_ladder
from kefu.telephony.models import AgentState, BlacklistEntry, CallRecord

EVENTS = {"newCall", "answer", "hangup"}
FLOOR_EVENTS = {"agent", "queue"}
# A queue figure beyond this is a PBX's error, not a queue.
MAX_WAITING = 100_000
CAUSES = {
    "normalClearing",
    "busy",
    "cancel",
    "noAnswer",
    "congestion",
    "notFound",
    "forwarded",
}


def _staff_index() -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """Who a PBX may mean (kept per process, kefu.core.refcache: staff and users are watched):
    each active staff member's login, name and 工号 → their user ids, in staff order; and
    each 手机 → the first user id with it."""

    def load() -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
        names: dict[str, list[int]] = {}
        phones: dict[str, int] = {}
        rows = (
            StaffProfile.objects.filter(user__is_active=True)
            .order_by("pk")
            .values_list("user_id", "user__username", "display_name", "employee_no", "phone")
        )
        for user_id, username, display, employee_no, phone in rows:
            for name in {username, display, employee_no}:
                if name and user_id not in names.setdefault(name, []):
                    names[name].append(user_id)
            if phone:
                phones.setdefault(phone, user_id)
        return {k: tuple(v) for k, v in names.items()}, phones

    return refcache.get(("telephony.staff_index",), load)


def _staff_matching(names: list[str]) -> list[int]:
    """The user ids of the active staff a PBX's names (login, name or 工号) mean, each once,
    in user id order."""
    index, _phones = _staff_index()
    found: list[int] = []
    for name in [n for n in names if n][:20]:
        for user_id in index.get(name, ()):
            if user_id not in found:
                found.append(user_id)
    return sorted(found)


def _user(user_id: int):
    """The user ``user_id`` as a reference to store and filter by (no query)."""
    return get_user_model()(pk=user_id)


def _identify(number: str):
    return active_owners(number).first()


def _pop(record: CallRecord, targets: list[int]) -> None:
    if record.rejected:
        return  # the PBX was told to refuse it: nobody is disturbed
    payload: dict[str, object] = {
        "type": "call." + ("ringing" if record.state == CallRecord.State.RINGING else record.state),
        "call_id": record.call_id,
        "direction": record.direction,
        "phone": record.customer_number,
        "customer_id": record.customer_id,
        "customer_name": record.customer.name if record.customer is not None else "",
        "queue": record.queue,
    }
    if record.screening == CallRecord.Screening.FLAGGED and record.blacklist_entry is not None:
        # The agent's screen warns before answering (the abuse script is fetched by the page).
        entry = record.blacklist_entry
        payload["flag"] = {
            "kind": entry.kind,
            "kind_label": str(entry.get_kind_display()),
            "reason": entry.reason,
            "warning": str(FLAG_WARNING),
        }
    customer = record.customer
    if customer is None:  # an unknown number: any agent may take it
        publish_on_commit([user_group(u) for u in targets] or AGENTS_GROUP, payload)
        return
    if record.state == CallRecord.State.RINGING:  # the customer shown, once a call
        record_unmasked_read(
            actor=None,
            action="customer.pop",
            model=Customer,
            ids=[customer.pk],
            detail={"call": record.call_id, "agents": targets},
        )
    if not targets:  # the agents who may see the customer: center-wide and the branch's
        publish_on_commit([CENTER_AGENTS_GROUP, branch_agents_group(customer.branch_id)], payload)
        return
    # An agent the PBX rings who may not see this customer answers a number, not a name.
    allowed = set(
        StaffProfile.objects.filter(user_id__in=targets)
        .filter(Q(branch__isnull=True) | Q(branch_id=customer.branch_id))
        .exclude(role__in=DEPARTMENT_ROLES)
        .values_list("user_id", flat=True)
    )
    anonymous = payload | {"customer_id": None, "customer_name": ""}
    for user_id in targets:
        publish_on_commit(user_group(user_id), payload if user_id in allowed else anonymous)


def _clean_event(params: dict) -> dict:
    event = str(params.get("event") or "")
    if event not in EVENTS and event not in FLOOR_EVENTS:
        raise ServiceError(Code.INVALID, _("未知事件:%s") % event[:40], field="event")
    call_id = str(params.get("callId") or "").strip()
    if not call_id or len(call_id) > 100:
        raise ServiceError(Code.INVALID, _("缺少 callId"), field="callId")
    direction = str(params.get("direction") or "")
    if direction not in ("in", "out"):
        raise ServiceError(Code.INVALID, _("direction 必须是 in 或 out"), field="direction")
    cause = str(params.get("cause") or "")
    if event == "hangup" and cause and cause not in CAUSES:
        raise ServiceError(Code.INVALID, _("未知挂断原因:%s") % cause[:30], field="cause")
    users = params.get("user") or []
    if isinstance(users, (str, int)) and not isinstance(users, bool):
        users = [users]
    # A JSON body may hold anything here; iterating a number or true raised TypeError (500).
    if not isinstance(users, list) or not all(
        isinstance(u, (str, int)) and not isinstance(u, bool) for u in users
    ):
        raise ServiceError(Code.INVALID, _("user 必须是字符串或字符串列表"), field="user")
    for key in ("from", "to", "queue", "answeringNumber"):
        # PostgreSQL cannot store or compare NUL characters (a DataError, so a 500).
        if "\x00" in str(params.get(key) or ""):
            raise ServiceError(Code.INVALID, _("不能包含空字符 (\\x00)"), field=key)
    if "\x00" in call_id:
        raise ServiceError(Code.INVALID, _("不能包含空字符 (\\x00)"), field="callId")
    recording = _recording_url(params)
    if any("\x00" in str(u) for u in users):
        raise ServiceError(Code.INVALID, _("不能包含空字符 (\\x00)"), field="user")
    return {
        "event": event,
        "call_id": call_id,
        "direction": direction,
        "from": str(params.get("from") or "")[:40],
        "to": str(params.get("to") or "")[:40],
        "users": [str(u)[:60] for u in users][:20],
        "queue": str(params.get("queue") or "")[:60],
        "cause": cause,
        "answering_number": str(params.get("answeringNumber") or "")[:60],
        "recording_url": recording,
    }


_RECORDING = URLValidator(schemes=["http", "https"])


def _recording_url(params: dict) -> str:
    """The recording's address a PBX may send on hangup (``recordingUrl``; an extension of
    Zammad's generic CTI API that its scripts may leave out): http(s) only, so that the link
    the pages show can only open a web address."""
    value = str(params.get("recordingUrl") or "").strip()
    if not value:
        return ""
    try:
        if len(value) > 500 or "\x00" in value:
            raise ValidationError("")
        _RECORDING(value)
    except ValidationError:
        raise ServiceError(
            Code.INVALID, _("录音地址须是 http(s) 网址,最长 500 个字符"), field="recordingUrl"
        ) from None
    return value


def _whole(params: dict, key: str, *, limit: int) -> int:
    value = params.get(key)
    if value is None or value == "":
        return 0
    return whole(value, field=key, high=limit, message=_("必须是 0 到 %d 的整数") % limit)


def _floor_event(event: str, params: dict, now: dt.datetime) -> None:
    """``event=agent`` or ``event=queue`` (see the module's docstring)."""
    if event == "queue":
        queue = str(params.get("queue") or "")[:60]
        if "\x00" in queue:
            raise ServiceError(Code.INVALID, _("不能包含空字符 (\\x00)"), field="queue")
        waiting = _whole(params, "waiting", limit=MAX_WAITING)
        longest = _whole(params, "longestWait", limit=7 * 24 * 3600)
        report_queue(queue, waiting=waiting, longest_wait_seconds=longest, now=now)
        check_ladder(now)
        return
    user = params.get("user")
    if isinstance(user, list):
        user = user[0] if len(user) == 1 else None
    if not isinstance(user, (str, int)) or isinstance(user, bool) or not str(user).strip():
        raise ServiceError(Code.INVALID, _("请给出一个坐席 (user)"), field="user")
    state = str(params.get("state") or "")
    if state not in AgentState.State.values:
        raise ServiceError(
            Code.INVALID,
            _("state 必须是 %s 之一") % ", ".join(AgentState.State.values),
            field="state",
        )
    matched = _staff_matching([str(user).strip()[:60]])
    if len(matched) != 1:
        raise ServiceError(Code.INVALID, _("找不到坐席:%s") % str(user)[:60], field="user")
    set_agent_state(_user(matched[0]), state, now=now, source="pbx")


@transaction.atomic
def handle_cti_event(params: dict) -> CallRecord | None:
    """Apply one CTI event. Events may repeat or come out of order; each is applied once.
    Returns the call (None for an agent or queue event).

    Raises ServiceError(INVALID) for a malformed event; nothing is written then.
    """
    now = timezone.now()
    event = str(params.get("event") or "")
    if event in FLOOR_EVENTS:
        _floor_event(event, params, now)
        return None
    ev = _clean_event(params)
    record = CallRecord.objects.select_for_update().filter(call_id=ev["call_id"]).first()
    if record is None:
        customer_side = ev["from"] if ev["direction"] == "in" else ev["to"]
        number = normalize_phone(customer_side)
        # The blacklist answers when the PBX asks about a new inbound call (newCall).
        listed = (
            screen_number(number, moment=now)
            if ev["event"] == "newCall" and ev["direction"] == "in"
            else None
        )
        # An outbound call is the agent's who dialled it: the one user the PBX names.
        dialler = _staff_matching(ev["users"]) if ev["direction"] == "out" else []
        try:
            with transaction.atomic():
                record = CallRecord.objects.create(
                    call_id=ev["call_id"],
                    agent=_user(dialler[0]) if len(dialler) == 1 else None,
                    direction=ev["direction"],
                    from_number=ev["from"],
                    to_number=ev["to"],
                    customer_number=number,
                    queue=ev["queue"],
                    users=ev["users"],
                    customer=_identify(number) if number else None,
                    started_at=now,
                    **({"state": CallRecord.State.RINGING} | _screening(listed, now)),
                )
        except IntegrityError:
            record = CallRecord.objects.select_for_update().get(call_id=ev["call_id"])
        else:
            floor_changed()
            if ev["event"] == "newCall":
                if ev["direction"] == "in" and not record.rejected:
                    targets = _staff_matching(ev["users"])
                    _pop(record, targets)
                    check_ladder(now)
                return record
    match ev["event"]:
        case "newCall":
            return record  # a repeated newCall changes nothing (a rejected call stays so)
        case "answer":
            if record.state == CallRecord.State.RINGING:
                record.state = CallRecord.State.ANSWERED
                record.answered_at = now
                record.answering_number = ev["answering_number"]
                # Who answered: the answering number's owner (login, name, 工号 or 手机), else
                # the one user the PBX names; nobody when that is ambiguous.
                answering = ev["answering_number"]
                matched = _staff_matching([answering]) if answering else []
                if not matched and answering:
                    by_phone = _staff_index()[1].get(answering)
                    matched = [by_phone] if by_phone else []
                if not matched:
                    matched = _staff_matching(ev["users"])
                if len(matched) == 1:
                    record.agent = _user(matched[0])
                record.save()
                floor_changed()
                start_call(record, now)
                if record.direction == "in":
                    check_ladder(now)
                    _pop(record, [record.agent_id] if record.agent_id else [])
                else:
                    close_by_call_back(record)
        case "hangup":
            if record.state != CallRecord.State.ENDED:
                record.state = CallRecord.State.ENDED
                record.ended_at = now
                record.cause = ev["cause"]
                record.recording_url = ev["recording_url"] or record.recording_url
                record.save()
                floor_changed()
                _pop(record, [record.agent_id] if record.agent_id else [])
                record_missed_call(record)
                end_call(record, now)
                if record.direction == "in" and record.answered_at is None:
                    check_ladder(now)  # a caller gave up: one fewer waiting
            elif ev["recording_url"] and ev["recording_url"] != record.recording_url:
                # The recording is often ready after the call: a later hangup brings it.
                record.recording_url = ev["recording_url"]
                record.save(update_fields=["recording_url"])
    return record


def _screening(listed: BlacklistEntry | None, now: dt.datetime) -> dict:
    """The new call's fields from the blacklist entry in force: a blocked number's call is
    rejected and ended at once (cause ``busy``, as the PBX is told); a flagged one rings."""
    if listed is None:
        return {}
    if listed.kind == BlacklistEntry.Kind.BLOCK:
        return {
            "screening": CallRecord.Screening.REJECTED,
            "blacklist_entry": listed,
            "state": CallRecord.State.ENDED,
            "ended_at": now,
            "cause": "busy",
        }
    return {"screening": CallRecord.Screening.FLAGGED, "blacklist_entry": listed}


# What the endpoint answers a PBX for a rejected call, as Zammad's generic CTI API does.
REJECT = {"action": "reject", "reason": "busy"}


def answer_cti_event(params: dict) -> dict:
    """Apply one CTI event (handle_cti_event) and return what the endpoint answers the PBX:
    ``{"action": "reject", "reason": "busy"}`` to a newCall from a blocked number (also when
    the newCall repeats), else ``{}`` like Zammad."""
    record = handle_cti_event(params)
    if record is not None and record.rejected and params.get("event") == "newCall":
        return dict(REJECT)
    return {}


# A request typed in by hand is linked to the agent's own call from that number this recent.
LINK_WITHIN = dt.timedelta(hours=1)


def link_call(ticket, *, actor, call_id: str = "") -> CallRecord | None:
    """Link the call a request came on to its ticket (the caller log shows the ticket). The
    call named by the PBX's ``call_id`` when the pop carried it (a call_id that names no call
    is refused: nothing is saved); else the agent's own latest inbound call from the ticket's
    caller number in the last hour not linked yet; else none (a walk-in, a letter)."""
    if call_id:
        record = CallRecord.objects.filter(call_id=call_id).first()
        if record is None:
            raise ServiceError(Code.INVALID, _("来电记录不存在"), field="call_id")
    else:
        number = normalize_phone(ticket.caller_number or "")
        if not number or not getattr(actor, "is_authenticated", False):
            return None
        record = (
            CallRecord.objects.filter(
                customer_number=number,
                direction=CallRecord.Direction.IN,
                agent=actor,
                started_at__gte=timezone.now() - LINK_WITHIN,
                tickets__isnull=True,
            )
            .order_by("-started_at")
            .first()
        )
        if record is None:
            return None
    record.tickets.add(ticket)
    return record


def calls_of_ticket(actor, ticket) -> list[CallRecord]:
    """The calls a ticket was taken on, for the center's staff (the caller log's rule: calls
    and their recordings are not the departments'); none for anyone else."""
    if not scope_of(actor).is_center:
        return []
    return list(ticket.calls.select_related("agent").order_by("started_at"))


def list_calls(actor, *, number: str = "", limit: int = 50):
    """The newest calls, for the center's staff: the caller log is not the departments'. A
    branch's staff see the calls of their branch's customers and of numbers no customer has
    (another branch's customers are not theirs, as in the archive)."""
    scope = scope_of(actor)
    if not scope.is_center:
        raise ServiceError(Code.FORBIDDEN, _("通话记录仅限客服中心人员查看"))
    qs = CallRecord.objects.select_related("customer", "agent").prefetch_related("tickets")
    if not scope.everything:
        qs = qs.filter(Q(customer__isnull=True) | Q(customer__branch_id=scope.branch_id))
    if number:
        qs = qs.filter(customer_number=normalize_phone(number))
    return list(qs.order_by("-started_at")[:limit])


STALE_BATCH = 500


def close_stale_calls(*, now: dt.datetime | None = None) -> int:
    """End calls the PBX never hung up (a lost hangup event) after STALE_AFTER.

    One conditional UPDATE per batch: two workers running it at once end each call once.
    """
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    ids = list(
        CallRecord.objects.filter(
            state__in=[CallRecord.State.RINGING, CallRecord.State.ANSWERED],
            started_at__lt=cutoff,
        ).values_list("id", flat=True)[:STALE_BATCH]
    )
    if not ids:
        return 0
    return CallRecord.objects.filter(
        id__in=ids, state__in=[CallRecord.State.RINGING, CallRecord.State.ANSWERED]
    ).update(state=CallRecord.State.ENDED, ended_at=now, cause="lost")
