"""The chat's websockets: the visitor's (/ws/chat/<token>, no account: the token is the key)
and the agents' console (/ws/chat/agent, logged in). Both only call kefu.chat.services; what
changes comes back to every screen as a push after the commit (kefu.core.realtime)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db import connection
from django.utils.translation import gettext as _

from kefu.chat import services
from kefu.chat.models import ChatSession
from kefu.core.errors import Code, ServiceError
from kefu.core.numbers import whole

# Close codes: the session is unknown or over; the user may not take chats.
CLOSE_GONE = 4404
CLOSE_FORBIDDEN = 4403


def in_db_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run in the thread the consumers share for the database. On SQLite that thread
    keeps its connection: closing the last connection of a WAL database checkpoints it,
    which cost ~20 ms a chat line (bench/chat_latency.py). On PostgreSQL the connection goes
    back to the pool after each call, as channels' database_sync_to_async does."""
    if connection.vendor == "sqlite":
        return sync_to_async(fn, thread_sensitive=True)
    return database_sync_to_async(fn)


def _error(exc: ServiceError, **extra: Any) -> dict[str, Any]:
    return {"type": "error", "code": exc.code, "detail": exc.detail, "field": exc.field, **extra}


class JsonFrames(AsyncJsonWebsocketConsumer):
    """A JSON consumer that answers a frame it cannot read (not JSON, not an object, binary,
    empty) with an ``invalid`` error and keeps the connection: channels' own raises, which
    drops the socket without a close frame and logs a traceback for each bad frame."""

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        try:
            content = await self.decode_json(text_data) if text_data else None
        except ValueError:  # json.JSONDecodeError
            content = None
        if not isinstance(content, dict):
            await self.send_json(_error(ServiceError(Code.INVALID, _("消息格式无效"))))
            return
        await self.receive_json(content, **kwargs)


@in_db_thread
def _open_session(token: str) -> tuple[int, list[dict[str, Any]], dict[str, Any]] | None:
    session = ChatSession.objects.filter(token=token).select_related("ticket").first()
    if session is None or not session.is_open:
        return None
    lines = [services.line_payload(line, session) for line in session.lines.order_by("at", "id")]
    return session.pk, lines, services.state_payload(session)


class VisitorConsumer(JsonFrames):
    async def connect(self) -> None:
        token = self.scope["url_route"]["kwargs"]["token"]
        found = await _open_session(token)
        if found is None:
            await self.close(code=CLOSE_GONE)
            return
        self.token = token
        session_id, lines, state = found
        self.group = services.visitor_group(session_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "chat.history", "lines": lines, "state": state})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "line":
                said = await in_db_thread(services.visitor_says)(
                    self.token, str(content.get("text") or ""), push=False
                )
                # Sent from here, not from the database thread: no hop back into this loop
                # while the next visitor's line waits for that thread.
                message = {"type": "push", "payload": said.payload}
                for group in said.groups:
                    await self.channel_layer.group_send(group, message)
            elif kind == "end":
                await in_db_thread(services.end_by_visitor)(self.token)
        except ServiceError as exc:
            await self.send_json(_error(exc, nonce=content.get("nonce")))

    async def push(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])


@in_db_thread
def _console_groups(user: Any) -> list[str] | None:
    """The groups the user's console joins (services.console_groups: a branch's agent gets
    only their branch's chats and those without one); None when they do not take chats."""
    if not services.may_take_chats(user):
        return None
    return services.console_groups(user)


class AgentConsumer(JsonFrames):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        groups = await _console_groups(user)
        if groups is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.user = user
        # Filtered by the channel layer, not here: a push never reaches a console that may
        # not see its chat, whichever service sent it and on whichever server.
        self.groups_joined = groups
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        try:
            await in_db_thread(self._handle)(content)
        except ServiceError as exc:
            await self.send_json(_error(exc, session=content.get("session")))

    def _handle(self, content: dict[str, Any]) -> None:
        kind = content.get("type")
        actor = self.user
        if kind in ("heartbeat", "presence"):
            services.set_presence(actor, status=str(content.get("status") or ""))
            return
        session_id = _int(content.get("session"), "session")
        if kind == "accept":
            services.accept_chat(session_id, actor=actor)
        elif kind == "line":
            services.agent_says(session_id, actor=actor, text=str(content.get("text") or ""))
        elif kind == "transfer":
            to = _int(content.get("to"), "to")
            services.transfer_chat(session_id, actor=actor, to_user_id=to)
        elif kind == "end":
            services.end_chat(session_id, actor=actor)
        elif kind == "ticket":
            services.link_ticket(
                session_id,
                actor=actor,
                phone=str(content.get("phone") or ""),
                name=str(content.get("name") or ""),
                serial=str(content.get("serial") or ""),
            )
        else:
            raise ServiceError(Code.INVALID, _("无效的操作"), field="type")

    async def push(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])


def _int(value: Any, field: str) -> int:
    return whole(value, field=field, message=_("参数无效"))
