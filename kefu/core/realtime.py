"""Live pushes to browsers (agent screen pop, queue refresh) through the channel layer.

Pushes go out after the transaction commits, so a screen never shows what was rolled back.
A push that fails (no layer, Redis down) is logged and dropped: live updates are a courtesy,
the database is the record.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def department_group(department_id: int) -> str:
    return f"dept.{department_id}"


AGENTS_GROUP = "agents"
# Call pops of known customers go only to the agents who may see them: the center-wide ones
# and those of the customer's branch.
CENTER_AGENTS_GROUP = "agents.center"


def branch_agents_group(branch_id: int) -> str:
    return f"agents.branch.{branch_id}"


# The telephone floor's screens (floor page, wall): a page asks for it with /ws/live?floor=1.
FLOOR_GROUP = "floor"


def publish(groups: str | list[str], payload: dict[str, Any]) -> None:
    """Send ``payload`` to each of ``groups``, in one hop into the layer's event loop."""
    layer = get_channel_layer()
    if layer is None:
        return
    names = [groups] if isinstance(groups, str) else list(groups)
    if isinstance(layer, InMemoryChannelLayer):
        # One process: its screens are its groups' members; a group nobody has joined is
        # skipped without the hop into the event loop (most pushes, on a quiet floor).
        names = [name for name in names if layer.groups.get(name)]
        if not names:
            return
    message = {"type": "push", "payload": payload}

    async def send_all() -> list[object]:
        sends = (layer.group_send(name, message) for name in names)
        results: list[object] = await asyncio.gather(*sends, return_exceptions=True)
        return results

    try:
        results = async_to_sync(send_all)()
    except Exception:  # noqa: BLE001 - a lost push must never fail the request
        logger.exception("live push to %s failed", ", ".join(names))
        return
    for name, result in zip(names, results, strict=True):
        if isinstance(result, BaseException):  # one group's failure spares the others
            logger.error("live push to %s failed: %r", name, result)


def publish_on_commit(groups: str | list[str], payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: publish(groups, payload))
