"""Web chat: a visitor's chat from the widget to an agent, 留言 when nobody can take it, and the
chat becoming (or joining) a ticket.

Every change goes through here; the websocket consumers and the views only call these
functions. Pushes go out after the commit (kefu.core.realtime.publish_on_commit) to:
``visitor_group(session)`` (the visitor's page), ``agent_group(user)`` (the agent who has
the chat) and ``watchers(session)`` (the consoles that see the chat while it waits: the
waiting list changed).

A chat may be a branch's (``ChatSession.branch``: the website's widget names it): its
branch's agents and the center-wide staff take it, nobody else sees it. ``chat_branches``
is that rule; the console's list, ``access_session`` and the push groups all follow it.

While a chat is linked to a ticket each line is recorded in the ticket's conversation: the
visitor's through ``kefu.conversations.services.receive`` (``serial`` of the ticket), the
agent's through ``reply(via="chat")``, which hands the line back to ``deliver`` (registered as
the chat channel's sender) — so a reply written on the ticket page reaches the open chat too.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch, Role, StaffProfile
from kefu.accounts.scope import scope_of
from kefu.chat.models import (
    MAX_LINE,
    PRESENCE_FRESH,
    AgentPresence,
    ChatLine,
    ChatSession,
    ChatSettings,
)
from kefu.conversations import services as conversations
from kefu.conversations.models import Message
from kefu.core import refcache
from kefu.core.actor import Actor, user_of
from kefu.core.calendar import WorkingCalendar
from kefu.core.errors import Code, ServiceError
from kefu.core.phones import normalize_phone
from kefu.core.realtime import publish_on_commit
from kefu.core.wording import check_outbound
from kefu.tickets.access import access_ticket
from kefu.tickets.models import Channel, Ticket

logger = logging.getLogger(__name__)

# Every console (presence, the chats without a branch); the center-wide consoles; each
# branch's agents' consoles (branch_agents_group).
CHAT_AGENTS = "chat.agents"
CHAT_CENTER = "chat.agents.center"
FLOOD_WINDOW = dt.timedelta(seconds=5)
MAX_NAME = 40


def visitor_group(session_id: int) -> str:
    return f"chat.visitor.{session_id}"


def agent_group(user_id: int) -> str:
    return f"chat.agent.{user_id}"


def branch_agents_group(branch_id: int) -> str:
    return f"chat.agents.branch.{branch_id}"


# ------------------------------------------------------------------------------ branches


def chat_branch(code: str) -> Branch | None:
    """The active branch a website's widget names (``data-branch``, a branch code). An
    unknown or inactive code is logged and gives None: the chat is then the center's (any
    agent takes it) rather than refused — a visitor is never turned away for the site's
    mistake."""
    code = (code or "").strip()
    if not code:
        return None
    branch = Branch.objects.filter(code=code[:20], is_active=True).first()
    if branch is None:
        logger.warning("chat widget names unknown or inactive branch %r: center-wide", code[:40])
    return branch


def chat_branches(actor: Actor) -> tuple[int, ...] | None:
    """The branches whose chats the agent sees and takes, besides the chats without a
    branch: None for every branch (the center-wide staff), else their own branch's. The one
    rule of who sees a chat; the console's list, ``access_session`` and the push groups
    follow it."""
    scope = scope_of(actor)
    if scope.everything:
        return None
    return () if scope.branch_id is None else (scope.branch_id,)


def may_see_chat(actor: Actor, session: ChatSession) -> bool:
    branches = chat_branches(actor)
    return branches is None or session.branch_id is None or session.branch_id in branches


def chats_seen_by(actor: Actor) -> Q:
    """``may_see_chat`` as a filter of ChatSession rows."""
    branches = chat_branches(actor)
    if branches is None:
        return Q()
    return Q(branch__isnull=True) | Q(branch_id__in=branches)


def console_groups(actor: Actor) -> list[str]:
    """The push groups the agent's console joins: every console's, their own, and the
    center-wide consoles' or their branch's (so a branch's waiting chat reaches only those
    who may see it — by the channel layer, with Redis across servers too)."""
    person = user_of(actor)
    assert person is not None
    branches = chat_branches(actor)
    mine = [CHAT_CENTER] if branches is None else [branch_agents_group(b) for b in branches]
    return [CHAT_AGENTS, agent_group(person.pk), *mine]


def watchers(session: ChatSession) -> list[str]:
    """The consoles that see ``session`` (``may_see_chat``): all for a chat without a
    branch; else the center-wide ones and its branch's."""
    if session.branch_id is None:
        return [CHAT_AGENTS]
    return [CHAT_CENTER, branch_agents_group(session.branch_id)]


# ------------------------------------------------------------------------------ availability


def chat_settings() -> ChatSettings:
    """The chat's settings row (defaults before an administrator saves one), kept per process
    (kefu.core.refcache: every visitor line reads the flood limits)."""
    return refcache.get(
        ("chat_settings",), lambda: ChatSettings.objects.order_by("id").first() or ChatSettings()
    )


def in_hours(at: dt.datetime | None = None, row: ChatSettings | None = None) -> bool:
    """Whether the chat is open at ``at``: enabled, a working day of the calendar (or any day
    when the center answers every day), between opening and closing."""
    row = row or chat_settings()
    if not row.enabled:
        return False
    local = timezone.localtime(at or timezone.now())
    if not row.every_day and not WorkingCalendar().is_working_day(local.date()):
        return False
    return row.opening <= local.time().replace(tzinfo=None) < row.closing


def online_agents(branch: Branch | None = None) -> list[int]:
    """Ids of the agents online in the console now (fresh heartbeat); with ``branch``,
    only those who take its chats (its own agents and the center-wide staff)."""
    since = timezone.now() - PRESENCE_FRESH
    rows = AgentPresence.objects.filter(
        status=AgentPresence.Status.ONLINE, last_seen__gte=since, user__is_active=True
    )
    if branch is not None:
        rows = rows.filter(
            Q(user__staff__isnull=True)  # a superuser: center-wide
            | Q(user__staff__branch__isnull=True)
            | Q(user__staff__branch=branch)
        )
    return list(rows.order_by("user_id").values_list("user_id", flat=True))


@dataclass(frozen=True)
class Availability:
    open: bool
    reason: str  # "" when open; else what the visitor is told


def availability(at: dt.datetime | None = None, *, branch: Branch | None = None) -> Availability:
    """Whether a chat (of ``branch``) may start now: in the hours, with an agent online
    who takes it."""
    if not in_hours(at):
        return Availability(False, _("现在是非工作时间,请留言,我们上班后尽快联系您。"))
    if not online_agents(branch):
        return Availability(False, _("客服暂时不在线,请留言,我们会尽快联系您。"))
    return Availability(True, "")


def may_take_chats(actor: Actor | None) -> bool:
    """The center's staff who take requests (受理) answer chats."""
    scope = scope_of(actor)
    return not scope.nothing and (scope.can_intake or scope.role == Role.ADMIN)


def _require_agent(actor: Actor) -> None:
    if not may_take_chats(actor):
        raise ServiceError(Code.FORBIDDEN, _("无权接待在线客服"))


def set_presence(actor: Actor, *, status: str = "") -> AgentPresence:
    """The agent's heartbeat; with ``status`` (online/away) also their 在线/离开."""
    _require_agent(actor)
    if status and status not in AgentPresence.Status.values:
        raise ServiceError(Code.INVALID, _("状态无效"), field="status")
    person = user_of(actor)
    assert person is not None
    now = timezone.now()
    defaults: dict[str, Any] = {"last_seen": now}
    if status:
        defaults["status"] = status
    row, _created = AgentPresence.objects.update_or_create(user=person, defaults=defaults)
    if status:
        publish_on_commit(CHAT_AGENTS, {"type": "chat.changed"})
    return row


# ------------------------------------------------------------------------------ the visitor


def _clean_name(name: str) -> str:
    return " ".join((name or "").split())[:MAX_NAME]


def _clean_phone(phone: str, *, required: bool) -> str:
    phone = (phone or "").strip()
    if not phone:
        if required:
            raise ServiceError(Code.INVALID, _("请填写联系电话"), field="phone")
        return ""
    number = normalize_phone(phone)
    if not number:
        raise ServiceError(Code.INVALID, _("联系电话无效"), field="phone")
    return number


def _check_ip(ip: str | None, row: ChatSettings) -> None:
    """At most ``sessions_per_ip_hour`` chats and 留言 from one address an hour."""
    if not ip:
        return
    since = timezone.now() - dt.timedelta(hours=1)
    if ChatSession.objects.filter(ip=ip, started_at__gte=since).count() >= (
        row.sessions_per_ip_hour
    ):
        logger.warning("chat refused for %s: %d an hour", ip, row.sessions_per_ip_hour)
        raise ServiceError(Code.TOO_MANY, _("请求过于频繁,请稍后再试或拨打客服热线"))


def first_reply_due(at: dt.datetime, branch: Branch | None = None) -> dt.datetime:
    """When the chat's first reply is due: the chat channel's time limit (its rule's — the
    branch's when there is one —, else the channel's default, kefu.conversations)."""
    rule = conversations.channel_rule(Channel.CHAT, "", branch.code if branch else "")
    return conversations.first_reply_due(Channel.CHAT, rule, at)


def start_chat(
    *,
    name: str = "",
    phone: str = "",
    page_url: str = "",
    user_agent: str = "",
    ip: str | None,
    branch: str = "",
) -> ChatSession:
    """Open a chat that waits for an agent, of ``branch`` (the code the widget names;
    unknown or inactive: none, see ``chat_branch``). Refused (ServiceError, nothing written)
    outside the hours or with nobody online who takes it — the widget then offers 留言 — and
    past the per-address limit."""
    row = chat_settings()
    chosen = chat_branch(branch)
    found = availability(branch=chosen)
    if not found.open:
        raise ServiceError(Code.CONFLICT, found.reason, field="leave_message")
    _check_ip(ip, row)
    now = timezone.now()
    with transaction.atomic():
        session = ChatSession.objects.create(
            visitor_name=_clean_name(name),
            visitor_phone=_clean_phone(phone, required=False),
            page_url=(page_url or "")[:500],
            user_agent=(user_agent or "")[:300],
            ip=ip or None,
            branch=chosen,
            started_at=now,
            first_reply_due=first_reply_due(now, chosen),
        )
        if row.greeting:
            ChatLine.objects.create(
                session=session, at=now, side=ChatLine.Side.SYSTEM, text=row.greeting
            )
        publish_on_commit(watchers(session), {"type": "chat.changed", "waiting": session.pk})
    return session


def leave_message(
    *,
    name: str,
    phone: str,
    content: str,
    page_url: str = "",
    user_agent: str = "",
    ip: str | None,
    branch: str = "",
) -> ChatSession:
    """The visitor's 留言: a ticket at once, through the normal intake
    (kefu.conversations.receive), on a session that records it — of ``branch`` (the code the
    widget names; unknown or inactive: the channel rule's, else the default branch). Returns
    the session with its ticket (the visitor is shown the serial)."""
    row = chat_settings()
    number = _clean_phone(phone, required=True)
    content = (content or "").replace("\x00", "").strip()
    if not content:
        raise ServiceError(Code.INVALID, _("请填写留言内容"), field="content")
    if len(content) > MAX_LINE:
        raise ServiceError(Code.INVALID, _("留言最长 %d 个字") % MAX_LINE, field="content")
    _check_ip(ip, row)
    chosen = chat_branch(branch)
    now = timezone.now()
    with transaction.atomic():
        session = ChatSession.objects.create(
            visitor_name=_clean_name(name),
            visitor_phone=number,
            page_url=(page_url or "")[:500],
            user_agent=(user_agent or "")[:300],
            ip=ip or None,
            branch=chosen,
            state=ChatSession.State.LEFT_MESSAGE,
            started_at=now,
            ended_at=now,
            ended_by="visitor",
        )
        ChatLine.objects.create(session=session, at=now, side=ChatLine.Side.VISITOR, text=content)
        received = conversations.receive(
            conversations.Inbound(
                channel=Channel.CHAT,
                address=number,
                body=content,
                subject=str(_("网站留言")),
                contact_name=session.visitor_name,
                external_id=f"chat-note:{session.token}",
                received_at=now,
                left_message=True,
                branch=chosen.code if chosen else "",
            )
        )
        session.ticket = received.ticket
        session.save(update_fields=["ticket"])
    return session


def session_by_token(token: str) -> ChatSession:
    session = ChatSession.objects.select_related("ticket").filter(token=token or "").first()
    if session is None:
        raise ServiceError(Code.NOT_FOUND, _("会话不存在或已结束"))
    return session


def _refuse(session: ChatSession, reason: str) -> ServiceError:
    """Count a refused visitor line on the session, with one system line per burst (the
    record an agent and an auditor see); the error to tell the visitor."""
    now = timezone.now()
    ChatSession.objects.filter(pk=session.pk).update(refused_lines=F("refused_lines") + 1)
    recent = ChatLine.objects.filter(
        session=session, side=ChatLine.Side.SYSTEM, at__gte=now - FLOOD_WINDOW, text=reason
    ).exists()
    if not recent:
        line = ChatLine.objects.create(
            session=session, at=now, side=ChatLine.Side.SYSTEM, text=reason
        )
        # The agent sees the record; the visitor has the error already.
        publish_on_commit(
            [agent_group(session.agent_id)] if session.agent_id else watchers(session),
            line_payload(line, session),
        )
    return ServiceError(Code.CONFLICT, reason, field="text")


@dataclass(frozen=True)
class Said:
    """A line written, and the push that tells the screens (already queued unless the
    caller asked to send it itself)."""

    line: ChatLine
    groups: list[str]
    payload: dict[str, Any]


def visitor_says(token: str, text: str, *, push: bool = True) -> Said:
    """The visitor's line. Refused (ServiceError; counted on the session, with a system line)
    when it is empty or too long, when the chat is over, or past the flood limits: more than
    ``lines_per_window`` lines in 5 seconds or ``lines_per_session`` in the chat. With
    ``push=False`` the caller (the visitor's websocket) sends the push itself, after this
    returns — the line is committed by then."""
    text = (text or "").replace("\x00", "").strip()
    session = session_by_token(token)
    if not session.is_open:
        raise ServiceError(Code.INVALID_TRANSITION, _("会话已结束"))
    if not text:
        raise ServiceError(Code.INVALID, _("请输入内容"), field="text")
    if len(text) > MAX_LINE:
        raise _refuse(session, _("单条消息最长 %d 个字,该消息未发送") % MAX_LINE)
    row = chat_settings()
    now = timezone.now()
    counts = ChatLine.objects.filter(session=session, side=ChatLine.Side.VISITOR).aggregate(
        recent=Count("id", filter=Q(at__gte=now - FLOOD_WINDOW)), total=Count("id")
    )
    if counts["recent"] >= row.lines_per_window:
        raise _refuse(session, _("发送过于频繁,请稍后再发"))
    if counts["total"] >= row.lines_per_session:
        raise _refuse(session, _("本次会话消息已达上限,请拨打客服热线或留言"))
    line = ChatLine.objects.create(session=session, at=now, side=ChatLine.Side.VISITOR, text=text)
    groups, payload = _groups(session), line_payload(line, session)
    if push:
        publish_on_commit(groups, payload)
    if session.ticket_id is not None:
        _record_visitor_line(session, line)
    return Said(line, groups, payload)


def _record_visitor_line(session: ChatSession, line: ChatLine) -> None:
    """A visitor's line on the linked ticket's conversation; a failure there (the ticket
    merged away from the visitor's number) is logged, the chat goes on."""
    assert session.ticket is not None
    try:
        conversations.receive(
            conversations.Inbound(
                channel=Channel.CHAT,
                address=session.visitor_phone,
                body=line.text,
                contact_name=session.visitor_name,
                serial=session.ticket.serial,
                external_id=f"chat-line:{line.pk}",
                received_at=line.at,
            )
        )
    except ServiceError as exc:
        logger.warning("chat line %s not recorded on %s: %s", line.pk, session.ticket_id, exc)


def end_by_visitor(token: str) -> ChatSession:
    session = session_by_token(token)
    return _end(session, by="visitor", actor=None)


# ------------------------------------------------------------------------------ the agent


def line_payload(line: ChatLine, session: ChatSession) -> dict[str, Any]:
    return {
        "type": "chat.line",
        "session": session.pk,
        "id": line.pk,
        "side": line.side,
        "text": line.text,
        "at": timezone.localtime(line.at).strftime("%H:%M:%S"),
        "agent_no": _agent_no(line.author_id) if line.author_id else "",
    }


def _agent_no(user_id: int | None) -> str:
    """The agent's 工号, what the visitor knows them by (never their name)."""
    if user_id is None:
        return ""
    no = StaffProfile.objects.filter(user_id=user_id).values_list("employee_no", flat=True)
    return next(iter(no), "")


def _groups(session: ChatSession) -> list[str]:
    """Who sees the chat's lines: the visitor, and its agent (waiting: the consoles that
    see it)."""
    if session.agent_id:
        return [visitor_group(session.pk), agent_group(session.agent_id)]
    return [visitor_group(session.pk), *watchers(session)]


def _announce(session: ChatSession, line: ChatLine) -> None:
    publish_on_commit(_groups(session), line_payload(line, session))


def state_payload(session: ChatSession) -> dict[str, Any]:
    return {
        "type": "chat.state",
        "session": session.pk,
        "state": session.state,
        "agent_no": _agent_no(session.agent_id),
        "serial": session.ticket.serial if session.ticket_id and session.ticket else "",
    }


def _system_line(session: ChatSession, text: str) -> ChatLine:
    line = ChatLine.objects.create(
        session=session, at=timezone.now(), side=ChatLine.Side.SYSTEM, text=text
    )
    _announce(session, line)
    return line


def access_session(actor: Actor, session_id: int, *, for_update: bool = False) -> ChatSession:
    """A chat the agent may work: one they have, or — of those they see (``may_see_chat``:
    a branch's chat only its agents and the center-wide staff) — a waiting one (an
    administrator: any). Any other: NOT_FOUND."""
    _require_agent(actor)
    rows = ChatSession.objects.select_related("ticket", "branch")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    session = rows.filter(pk=session_id).first()
    person = user_of(actor)
    if session is None or (
        session.agent_id != getattr(person, "pk", None)
        and not (
            may_see_chat(actor, session)
            and (session.state == ChatSession.State.WAITING or scope_of(actor).role == Role.ADMIN)
        )
    ):
        raise ServiceError(Code.NOT_FOUND, _("会话不存在或已由其他坐席接待"))
    return session


def accept_chat(session_id: int, *, actor: Actor) -> ChatSession:
    """Take a waiting chat; the visitor sees the agent's 工号. A chat another agent took a
    moment before is refused (CONFLICT), nothing changed."""
    with transaction.atomic():
        session = access_session(actor, session_id, for_update=True)
        if session.state != ChatSession.State.WAITING:
            raise ServiceError(Code.CONFLICT, _("该会话已由其他坐席接待"))
        person = user_of(actor)
        assert person is not None
        session.state = ChatSession.State.ACTIVE
        session.agent = person
        session.accepted_at = timezone.now()
        session.save(update_fields=["state", "agent", "accepted_at"])
        no = _agent_no(person.pk)
        _system_line(session, _("工号 %s 为您服务") % no if no else _("客服已接入"))
        # Every console that saw it (the agent's own among them) takes it off the list.
        publish_on_commit([visitor_group(session.pk), *watchers(session)], state_payload(session))
    return session


def agent_says(session_id: int, *, actor: Actor, text: str) -> ChatLine:
    """The agent's line to the visitor, checked for forbidden phrases (kefu.core.wording:
    refused under the block rule, nothing sent). On a chat linked to a ticket it is the
    ticket's reply (kefu.conversations.reply, via chat), recorded in its conversation."""
    text = (text or "").replace("\x00", "").strip()
    session = access_session(actor, session_id)
    if session.state != ChatSession.State.ACTIVE or session.agent_id != getattr(
        user_of(actor), "pk", None
    ):
        raise ServiceError(Code.INVALID_TRANSITION, _("请先接入该会话"))
    if not text:
        raise ServiceError(Code.INVALID, _("请输入内容"), field="text")
    if len(text) > MAX_LINE:
        raise ServiceError(Code.INVALID, _("单条消息最长 %d 个字") % MAX_LINE, field="text")
    if session.ticket is not None:
        message = conversations.reply(
            session.ticket.serial, actor=actor, text=text, via=Channel.CHAT
        )
        line = ChatLine.objects.filter(session=session, side=ChatLine.Side.AGENT).last()
        if line is None or line.text != message.body:
            raise ServiceError(Code.CONFLICT, _("消息未能送达访客"))
        return line
    check_outbound(text, actor=actor, path="reply_chat", field="text")
    with transaction.atomic():
        session = access_session(actor, session_id, for_update=True)
        line = ChatLine.objects.create(
            session=session,
            at=timezone.now(),
            side=ChatLine.Side.AGENT,
            author=user_of(actor),
            text=text,
        )
        _first_reply(session, line.at)
        _announce(session, line)
    return line


def _first_reply(session: ChatSession, at: dt.datetime) -> None:
    if session.first_reply_at is None:
        session.first_reply_at = at
        ChatSession.objects.filter(pk=session.pk, first_reply_at=None).update(first_reply_at=at)


def has_open_chat(ticket: Ticket) -> bool:
    """Whether a chat of ``ticket`` is open now, so that a reply by chat reaches the visitor
    (what ``deliver`` needs): once it has ended a reply goes by another channel."""
    return ChatSession.objects.filter(ticket=ticket, state=ChatSession.State.ACTIVE).exists()


def deliver(ticket: Ticket, message: Message) -> bool:
    """The chat channel's sender (kefu.conversations.register_sender): a reply on ``ticket``
    written into its open chat. False when no chat of the ticket is open (the reply stays on
    the ticket)."""
    session = (
        ChatSession.objects.select_for_update()
        .filter(ticket=ticket, state=ChatSession.State.ACTIVE)
        .order_by("-accepted_at", "-id")
        .first()
    )
    if session is None:
        return False
    line = ChatLine.objects.create(
        session=session,
        at=message.at,
        side=ChatLine.Side.AGENT,
        author_id=message.author_id,
        text=message.body[:MAX_LINE],
    )
    _first_reply(session, line.at)
    _announce(session, line)
    return True


def _sees(person: Actor, ticket: Ticket) -> bool:
    try:
        access_ticket(person, ticket.serial)
    except ServiceError:
        return False
    return True


def transfer_chat(session_id: int, *, actor: Actor, to_user_id: int) -> ChatSession:
    """Hand the chat to a colleague who is online in the console (and, when the chat is
    linked to a ticket, may see that ticket: a branch's agent may not see another's)."""
    with transaction.atomic():
        session = access_session(actor, session_id, for_update=True)
        person = user_of(actor)
        assert person is not None
        if session.state != ChatSession.State.ACTIVE or session.agent_id != person.pk:
            raise ServiceError(Code.INVALID_TRANSITION, _("只能转接自己正在接待的会话"))
        if to_user_id == person.pk or to_user_id not in online_agents():
            raise ServiceError(Code.INVALID, _("请选择在线的同事"), field="to")
        target = AgentPresence.objects.select_related("user").get(user_id=to_user_id).user
        if not may_take_chats(target):
            raise ServiceError(Code.INVALID, _("请选择在线的同事"), field="to")
        if not may_see_chat(target, session):
            raise ServiceError(
                Code.INVALID, _("该同事不接待本会话所属分支机构的访客,请选择其他同事"), field="to"
            )
        if session.ticket is not None and not _sees(target, session.ticket):
            # Their lines would be the ticket's replies, which they may not write.
            raise ServiceError(
                Code.INVALID, _("该同事无权查看本会话关联的工单,请选择其他同事"), field="to"
            )
        session.transferred_from = person
        session.agent = target
        session.save(update_fields=["transferred_from", "agent"])
        no = _agent_no(target.pk)
        _system_line(session, _("已为您转接至工号 %s") % no)
        publish_on_commit(
            [visitor_group(session.pk), agent_group(person.pk), agent_group(target.pk)],
            {**state_payload(session), "transferred": True},
        )
    return session


def end_chat(session_id: int, *, actor: Actor) -> ChatSession:
    with transaction.atomic():
        session = access_session(actor, session_id, for_update=True)
        return _end(session, by="agent", actor=actor)


def _end(session: ChatSession, *, by: str, actor: Actor | None) -> ChatSession:
    with transaction.atomic():
        session = ChatSession.objects.select_for_update().get(pk=session.pk)
        if not session.is_open:
            return session
        session.state = ChatSession.State.ENDED
        session.ended_at = timezone.now()
        session.ended_by = by
        session.save(update_fields=["state", "ended_at", "ended_by"])
        _system_line(session, _("访客已结束会话") if by == "visitor" else _("客服已结束会话"))
        publish_on_commit([visitor_group(session.pk), *watchers(session)], state_payload(session))
    return session


# A chat with no line for this long is over (the visitor closed the page without ending it).
IDLE = dt.timedelta(minutes=30)
SWEEP_BATCH = 200


def sweep_idle_chats() -> int:
    """End the open chats nobody wrote in for IDLE (a system line says why); how many. Each
    is re-read under its lock, so a line that arrived meanwhile keeps it open."""
    since = timezone.now() - IDLE
    candidates = list(
        ChatSession.objects.filter(
            state__in=(ChatSession.State.WAITING, ChatSession.State.ACTIVE),
            started_at__lt=since,
        )
        .exclude(lines__at__gte=since)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    ended = 0
    for pk in candidates:
        with transaction.atomic():
            session = ChatSession.objects.select_for_update().get(pk=pk)
            if not session.is_open or session.lines.filter(at__gte=since).exists():
                continue
            session.state = ChatSession.State.ENDED
            session.ended_at = timezone.now()
            session.ended_by = "idle"
            session.save(update_fields=["state", "ended_at", "ended_by"])
            _system_line(session, _("会话长时间无消息,已自动结束"))
            publish_on_commit(
                [visitor_group(session.pk), *watchers(session)], state_payload(session)
            )
            ended += 1
    return ended


def transcript(session: ChatSession) -> str:
    """The chat as text: each line with its time and who said it."""
    out = []
    for line in session.lines.select_related("author").order_by("at", "id"):
        if line.side == ChatLine.Side.VISITOR:
            who = session.visitor_name or _("访客")
        elif line.side == ChatLine.Side.AGENT:
            who = _("客服 %s") % (_agent_no(line.author_id) or "")
        else:
            who = _("系统")
        out.append(f"[{timezone.localtime(line.at):%H:%M:%S}] {who}:{line.text}")
    return "\n".join(out)


def _active_code(branch: Branch | None) -> str:
    """The chat's branch's code while the branch is active (one closed since the chat
    started: blank, the ticket goes where a chat without a branch would)."""
    return branch.code if branch is not None and branch.is_active else ""


def branch_of(actor: Actor) -> str:
    """The code of the branch a branch-scoped agent works for: a ticket made from their chat
    is that branch's (one of the default branch would be out of their sight). Blank for the
    center-wide staff: the chat's branch, else the channel's rule, else the default branch,
    decides."""
    branch_id = scope_of(actor).branch_id
    if branch_id is None:
        return ""
    return Branch.objects.filter(pk=branch_id).values_list("code", flat=True).first() or ""


def link_ticket(
    session_id: int, *, actor: Actor, phone: str = "", name: str = "", serial: str = ""
) -> Ticket:
    """建立工单 (no ``serial``): a ticket through the normal intake with the transcript as the
    customer's message; 关联工单 (``serial``): the transcript joins that ticket, which must be
    the customer's (the phone is its number or its customer's). From then on each line is
    recorded on the ticket. The chat's first reply, if given, meets the ticket's first-reply
    time limit at the time it was given."""
    session = access_session(actor, session_id)
    if session.state != ChatSession.State.ACTIVE or session.agent_id != getattr(
        user_of(actor), "pk", None
    ):
        raise ServiceError(Code.INVALID_TRANSITION, _("请先接入该会话"))
    if session.ticket_id is not None:
        raise ServiceError(Code.CONFLICT, _("该会话已关联工单"))
    number = _clean_phone(phone or session.visitor_phone, required=True)
    serial = (serial or "").strip()
    if serial:
        access_ticket(actor, serial)  # the agent may see it (404 otherwise)
    with transaction.atomic():
        session = access_session(actor, session_id, for_update=True)
        if session.ticket_id is not None:
            raise ServiceError(Code.CONFLICT, _("该会话已关联工单"))
        session.visitor_phone = number
        if name:
            session.visitor_name = _clean_name(name)
        received = conversations.receive(
            conversations.Inbound(
                channel=Channel.CHAT,
                address=number,
                body=transcript(session),
                subject=str(_("在线客服会话")),
                contact_name=session.visitor_name,
                serial=serial,
                external_id=f"chat:{session.token}",
                received_at=session.started_at,
                # (a joined ticket keeps its own: only a new ticket takes it)
                branch=branch_of(actor) or _active_code(session.branch),
            )
        )
        ticket = received.ticket
        session.ticket = ticket
        session.save(update_fields=["ticket", "visitor_phone", "visitor_name"])
        if session.first_reply_at is not None:
            conversations.first_reply_met(ticket, session.first_reply_at)
        publish_on_commit(
            [visitor_group(session.pk), agent_group(session.agent_id or 0)],
            state_payload(session),
        )
    return ticket


def reply_templates(actor: Actor, session_id: int, *, q: str = "") -> list[dict[str, str]]:
    """The agent's 快捷回复 for the chat (the center's and their own), filled for it."""
    session = access_session(actor, session_id)
    rows = conversations.templates_for(actor, q=q, channel=Channel.CHAT)
    return [
        {
            "key": row.key,
            "title": row.title,
            "text": conversations.fill_template(row, actor=actor, ticket=session.ticket),
        }
        for row in rows[:20]
    ]
