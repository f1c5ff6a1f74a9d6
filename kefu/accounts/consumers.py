"""The browser's live channel: screen pops and queue refreshes for the logged-in user."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from kefu.accounts.scope import scope_of
from kefu.core.realtime import (
    AGENTS_GROUP,
    CENTER_AGENTS_GROUP,
    FLOOR_GROUP,
    branch_agents_group,
    department_group,
    user_group,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@database_sync_to_async
def _groups_for(user: User, *, floor: bool = False) -> list[str]:
    scope = scope_of(user)
    if scope.nothing:
        return []
    groups = [user_group(user.id)]
    if floor and scope.is_center:
        groups.append(FLOOR_GROUP)  # the floor page and the wall: every floor change
    if scope.can_intake:
        groups.append(AGENTS_GROUP)
        if scope.everything:
            groups.append(CENTER_AGENTS_GROUP)
        elif scope.branch_id is not None:
            groups.append(branch_agents_group(scope.branch_id))
    if scope.department_id:
        groups.append(department_group(scope.department_id))
    return groups


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        floor = b"floor=1" in (self.scope.get("query_string") or b"").split(b"&")
        self.groups_joined = await _groups_for(user, floor=floor)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def push(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])
