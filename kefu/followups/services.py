"""Callback and survey operations (DOMAIN §2 回访, §6): the tasks the rules make when a ticket is
resolved, manual callback tasks, each callback attempt and what follows from it, the
customer's answer to a survey link, and the sweep that expires old links.

Each function checks the actor, locks (the ticket first, then the task: the ticket's own
transitions lock it too), validates, writes, records the ticket's timeline, and queues sending
after commit; a refused call changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kefu.accounts.models import Role
from kefu.complaints import services as complaints
from kefu.core.calendar import WorkingCalendar
from kefu.core.errors import Code, ServiceError
from kefu.core.said import Said, said
from kefu.core.services import clean_text
from kefu.followups import tasks
from kefu.followups.access import access_task, can_call_back
from kefu.followups.models import (
    Attempt,
    CallbackRule,
    CallbackTask,
    Clock,
    FollowupSettings,
    Method,
    Purpose,
    Survey,
)
from kefu.notify.models import Delivery
from kefu.notify.services import notify_users, send_sms
from kefu.sla import services as sla
from kefu.sla.models import Deadline
from kefu.tickets import services as tickets
from kefu.tickets.access import access_ticket
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.timeline import record_event

logger = logging.getLogger(__name__)

MAX_NOTE = 2000
MAX_COMMENT = 500
TOKEN_BYTES = 24  # 32 URL-safe characters, 192 random bits
MANUAL_DUE_DAYS = 2  # a manual task without a due time: 2 working days, like a complaint's
REOPENABLE = Ticket.ACTIONS["reopen"][0]
EXCLUDED_BY_CUSTOMER = (CallbackTask.Excluded.DECLINED, CallbackTask.Excluded.ANONYMOUS)


# ---------------------------------------------------------------------------------- access


def _require_caller(actor) -> None:
    if not can_call_back(actor):
        raise ServiceError(Code.FORBIDDEN, _("只有客服中心坐席、班长和主管可以回访"))


def _text(value: str, field: str, limit: int, *, required: bool = False, message: str = "") -> str:
    return clean_text(value, field, limit=limit, required=required, message=message)


def _log(ticket: Ticket, *, actor, action: str, note: str | Said, **data) -> None:
    # A callback line on the ticket's timeline (kind "note": the timeline's kinds belong to
    # kefu.tickets; ``action`` tells callback lines apart).
    record_event(
        ticket, actor=actor, kind=TicketEvent.Kind.NOTE, action=action, note=note, data=data
    )


def _when(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------------------------- rules


CALLBACK_TARGET = "callback"  # the time-limit target a callback meets (kefu.sla MEETS)


def choose_rule(ticket: Ticket) -> CallbackRule | None:
    """The active rule naming the most of the ticket's type, complaint class and severity."""
    complaint = getattr(ticket, "complaint", None) if ticket.type.code == "complaint" else None
    klass = complaint.complaint_class if complaint is not None else ""
    severity = complaint.severity if complaint is not None else ""
    matching = [
        rule
        for rule in CallbackRule.objects.filter(
            Q(ticket_type__isnull=True) | Q(ticket_type_id=ticket.type_id), is_active=True
        )
        if rule.complaint_class in ("", klass) and rule.severity in ("", severity)
    ]
    return max(matching, key=lambda r: (r.specificity, -r.id), default=None)


def _hash_fraction(rule: CallbackRule, serial: str) -> float:
    digest = hashlib.sha256(f"callback-sample:{rule.pk}:{serial}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_sampled(ticket: Ticket, rule: CallbackRule) -> bool:
    """Whether a ticket a sampling rule covers is called back.

    Two parts. A stable hash of the rule and the serial against the rate: reproducible (an
    auditor recomputes every decision from the serial), not chosen by any agent, and spread
    evenly over the day and the departments. Alone it only approaches the rate on average: over
    100 complaints it could pick 26. So a running quota tops it up: a ticket is also picked when
    the sampled share of this rule's tickets so far would otherwise fall below the rate; at any
    moment sampled ≥ rate × considered, rounded down (over 100 at 30%: at least 30).

    The rule row is locked while deciding, so two resolutions at once count each other. Tickets
    excluded because the customer declined or stayed anonymous are not in the count.
    """
    if rule.sample_percent >= 100:
        return True
    CallbackRule.objects.select_for_update().filter(pk=rule.pk).first()
    counts = (
        CallbackTask.objects.filter(rule=rule)
        .exclude(excluded_reason__in=EXCLUDED_BY_CUSTOMER)
        .aggregate(
            considered=Count("ticket", distinct=True),
            sampled=Count("ticket", distinct=True, filter=~Q(state=CallbackTask.State.EXCLUDED)),
        )
    )
    floor = rule.sample_percent * (counts["considered"] + 1) // 100
    if counts["sampled"] < floor:
        return True
    return _hash_fraction(rule, ticket.serial) < rule.sample_percent / 100


def _rule_due(rule: CallbackRule, start: dt.datetime) -> dt.datetime:
    if rule.clock == Clock.CALENDAR_DAYS:
        return WorkingCalendar.add_calendar_days(start, rule.within)
    return WorkingCalendar().add_working_days(start, rule.within)


def _due_at(ticket: Ticket, rule: CallbackRule, start: dt.datetime) -> dt.datetime:
    """The ticket's own callback deadline (kefu.sla) when it has one, else the rule's time."""
    deadline = (
        Deadline.objects.filter(ticket=ticket, code="callback")
        .exclude(state=Deadline.State.CANCELLED)
        .order_by("-started_at")
        .first()
    )
    return deadline.due_at if deadline is not None else _rule_due(rule, start)


def _default_assignee(ticket: Ticket):
    """The agent who took the request calls back, if a center caller; else whoever first
    records an attempt."""
    user = ticket.created_by
    return user if user is not None and can_call_back(user) else None


# ---------------------------------------------------------------------------------- on resolve


def on_ticket_resolved(ticket: Ticket, *, actor) -> CallbackTask | None:
    """A ticket was resolved: make its callback task by rule (or the excluded row saying why
    not) and its survey invitation. Called through kefu.tickets.hooks inside the resolve
    transaction, the ticket row locked. Returns the open task made, if any."""
    at = ticket.resolved_at or timezone.now()
    rule = choose_rule(ticket)
    task = None
    if rule is not None and rule.sample_percent > 0:
        task = _task_by_rule(ticket, rule, actor=actor, at=at)
    if task is not None and not task.is_open:
        task = None
    if task is None and not CallbackTask.objects.filter(ticket=ticket, state="open").exists():
        sla.stop_target(ticket, CALLBACK_TARGET)  # no callback due: its clock must not breach
    _invite_survey(ticket, rule=rule, task=task, actor=actor, at=at)
    return task


# Ticket actions that end a callback task still open, and how.
ENDED_BY = {"follow_up", "close", "cancel", "merge", "reopen"}


def on_ticket_transition(ticket: Ticket, action: str, *, actor) -> None:
    """A ticket action ends its open callback tasks: 已回访 taken on the ticket page records
    the callback as done there; archiving, cancelling or merging the ticket cancels them, and
    reopening it too (the next resolution makes a new one).
    Called through kefu.tickets.hooks inside the action's transaction."""
    if action not in ENDED_BY:
        return
    now = timezone.now()
    for task in CallbackTask.objects.select_for_update().filter(
        ticket=ticket, state=CallbackTask.State.OPEN
    ):
        if action == "follow_up":
            task.state, task.outcome = CallbackTask.State.DONE, CallbackTask.Outcome.SATISFIED
            task.note = _("已在工单页记录回访")
        elif action == "reopen":
            task.state = CallbackTask.State.CANCELLED
            task.note = _("工单重新处理,办结后重新回访")
        else:
            task.state = CallbackTask.State.CANCELLED
            task.note = _("工单已结束,回访任务取消")
        task.finished_at, task.next_attempt_at = now, None
        task.save(update_fields=["state", "outcome", "note", "finished_at", "next_attempt_at"])
        _log(ticket, actor=actor, action="callback_ended", note=task.note, task=task.id)


def _task_by_rule(ticket: Ticket, rule: CallbackRule, *, actor, at: dt.datetime):
    tasks = list(CallbackTask.objects.filter(ticket=ticket).order_by("id"))
    if any(t.is_open for t in tasks):
        return None  # resolved again before the callback: the open task stands
    earlier = next((t for t in tasks if t.rule_id is not None), None)
    reason = ""
    if earlier is not None:
        # Decided once per ticket: one not called back stays so (and is counted once); one
        # called back is called again after each new resolution (unsatisfied, redone).
        if earlier.state == CallbackTask.State.EXCLUDED:
            return None
    elif ticket.callback_declined:
        reason = CallbackTask.Excluded.DECLINED
    elif ticket.anonymous:
        reason = CallbackTask.Excluded.ANONYMOUS
    elif not is_sampled(ticket, rule):
        reason = CallbackTask.Excluded.NOT_SAMPLED
    complaint = getattr(ticket, "complaint", None) if ticket.type.code == "complaint" else None
    task = CallbackTask.objects.create(
        ticket=ticket,
        rule=rule,
        purpose=rule.purpose,
        method=rule.method,
        state=CallbackTask.State.EXCLUDED if reason else CallbackTask.State.OPEN,
        excluded_reason=reason,
        assignee=_default_assignee(ticket),
        department=ticket.department,
        due_at=_due_at(ticket, rule, at),
        max_attempts=rule.max_attempts,
        retry_minutes=rule.retry_minutes,
        created_at=at,
        finished_at=at if reason else None,
    )
    if reason:
        note = _("不回访:%s") % CallbackTask.Excluded(reason).label
    else:
        note = _("%(method)s,%(due)s 前完成") % {
            "method": Method(task.method).label,
            "due": _when(task.due_at),
        }
        if complaint is not None and rule.sample_percent < 100:
            note = _("抽中回访:") + note
    _log(
        ticket,
        actor=actor,
        action="callback_planned",
        note=note,
        task=task.id,
        rule=rule.name,
        excluded=reason,
    )
    return task


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _invite_survey(ticket: Ticket, *, rule, task, actor, at: dt.datetime) -> Survey | None:
    config = FollowupSettings.current()
    wanted = rule.send_survey if rule is not None else config.survey_without_rule
    if not wanted or not ticket.caller_number or ticket.callback_declined or ticket.anonymous:
        return None
    if Survey.objects.filter(ticket=ticket, state=Survey.State.PENDING).exists():
        return None
    survey = Survey.objects.create(
        ticket=ticket,
        task=task,
        agent=ticket.created_by,
        department=ticket.department,
        token=_new_token(),
        channel=Survey.Channel.SMS,
        created_at=at,
        expires_at=at + dt.timedelta(days=config.survey_valid_days),
    )
    _log(
        ticket,
        actor=actor,
        action="survey_invited",
        note=said(gettext_noop("满意度短信邀请,%(until)s 前有效"), until=_when(survey.expires_at)),
        survey=survey.id,
    )
    transaction.on_commit(lambda: _queue_invite(survey.id))
    return survey


def _queue_invite(survey_id: int) -> None:
    tasks.send_survey_invite(survey_id)


def survey_url(survey: Survey) -> str:
    base = FollowupSettings.current().public_url.rstrip("/")
    return base + reverse("survey", args=[survey.token])


def _send_survey_sms(survey: Survey) -> bool:
    """Hand the invitation to the SMS gateway (kefu.notify). Returns whether it is queued
    (now or by an earlier call: the key makes a repeated call send once); False for a number
    the gateway cannot use."""
    key = f"survey:{survey.id}"
    queued = send_sms(
        survey.ticket.caller_number,
        event="survey.invite",
        context={"serial": survey.ticket.serial, "url": survey_url(survey)},
        key=key,
    )
    return queued is not None or Delivery.objects.filter(key=key).exists()


def send_survey_invite(survey_id: int) -> bool:
    """Send a pending survey's link by SMS, once: the row is claimed by a conditional update
    (sent_at), so a retried task never sends twice. Returns whether it was handed over."""
    now = timezone.now()
    survey = Survey.objects.select_related("ticket").filter(pk=survey_id).first()
    if survey is None or survey.state != Survey.State.PENDING or survey.sent_at is not None:
        return False
    if not Survey.objects.filter(pk=survey_id, sent_at__isnull=True).update(sent_at=now):
        return False
    try:
        handed = _send_survey_sms(survey)
    except Exception:
        Survey.objects.filter(pk=survey_id).update(sent_at=None)  # a retry may send it
        raise
    if not handed:
        Survey.objects.filter(pk=survey_id).update(sent_at=None)  # not sent: say so
    return handed


# ---------------------------------------------------------------------------------- manual


@transaction.atomic
def create_callback(
    serial: str,
    *,
    actor,
    purpose: str = Purpose.AFTER_SALES,
    method: str = Method.PHONE,
    due_at: dt.datetime | None = None,
    note: str = "",
    assignee=None,
) -> CallbackTask:
    """A callback task an agent makes by hand (售后回访, 流失会员回访, ...), assigned to them
    (or to ``assignee``: the agent who promised the caller an answer).

    Locks the ticket. Raises ServiceError: FORBIDDEN for other roles, NOT_FOUND for a ticket
    the actor may not see, INVALID for bad fields, CONFLICT when the ticket already has an open
    callback, INVALID_TRANSITION for a cancelled or merged ticket.
    """
    _require_caller(actor)
    ticket = access_ticket(actor, serial, for_update=True)
    if purpose not in Purpose.values:
        raise ServiceError(Code.INVALID, _("回访类别无效"), field="purpose")
    if method not in Method.values:
        raise ServiceError(Code.INVALID, _("回访方式无效"), field="method")
    note = _text(note, "note", MAX_NOTE)
    if ticket.status in (Status.CANCELLED, Status.MERGED):
        raise ServiceError(Code.INVALID_TRANSITION, _("工单已撤销或已合并,不能回访"))
    now = timezone.now()
    if due_at is None:
        due_at = WorkingCalendar().add_working_days(now, MANUAL_DUE_DAYS)
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    if not now - dt.timedelta(minutes=5) < due_at < now + dt.timedelta(days=366):
        raise ServiceError(Code.INVALID, _("回访期限应在当前时间之后一年以内"), field="due_at")
    if CallbackTask.objects.filter(ticket=ticket, state=CallbackTask.State.OPEN).exists():
        raise ServiceError(Code.CONFLICT, _("该工单已有待回访任务"))
    task = CallbackTask.objects.create(
        ticket=ticket,
        purpose=purpose,
        method=method,
        assignee=assignee or actor,
        department=ticket.department,
        due_at=due_at,
        note=note,
        created_at=now,
        created_by=actor,
    )
    _log(
        ticket,
        actor=actor,
        action="callback_planned",
        note=said(
            gettext_noop("%(purpose)s:%(method)s,%(due)s 前完成"),
            purpose=Purpose(purpose).label,
            method=Method(method).label,
            due=_when(due_at),
            tail=f"({note})" if note else "",
        ),
        task=task.id,
    )
    return task


# ---------------------------------------------------------------------------------- attempts


@transaction.atomic
def record_attempt(
    task_id: int,
    *,
    actor,
    outcome: str,
    note: str = "",
    score: int | None = None,
    comment: str = "",
) -> CallbackTask:
    """Record one callback attempt and what follows from it:

    - satisfied: the task is done; a resolved ticket takes the ``follow_up`` action (which
      meets its callback deadline) with the note;
    - unsatisfied (the customer's words in ``note``): the task is done; a complaint goes back
      to its department through kefu.complaints (record_unsatisfied), another ticket is
      reopened with the words;
    - unreachable: tried again after the task's interval, until its last attempt, when the
      task ends as given up and the ticket's timeline says so;
    - refused: the customer does not want the callback; the task ends as refused.

    ``score`` (1–5) and ``comment`` record the satisfaction survey at the callback.
    Locks the ticket, then the task. Raises ServiceError: FORBIDDEN for department staff, the
    quality inspector and the general manager; NOT_FOUND; INVALID for bad fields;
    INVALID_TRANSITION for a finished task or a retry before its time.
    """
    _require_caller(actor)
    task = access_task(actor, task_id)
    ticket = access_ticket(actor, task.ticket.serial, for_update=True)
    task = CallbackTask.objects.select_for_update().get(pk=task.pk)
    task.ticket = ticket
    if not task.is_open:
        raise ServiceError(Code.INVALID_TRANSITION, _("回访任务已结束"))
    if outcome not in Attempt.Outcome.values:
        raise ServiceError(Code.INVALID, _("回访结果无效"), field="outcome")
    unsatisfied = outcome == Attempt.Outcome.UNSATISFIED
    note = _text(note, "note", MAX_NOTE, required=unsatisfied, message=_("请记录客户的原话"))
    comment = _text(comment, "comment", MAX_COMMENT)
    reached = outcome in (Attempt.Outcome.SATISFIED, Attempt.Outcome.UNSATISFIED)
    if score is not None and (not reached or not 1 <= score <= 5):
        raise ServiceError(Code.INVALID, _("满意度评分为 1–5 分,联系上客户时填写"), field="score")
    now = timezone.now()
    if (
        outcome == Attempt.Outcome.UNREACHABLE
        and task.next_attempt_at is not None
        and now < task.next_attempt_at
    ):
        raise ServiceError(
            Code.INVALID_TRANSITION,
            _("请于 %s 后再次联系") % _when(task.next_attempt_at),
            field="outcome",
        )
    task.attempts += 1
    Attempt.objects.create(
        task=task, number=task.attempts, at=now, actor=actor, outcome=outcome, note=note
    )
    if task.assignee_id is None:
        task.assignee = actor
    label = Attempt.Outcome(outcome).label
    line = _("第 %(n)d 次%(method)s:%(outcome)s") % {
        "n": task.attempts,
        "method": Method(task.method).label,
        "outcome": label,
    }
    finish = None
    match outcome:
        case Attempt.Outcome.SATISFIED:
            finish, task.outcome = CallbackTask.State.DONE, CallbackTask.Outcome.SATISFIED
        case Attempt.Outcome.UNSATISFIED:
            finish, task.outcome = CallbackTask.State.DONE, CallbackTask.Outcome.UNSATISFIED
        case Attempt.Outcome.REFUSED:
            finish = CallbackTask.State.REFUSED
        case Attempt.Outcome.UNREACHABLE if task.attempts >= task.max_attempts:
            finish = CallbackTask.State.GIVEN_UP
            task.note = _("联系 %d 次均未联系上,结束回访") % task.attempts
            line += " · " + task.note
        case _:
            task.next_attempt_at = now + dt.timedelta(minutes=task.retry_minutes)
            line += " · " + _("%s 后再次联系") % _when(task.next_attempt_at)
    if finish is not None:
        task.state, task.finished_at, task.next_attempt_at = finish, now, None
    task.save()
    if finish in (CallbackTask.State.GIVEN_UP, CallbackTask.State.REFUSED):
        sla.stop_target(ticket, CALLBACK_TARGET)  # ended without a callback: no breach follows
    _log(
        ticket,
        actor=actor,
        action=f"callback_{outcome}",
        note=f"{line}\n{note}" if note else line,
        task=task.id,
        attempt=task.attempts,
        score=score,
    )
    if score is not None:
        _record_score(ticket, task, score=score, comment=comment, actor=actor, at=now)
    if outcome == Attempt.Outcome.SATISFIED and ticket.status == Status.RESOLVED:
        tickets.transition_ticket(
            ticket.serial, actor=actor, action="follow_up", note=note or str(label)
        )
    elif unsatisfied and ticket.status in REOPENABLE:
        sla.fulfil_target(ticket, CALLBACK_TARGET, now)  # the callback was made
        _send_back(ticket, actor=actor, words=note)
    return task


def _send_back(ticket: Ticket, *, actor, words: str) -> None:
    """The customer is not satisfied: the request is handled again, by its department."""
    if ticket.type.code == "complaint" and getattr(ticket, "complaint", None) is not None:
        complaints.record_unsatisfied(ticket.serial, actor=actor, words=words)
        return
    tickets.transition_ticket(
        ticket.serial, actor=actor, action="reopen", note=_("客户不满意:%s") % words
    )


def _record_score(
    ticket: Ticket, task: CallbackTask | None, *, score: int, comment: str, actor, at: dt.datetime
) -> Survey:
    """The survey answered on the phone (at the callback, or an outbound survey call): the
    ticket's pending SMS survey if there is one (its link then no longer works), else a new
    survey without a link."""
    survey = (
        Survey.objects.select_for_update()
        .filter(ticket=ticket, state=Survey.State.PENDING)
        .order_by("-id")
        .first()
    )
    if survey is None:
        survey = Survey(
            ticket=ticket,
            agent=ticket.created_by,
            department=ticket.department,
            created_at=at,
            expires_at=at,
        )
    survey.task = task
    survey.state, survey.channel = Survey.State.ANSWERED, Survey.Channel.CALLBACK
    survey.score, survey.comment = score, comment
    survey.answered_at, survey.answered_by = at, actor
    survey.save()
    return survey


@transaction.atomic
def record_phone_survey(ticket_id: int, *, actor, score: int, comment: str = "") -> Survey:
    """A satisfaction survey answered on an outbound survey call (kefu.outbound): the ticket's
    survey is answered (its pending link no longer works), the timeline says so, and a low
    score is followed up as one given through the link is.

    Locks the ticket. Raises ServiceError: FORBIDDEN for roles that make no calls, NOT_FOUND
    for a ticket the actor may not see, INVALID for a bad score, INVALID_TRANSITION when the
    request is not resolved or already rated."""
    _require_caller(actor)
    ticket = Ticket.objects.filter(pk=ticket_id).only("serial").first()
    if ticket is None:
        raise ServiceError(Code.NOT_FOUND, _("工单不存在"))
    ticket = access_ticket(actor, ticket.serial, for_update=True)
    if ticket.status not in RATABLE:
        raise ServiceError(Code.INVALID_TRANSITION, _("工单办结后才能评价"))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ServiceError(Code.INVALID, _("满意度评分为 1–5 分"), field="score")
    comment = _text(comment, "comment", MAX_COMMENT)
    if Survey.objects.filter(ticket=ticket, state=Survey.State.ANSWERED).exists():
        raise ServiceError(Code.INVALID_TRANSITION, _("该工单已评价过"))
    now = timezone.now()
    survey = _record_score(ticket, None, score=score, comment=comment, actor=actor, at=now)
    _answered(survey, actor=actor, words=gettext_noop("电话满意度调查:%(score)d 分"), now=now)
    return survey


def _answered(survey: Survey, *, actor, words: str, now: dt.datetime) -> None:
    """A survey was answered: the ticket's timeline says so (``words`` with the score and the
    comment), and a low score is followed up."""
    record_event(
        survey.ticket,
        actor=actor,
        kind=TicketEvent.Kind.NOTE,
        action="survey_answered",
        note=said(
            words,
            score=survey.score,
            tail=f"\n{survey.comment}" if survey.comment else "",
        ),
        data={"survey": survey.id, "score": survey.score},
    )
    if survey.score is not None and survey.score <= LOW_SCORE:
        _follow_low_score(survey, now)


# ---------------------------------------------------------------------------------- surveys


def _survey_for_token(token: str, *, for_update: bool = False) -> Survey:
    """The survey of a link, if it may still be answered. NOT_FOUND for an unknown token;
    INVALID_TRANSITION (the page answers 410 Gone) for one used or expired."""
    token = str(token or "")
    if not 20 <= len(token) <= 64 or "\x00" in token:
        raise ServiceError(Code.NOT_FOUND, _("链接无效,请核对短信中的地址"))
    qs = Survey.objects.select_related("ticket__type")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    survey = qs.filter(token=token).first()
    if survey is None:
        raise ServiceError(Code.NOT_FOUND, _("链接无效,请核对短信中的地址"))
    if survey.state == Survey.State.ANSWERED:
        raise ServiceError(Code.INVALID_TRANSITION, _("您已评价过,感谢您的反馈"))
    if survey.state == Survey.State.EXPIRED or survey.expires_at <= timezone.now():
        raise ServiceError(Code.INVALID_TRANSITION, _("链接已过期,如需评价请致电客服中心"))
    return survey


def open_survey(token: str) -> Survey:
    """The survey behind a link, for its page (no login). Raises as ``answer_survey``."""
    return _survey_for_token(token)


@transaction.atomic
def answer_survey(token: str, *, score, comment: str = "") -> Survey:
    """The customer's answer through the SMS link: a 1–5 score and a comment, once.

    Locks the survey. Raises ServiceError: NOT_FOUND for an unknown token, INVALID_TRANSITION
    for a link used or expired, INVALID for a bad score; nothing is written then.
    """
    survey = _survey_for_token(token, for_update=True)
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise ServiceError(Code.INVALID, _("请选择 1–5 分"), field="score")
    comment = _text(comment, "comment", MAX_COMMENT)
    now = timezone.now()
    survey.state, survey.channel = Survey.State.ANSWERED, Survey.Channel.SMS
    survey.score, survey.comment, survey.answered_at = score, comment, now
    survey.save(update_fields=["state", "channel", "score", "comment", "answered_at"])
    _answered(survey, actor=None, words=gettext_noop("客户满意度评价:%(score)d 分"), now=now)
    return survey


LOW_SCORE = 2  # 不满意 or worse: somebody calls the customer back
RATABLE = (Status.RESOLVED, Status.FOLLOWED_UP, Status.CLOSED)


@transaction.atomic
def rate_ticket(ticket_id: int, *, score, comment: str = "") -> Survey:
    """The customer's own rating of their resolved request (the portal, no login; the
    caller has proved the number): answers the ticket's pending survey link, else a survey
    made now and answered at once, as through a link (a low score is followed up).

    Locks the ticket. Raises ServiceError: INVALID_TRANSITION when the ticket is not resolved
    or already rated, INVALID for a bad score; nothing is written then."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    if ticket.status not in RATABLE:
        raise ServiceError(Code.INVALID_TRANSITION, _("工单办结后才能评价"))
    if Survey.objects.filter(ticket=ticket, state=Survey.State.ANSWERED).exists():
        raise ServiceError(Code.INVALID_TRANSITION, _("您已评价过,感谢您的反馈"))
    now = timezone.now()
    survey = Survey.objects.filter(
        ticket=ticket, state=Survey.State.PENDING, expires_at__gt=now
    ).first()
    if survey is None or not survey.token:
        survey = Survey.objects.create(
            ticket=ticket,
            agent=ticket.created_by,
            department=ticket.department,
            token=_new_token(),
            channel=Survey.Channel.SMS,
            created_at=now,
            expires_at=now + dt.timedelta(days=1),
        )
    return answer_survey(str(survey.token), score=score, comment=comment)


def _follow_low_score(survey: Survey, now: dt.datetime) -> None:
    """A dissatisfied answer through the link is not left alone: a callback task for the
    next working day, and the team leads told, so the center hears the customer out (and,
    for a complaint, sends it back through 客户不满意)."""
    ticket = survey.ticket
    if CallbackTask.objects.filter(ticket=ticket, state=CallbackTask.State.OPEN).exists():
        return
    purpose = Purpose.COMPLAINT if ticket.type.code == "complaint" else Purpose.SATISFACTION
    task = CallbackTask.objects.create(
        ticket=ticket,
        purpose=purpose,
        method=Method.PHONE,
        department=ticket.department,
        due_at=WorkingCalendar().add_working_days(now, 1),
        note=_("满意度评价 %d 分") % survey.score,
        created_at=now,
    )
    _log(
        ticket,
        actor=None,
        action="callback_planned",
        note=said(
            gettext_noop("满意度评价 %(score)d 分,%(due)s 前回访"),
            score=survey.score,
            due=_when(task.due_at),
        ),
        task=task.id,
    )

    notify_users(
        "followup.due",
        users=get_user_model().objects.filter(is_active=True, staff__role=Role.TEAM_LEAD),
        context={"due": _when(task.due_at)},
        key=f"survey:{survey.id}:low",
        ticket=ticket,
    )


SWEEP_BATCH = 1000


def sweep_expired_surveys(now: dt.datetime | None = None) -> int:
    """Mark unanswered survey links past their time expired (one conditional update: two
    workers never expire one twice). Returns how many."""
    now = now or timezone.now()
    ids = list(
        Survey.objects.filter(state=Survey.State.PENDING, expires_at__lte=now).values_list(
            "pk", flat=True
        )[:SWEEP_BATCH]
    )
    return Survey.objects.filter(pk__in=ids, state=Survey.State.PENDING).update(
        state=Survey.State.EXPIRED
    )
