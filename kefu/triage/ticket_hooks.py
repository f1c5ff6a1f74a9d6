"""Triage at intake (see kefu.tickets.hooks): the matter and sentiment the agent set are
checked and the request's labels are guessed before anything is written; once the ticket is
written its triage is kept — what was proposed and what the agent confirmed, for the next
training. Registered before the complaint rules, which find collective and repeat complaints
by the matter."""

from __future__ import annotations

from kefu.tickets import hooks
from kefu.triage import services


def _clean(data, type_code: str) -> services.IntakeLabels:
    matter = getattr(data, "matter", "") or ""
    if not matter and type_code == "complaint":
        # The complaint category the agent chose names its matter by the same code.
        matter = services.matter_of_category(data.category or "")
    return services.clean_intake(
        text=data.content,
        channel=data.channel,
        matter=matter,
        sentiment=getattr(data, "sentiment", ""),
        complaint_class=data.complaint_class if type_code == "complaint" else "",
    )


def _record(ticket, given: services.IntakeLabels, actor):
    label = services.record_intake(ticket, given, actor=actor)
    return {"matter": label.matter, "sentiment": label.sentiment}


def register() -> None:
    hooks.register_intake(hooks.IntakeHook(name="triage", clean=_clean, after=_record))
