"""Complaint API: every step of the complaint process on a ticket, and collective complaints.
Each step answers with the ticket as GET /tickets/{serial} shows it."""

from __future__ import annotations

from ninja import Router
from ninja.responses import Status as Reply

from kefu.complaints import access, services
from kefu.complaints.models import Category, MunicipalHotline
from kefu.complaints.schemas import (
    ClassifyIn,
    ConfirmationIn,
    DecisionIn,
    FactsIn,
    GroupOut,
    HotlineIn,
    LessonsIn,
    OnsiteIn,
    OwnerIn,
    PlanIn,
    SeverityIn,
    TextIn,
    UnsatisfiedIn,
    group_out,
)
from kefu.desk.api import ticket_detail
from kefu.desk.schemas import TicketOut
from kefu.tickets.access import visible_tickets

router = Router(tags=["complaints"])


@router.get("/categories", response=list[dict])
def categories(request):
    return [{"code": c.code, "name": c.name} for c in Category.objects.filter(is_active=True)]


@router.get("/hotlines", response=list[dict])
def hotlines(request):
    """The utilities' hotlines an agent gives for an assist complaint (协助处理投诉)."""
    return [
        {"id": h.id, "kind": h.kind, "name": h.name, "number": h.number}
        for h in MunicipalHotline.objects.filter(is_active=True)
    ]


@router.get("/groups/{group_id}", response=GroupOut)
def group(request, group_id: int):
    found = access.access_group(request.user, group_id)
    return group_out(found, visible=visible_tickets(request.user))


@router.post("/groups/{group_id}/owner", response=GroupOut)
def group_owner(request, group_id: int, payload: OwnerIn):
    """One owner for a collective complaint: its open tickets go to the owner."""
    found = services.set_group_owner(
        group_id, actor=request.user, owner=payload.owner, note=payload.note
    )
    return group_out(found, visible=visible_tickets(request.user))


@router.post("/{serial}/classify", response=TicketOut)
def classify(request, serial: str, payload: ClassifyIn):
    """Decide responsibility: responsible, not_responsible or assist."""
    services.classify_complaint(
        serial, actor=request.user, complaint_class=payload.complaint_class, note=payload.note
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/onsite", response=TicketOut)
def onsite(request, serial: str, payload: OnsiteIn):
    """Book an on-site determination when responsibility cannot be decided yet."""
    services.book_onsite_determination(serial, actor=request.user, at=payload.at, note=payload.note)
    return ticket_detail(request, serial)


@router.post("/{serial}/facts", response=TicketOut)
def facts(request, serial: str, payload: FactsIn):
    """Correct category, source or loss/injury; the severity follows."""
    services.update_facts(
        serial,
        actor=request.user,
        category=payload.category,
        source=payload.source,
        loss_or_injury=payload.loss_or_injury,
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/severity", response=TicketOut)
def severity(request, serial: str, payload: SeverityIn):
    """A supervisor sets the severity, with a reason."""
    services.override_severity(
        serial, actor=request.user, severity=payload.severity, reason=payload.reason
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/plans", response={201: TicketOut})
def propose_plan(request, serial: str, payload: PlanIn):
    """The department proposes its handling plan."""
    services.propose_plan(serial, actor=request.user, text=payload.text)
    return Reply(201, ticket_detail(request, serial))


@router.post("/{serial}/plans/decision", response=TicketOut)
def decide_plan(request, serial: str, payload: DecisionIn):
    """The department head (and for a major complaint the general manager) decides."""
    services.decide_plan(serial, actor=request.user, approve=payload.approve, note=payload.note)
    return ticket_detail(request, serial)


@router.post("/{serial}/confirmation", response=TicketOut)
def confirmation(request, serial: str, payload: ConfirmationIn):
    """The customer's confirmation of the implemented plan."""
    services.record_confirmation(
        serial, actor=request.user, method=payload.method, note=payload.note
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/explanation", response=TicketOut)
def explanation(request, serial: str, payload: TextIn):
    services.record_explanation(serial, actor=request.user, text=payload.text)
    return ticket_detail(request, serial)


@router.post("/{serial}/hotline", response=TicketOut)
def hotline(request, serial: str, payload: HotlineIn):
    services.give_hotline(
        serial, actor=request.user, hotline_id=payload.hotline_id, note=payload.note
    )
    return ticket_detail(request, serial)


@router.post("/{serial}/unsatisfied", response=TicketOut)
def unsatisfied(request, serial: str, payload: UnsatisfiedIn):
    """The customer is not satisfied: back to the department with the customer's words."""
    services.record_unsatisfied(serial, actor=request.user, words=payload.words)
    return ticket_detail(request, serial)


@router.post("/{serial}/lessons", response=TicketOut)
def lessons(request, serial: str, payload: LessonsIn):
    services.record_lessons(
        serial,
        actor=request.user,
        cause=payload.cause,
        corrective_action=payload.corrective_action,
    )
    return ticket_detail(request, serial)
