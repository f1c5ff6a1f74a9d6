"""The portal's API (/api/v1/portal/) for a center's own app: no login (auth=None); the phone
is proved by the SMS code and then by the ``token`` each answer carries (30 minutes). The
same services, the same limits (429 ``too_many``) and the same one answer for a wrong serial
and a wrong phone as the pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ninja import File, Form, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from kefu.portal import selectors, services
from kefu.portal.schemas import (
    CodeIn,
    CodeOut,
    LossReportIn,
    LossReportOut,
    MessageIn,
    ProgressOut,
    Proof,
    RatingIn,
    RequestIn,
    SubmittedOut,
    TrackIn,
)

router = Router(tags=["portal"], auth=None)


@contextmanager
def _proof(data: Proof) -> Iterator[str]:
    """The proof of ``data``: the code just texted (checked now, and used up only when the
    request succeeds: a refused one leaves it for a corrected retry), else the token given."""
    if data.code:
        with services.code_proof(data.phone, data.code) as token:
            yield token
        return
    services.require_phone(data.token)
    yield data.token


def _progress(ticket, token: str) -> dict:
    view = selectors.progress(ticket, services.verified_phone(token))
    return {
        "serial": ticket.serial,
        "type": str(ticket.type),
        "status": ticket.status,
        "status_words": view.status_words,
        "content": ticket.content,
        "received_at": ticket.received_at,
        "steps": view.steps,
        "messages": view.messages,
        "can_rate": view.can_rate,
        "score": view.score,
        "token": token,
    }


@router.post("/codes", response={202: CodeOut}, auth=None)
def send_code(request, payload: CodeIn):
    """Text a 6-digit code (10 minutes) to the number: 1 a minute and 5 an hour per number,
    20 an hour per client address (429 beyond)."""
    sent = services.send_code(
        payload.phone, purpose=payload.purpose, client=services.client_of(request)
    )
    return Reply(202, {"sent": True, "expires_at": sent.expires_at})


@router.post("/requests", response={201: SubmittedOut}, auth=None)
def submit(
    request,
    payload: Form[RequestIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    """A new request (multipart form; up to 5 ``photos``, images only)."""
    if payload.website:  # the honeypot: answered as accepted, no code checked
        got = services.submit_request(
            None,
            type_code="",
            content="",
            honeypot=payload.website,
            client=services.client_of(request),
        )
        return Reply(201, {"serial": got.serial, "work_order": got.work_order, "token": ""})
    with _proof(payload) as token:
        got = services.submit_request(
            token,
            type_code=payload.type,
            content=payload.content,
            contact_name=payload.contact_name,
            address=payload.address,
            area=payload.area,
            photos=[services.Photo(p.name or "photo", p.read()) for p in photos or []],
            client=services.client_of(request),
        )
    return Reply(201, {"serial": got.serial, "work_order": got.work_order, "token": token})


@router.post("/loss-reports", response={201: LossReportOut}, auth=None)
def report_loss(request, payload: LossReportIn):
    """失物登记 by the owner: the desk matches it against the found items and calls back; the
    owner is texted the report's number (10 an hour per address, 5 per number: 429 beyond)."""
    if payload.website:  # the honeypot: answered as accepted, no code checked
        serial = services.report_loss(
            None,
            owner_name="",
            category="",
            description="",
            lost_place="",
            lost_at=None,
            honeypot=payload.website,
            client=services.client_of(request),
        )
        return Reply(201, {"serial": serial, "token": ""})
    with _proof(payload) as token:
        serial = services.report_loss(
            token,
            owner_name=payload.owner_name,
            category=payload.category,
            description=payload.description,
            lost_place=payload.lost_place,
            lost_at=payload.lost_at,
            client=services.client_of(request),
        )
    return Reply(201, {"serial": serial, "token": token})


@router.post("/track", response=ProgressOut, auth=None)
def track(request, payload: TrackIn):
    """The request's public progress and its messages to and from the number."""
    with _proof(payload) as token:
        ticket = services.find_request(token, payload.serial, client=services.client_of(request))
    return _progress(ticket, token)


@router.post("/requests/{serial}/messages", response={201: ProgressOut}, auth=None)
def add_message(request, serial: str, payload: MessageIn):
    with _proof(payload) as token:
        ticket = services.add_message(
            token, serial, body=payload.body, client=services.client_of(request)
        )
    return Reply(201, _progress(ticket, token))


@router.post("/requests/{serial}/rating", response=ProgressOut, auth=None)
def rate(request, serial: str, payload: RatingIn):
    """1–5 and a comment, once, when the request is resolved."""
    with _proof(payload) as token:
        ticket = services.rate_request(
            token,
            serial,
            score=payload.score,
            comment=payload.comment,
            client=services.client_of(request),
        )
    return _progress(ticket, token)
