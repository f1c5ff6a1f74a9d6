"""Triage API: a request's suggested labels, the matters, a ticket's confirmed labels, the
trained models' figures. Thin: each calls one service or selector."""

from __future__ import annotations

from ninja import Router

from kefu.desk import services as desk
from kefu.tickets.access import access_ticket
from kefu.tickets.schemas import ticket_brief
from kefu.triage import selectors, services
from kefu.triage.models import TicketLabel
from kefu.triage.schemas import (
    LabelOut,
    LabelsIn,
    MatterOut,
    ModelOut,
    SimilarOut,
    TriageIn,
    TriageOut,
)

router = Router(tags=["triage"])


def _label_out(label: TicketLabel) -> dict:
    return {
        "serial": label.ticket.serial,
        "matter": label.matter,
        "sentiment": label.sentiment,
        "urgent": label.urgent,
        "complaint_class": label.complaint_class,
        "confirmed": label.confirmed,
        "predicted": label.predicted,
    }


@router.post("", response=TriageOut)
def triage(request, payload: TriageIn):
    """The request's type, urgency, sentiment, complaint class, department and matter, each
    ``{"value", "confidence"}`` (value null where it does not apply or no guess is sure)."""
    found = desk.suggest(
        request.user, text=payload.text, channel=payload.channel or "", area=payload.area
    )
    return services.as_json(found)


@router.get("/matters", response=list[MatterOut])
def matters(request):
    return [{"code": code, "name": name} for code, name in services.active_matters().items()]


@router.post("/tickets/{serial}/labels", response=LabelOut)
def confirm_labels(request, serial: str, payload: LabelsIn):
    """Confirm or correct a ticket's matter, sentiment or urgency (kept as training data)."""
    label = services.confirm_ticket(
        serial,
        actor=request.user,
        matter=payload.matter,
        sentiment=payload.sentiment,
        urgent=payload.urgent,
    )
    return _label_out(label)


@router.get("/tickets/{serial}/similar", response=list[SimilarOut])
def similar(request, serial: str):
    """The most similar recent tickets (same matter, same area first), at most 8."""
    ticket = access_ticket(request.user, serial)
    return [
        ticket_brief(t) | {"area": t.area.name if t.area else ""}
        for t in selectors.similar_tickets(ticket, request.user)
    ]


@router.get("/models", response=list[ModelOut])
def models(request):
    """The trainings so far, newest first, with their accuracy on the test split."""
    return services.list_models(request.user)
