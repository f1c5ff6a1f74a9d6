"""What the domains add to a ticket's life, without the kernel knowing them.

The kernel (``kefu.tickets``) takes a request in and moves a ticket through its states. Other
apps — time limits, complaints, callbacks, work orders, webhooks — have rules of their own at
those moments: fields to check at intake, a department to route to, a step to refuse until
something is done, and consequences once a step is taken. Each such app registers them here
from its ``AppConfig.ready``; the kernel calls what is registered, in the order of
``INSTALLED_APPS``, inside the same transaction as the change. So every path that moves a
ticket — the workbench, the API, a work order sending its ticket to a department, a callback
sending it back — runs the same rules, and a new domain plugs in without editing the kernel.

The hooks, in the order the kernel calls them:

- intake (``create_ticket`` and the read-back ``validate_intake``):
  ``clean(data, type_code)`` checks the app's own fields and returns what it keeps (or None),
  stored in ``cleaned["extras"][name]``; ``route(cleaned)`` may name the department a request
  goes to when the agent chose none; ``readback(cleaned)`` adds what the read-back tells the
  caller; after the ticket and its timeline are written, ``after(ticket, extra, actor)`` runs
  and its result is kept in ``ticket.intake_results[name]`` (the API answers from it).
- a step (``apply_transition``): every ``guard(ticket, action)`` may refuse it with a
  ServiceError before anything changes; once the ticket and its timeline row are written,
  every ``react(ticket, change)`` runs (also for a merge, action ``"merge"``).
- ``announce(ticket, event)`` after a ticket is created (``ticket.created``) or changed
  (``ticket.changed``), for what the outside world hears.

Timeline words: each app names the actions it writes on a ticket's timeline with
``register_event_labels``; the ticket page reads them from ``event_labels()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from kefu.core.actor import Actor

if TYPE_CHECKING:
    from kefu.accounts.models import Department
    from kefu.tickets.models import Ticket, TicketEvent


@dataclass(frozen=True)
class Change:
    """A step just taken on a ticket, as the reactions see it."""

    action: str
    at: dt.datetime
    actor: Actor | None
    event: TicketEvent | None = None


@dataclass(frozen=True)
class IntakeHook:
    """One app's part of intake; ``name`` keys what it keeps."""

    name: str
    clean: Callable[[Any, str], Any] | None = None
    route: Callable[[dict[str, Any]], Department | None] | None = None
    readback: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    after: Callable[[Ticket, Any, Actor | None], Any] | None = None


@dataclass
class Registry:
    intake: list[IntakeHook] = field(default_factory=list)
    guards: list[Callable[[Ticket, str], None]] = field(default_factory=list)
    reactions: list[Callable[[Ticket, Change], None]] = field(default_factory=list)
    announcers: list[Callable[[Ticket, str], None]] = field(default_factory=list)
    labels: dict[str, str | Promise] = field(default_factory=dict)


registry = Registry()


def register_intake(hook: IntakeHook, *, before: str = "") -> None:
    """Add ``hook`` after those registered so far, or just before the one named ``before``
    (an app whose facts another app's intake reads: a complaint's severity chooses the time
    limits that ``deadlines`` computes)."""
    names = [h.name for h in registry.intake]
    if hook.name in names:
        raise ValueError(f"intake hook {hook.name!r} is registered already")
    registry.intake.insert(names.index(before) if before in names else len(names), hook)


def register_guard(guard: Callable[[Ticket, str], None]) -> None:
    """``guard(ticket, action)`` raises ServiceError to refuse ``action`` on a locked ticket."""
    if guard not in registry.guards:
        registry.guards.append(guard)


def register_reaction(reaction: Callable[[Ticket, Change], None]) -> None:
    """``reaction(ticket, change)`` runs after a step is written, in its transaction."""
    if reaction not in registry.reactions:
        registry.reactions.append(reaction)


def register_announcer(announcer: Callable[[Ticket, str], None]) -> None:
    """``announcer(ticket, event)`` runs when a ticket is created or changed."""
    if announcer not in registry.announcers:
        registry.announcers.append(announcer)


def register_event_labels(labels: dict[str, str | Promise]) -> None:
    registry.labels.update(labels)


def event_labels() -> dict[str, str | Promise]:
    return dict(registry.labels)


# ------------------------------------------------------------------------- called by the kernel


def clean_intake(data: Any, type_code: str) -> dict[str, Any]:
    return {h.name: h.clean(data, type_code) for h in registry.intake if h.clean is not None}


def route_intake(cleaned: dict[str, Any]) -> Department | None:
    for hook in registry.intake:
        if hook.route is not None and (department := hook.route(cleaned)) is not None:
            return department
    return None


def readback(cleaned: dict[str, Any]) -> dict[str, Any]:
    told: dict[str, Any] = {}
    for hook in registry.intake:
        if hook.readback is not None:
            told |= hook.readback(cleaned)
    return told


def after_intake(ticket: Ticket, extras: dict[str, Any], *, actor: Actor | None) -> dict[str, Any]:
    return {
        h.name: h.after(ticket, extras.get(h.name), actor)
        for h in registry.intake
        if h.after is not None
    }


def check_action(ticket: Ticket, action: str) -> None:
    for guard in registry.guards:
        guard(ticket, action)


def react(ticket: Ticket, change: Change) -> None:
    for reaction in registry.reactions:
        reaction(ticket, change)


def announce(ticket: Ticket, event: str) -> None:
    for announcer in registry.announcers:
        announcer(ticket, event)
