"""Work orders API: list, create, one order, edit, dispatch, transitions, web-order
verification, completion, photos, tracking notes, the dispatch message preview, the phone calls
owed after a failed SMS, and the dispatch latency. Thin: each calls one service or selector.

Nothing is deleted: an order ends cancelled (``POST /{serial}/transitions``, action ``cancel``).
Personal data (phones, addresses) is masked for roles without the permission to see it.
"""

from __future__ import annotations

from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Reply

from kefu.core.downloads import image_response
from kefu.core.masking import Masker
from kefu.core.paging import PageOut, PageQuery, page_out, paginate
from kefu.dispatch import access, latency, message, photos, selectors, sending, services
from kefu.dispatch.models import WorkOrder
from kefu.dispatch.schemas import (
    CallIn,
    CallTaskOut,
    CompleteIn,
    DispatchIn,
    LatencyQuery,
    ListQuery,
    NoteIn,
    OrderDetailOut,
    OrderEditIn,
    OrderIn,
    OrderOut,
    PreviewIn,
    PreviewOut,
    TrackingOut,
    TransitionIn,
    VerifyIn,
)

router = Router(tags=["workorders"])


def _person(user) -> dict | None:
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return {
        "username": user.username,
        "employee_no": staff.employee_no if staff else "",
        "name": staff.display_name if staff else user.username,
    }


def _out(order: WorkOrder, masker: Masker) -> dict:
    return {
        "serial": order.serial,
        "kind": order.kind,
        "source": order.source,
        "status": order.status,
        "ticket": order.ticket.serial if order.ticket is not None else None,
        "department": order.department.code,
        "crew": order.crew.name if order.crew is not None else None,
        "assignee": _person(order.assignee),
        "customer_name": order.customer_name,
        "customer_phone": masker.phone(order.customer_phone),
        "address": masker.address(order.address),
        "area": order.area.code if order.area is not None else None,
        "goods": order.goods,
        "ordered_at": order.ordered_at,
        "due_at": order.due_at,
        "due_rule": order.due_rule,
        "verify_due_at": order.verify_due_at,
        "dispatched_at": order.dispatched_at,
        "completed_at": order.completed_at,
        "closed_at": order.closed_at,
    }


def _detail(request, serial: str) -> dict:
    order = selectors.get_order(request.user, serial)
    masker = Masker(request.user)
    return _out(order, masker) | {
        "quantity": order.quantity,
        "weight": order.weight,
        "volume": order.volume,
        "destination": order.destination,
        "consignee": order.consignee,
        "consignee_phone": masker.phone(order.consignee_phone),
        "payment": order.payment,
        "charges": order.charges,
        "hint": order.hint,
        "window_start": order.window_start,
        "window_end": order.window_end,
        "dispatcher": _person(order.dispatcher),
        "accepted_at": order.accepted_at,
        "departed_at": order.departed_at,
        "arrived_at": order.arrived_at,
        "result": order.result,
        "materials": order.materials,
        "confirmation": order.confirmation,
        "return_reason": order.return_reason,
        "chase_count": order.chase_count,
        "photos": [p.file.name for p in order.photos.all() if p.purged_at is None],
        "photo_files": [
            {"id": p.pk, "name": p.name, "url": f"/api/v1/workorders/photos/{p.pk}"}
            for p in order.photos.all()
            if p.purged_at is None
        ],
        "signature_url": f"/api/v1/workorders/{order.serial}/signature" if order.signature else "",
        "photos_purged": sum(1 for p in order.photos.all() if p.purged_at is not None),
        "actions": access.actions_for(order, request.user),
        "tracking": [_tracking(t) for t in selectors.tracking_of(order)],
        "messages": [
            {
                "role": m.role,
                "phone": masker.phone(m.phone),
                "text": message.as_seen_by(masker, m.text, order),
                "state": m.state,
                "confirmed_at": m.confirmed_at,
                "sent_at": m.sent_at,
                "resent_at": m.resent_at,
                "latency_seconds": m.latency.total_seconds() if m.latency else None,
                "last_error": m.last_error,
            }
            for m in selectors.messages_of(order)
        ],
        "call_tasks": [_call(c, masker) for c in selectors.call_tasks_of(order)],
    }


def _tracking(row) -> dict:
    return {
        "at": row.at,
        "actor": row.actor.username if row.actor is not None else None,
        "kind": row.kind,
        "action": row.action,
        "from_status": row.from_status,
        "to_status": row.to_status,
        "note": row.note,
        "data": row.data,
    }


def _call(task, masker: Masker) -> dict:
    return {
        "id": task.id,
        "order": task.order.serial,
        "phone": masker.phone(task.phone),
        "reason": task.reason,
        "state": task.state,
        "created_at": task.created_at,
        "called_at": task.called_at,
        "note": task.note,
    }


def _preview(rendered: message.Rendered) -> dict:
    return {
        "text": rendered.text,
        "length": rendered.length,
        "limit": rendered.limit,
        "shortened": list(rendered.shortened),
        "dropped": list(rendered.dropped),
        "over_limit": rendered.over_limit,
    }


# ---------------------------------------------------------------------------------- reads


@router.get("", response=PageOut[OrderOut])
def list_orders(request, filters: Query[ListQuery]):
    """Orders the caller may see, newest first, one page (the list contract: README)."""
    page = selectors.list_orders(
        request.user,
        status=filters.status,
        department=filters.department,
        assignee=filters.assignee,
        kind=filters.kind or "",
        overdue=filters.overdue,
        q=filters.q,
        ticket=filters.ticket,
        page=filters.page,
        per_page=filters.per_page,
    )
    masker = Masker(request.user)
    return page_out(page, lambda o: _out(o, masker))


@router.post("/preview-message", response=PreviewOut)
def preview_message(request, payload: PreviewIn):
    """The dispatch SMS these fields would make (serial shown as a placeholder), its length
    against the 70-character limit, and what the shortening rule cut or left out."""
    fields = {name: getattr(payload, name) for name in services.CONTENT_FIELDS}
    staff = getattr(request.user, "staff", None)
    if staff is not None:
        fields["agent_no"] = staff.employee_no  # the one who confirms it
    return _preview(message.preview_text(fields, payload.kind))


@router.get("/call-tasks", response=PageOut[CallTaskOut])
def call_tasks(request, paging: Query[PageQuery]):
    """The phone calls still owed because a dispatch SMS failed, oldest first, one page."""
    page = paginate(
        sending.list_open_call_tasks(request.user), page=paging.page, per_page=paging.per_page
    )
    masker = Masker(request.user)
    return page_out(page, lambda t: _call(t, masker))


@router.post("/call-tasks/{int:task_id}/record", response=CallTaskOut)
def record_call(request, task_id: int, payload: CallIn):
    """Record the call made instead of the SMS: when, reached or not, and what was said."""
    task = sending.record_call(
        task_id,
        actor=request.user,
        reached=payload.reached,
        called_at=payload.called_at,
        note=payload.note,
    )
    return _call(task, Masker(request.user))


@router.post("/messages/{int:message_id}/resend", response=OrderDetailOut)
def resend(request, message_id: int):
    """Send a failed dispatch SMS again by hand (to the recipient's phone as it is now)."""
    message = sending.resend_message(message_id, actor=request.user)
    return _detail(request, message.order.serial)


@router.get("/latency")
def dispatch_latency(request, filters: Query[LatencyQuery]):
    """Dispatch latency of the orders the caller may see: how many SMS left within 3
    minutes of confirming the order, the median and the 95th percentile."""
    return latency.latency_summary(
        access.visible_orders(request.user), since=filters.since, until=filters.until
    )


@router.get("/photos/{photo_id}")
def photo_file(request, photo_id: int):
    """A photo taken on site (a JPEG or PNG, re-encoded on upload) to whoever may see its
    order; 404 for one destroyed after its retention period. Its address is in the order's
    ``photo_files``."""
    found = photos.order_photo(request.user, photo_id)
    return image_response(found.file, found.name, found.content_type)


@router.get("/{serial}/signature")
def signature_file(request, serial: str):
    """The customer's signature drawn on site (PNG), to whoever may see the order; 404 when
    the customer did not sign. Its address is the order's ``signature_url``."""
    order = photos.order_signature(request.user, serial)
    return image_response(order.signature, f"{order.serial}.png", "image/png")


@router.get("/{serial}", response=OrderDetailOut)
def detail(request, serial: str):
    """One order with its tracking record, dispatch messages and phone calls."""
    return _detail(request, serial)


@router.get("/{serial}/message-preview", response=PreviewOut)
def order_message(request, serial: str):
    """The dispatch SMS this order makes now."""
    order = selectors.get_order(request.user, serial)
    return _preview(message.preview_for(Masker(request.user), order))


@router.get("/{serial}/tracking", response=PageOut[TrackingOut])
def tracking(request, serial: str, paging: Query[PageQuery]):
    """The order's tracking record (跟踪记录), oldest first, one page."""
    rows = selectors.tracking_of(access.access_order(request.user, serial))
    return page_out(paginate(rows, page=paging.page, per_page=paging.per_page), _tracking)


# ---------------------------------------------------------------------------------- changes


@router.post("", response={201: OrderDetailOut})
def create(request, payload: OrderIn):
    """A work order, from a ticket or on its own; with ``dispatch`` confirmed at once."""
    order = services.create_order(
        payload,
        actor=request.user,
        ticket=payload.ticket,
        assignee=payload.assignee,
        crew=payload.crew,
        dispatcher=payload.dispatcher,
        dispatch=payload.dispatch,
        note=payload.note,
    )
    return Reply(201, _detail(request, order.serial))


@router.put("/{serial}", response=OrderDetailOut)
def edit(request, serial: str, payload: OrderEditIn):
    """Correct an order before it is completed; every change goes on the tracking record."""
    services.update_order(serial, payload, actor=request.user, note=payload.note)
    return _detail(request, serial)


@router.post("/{serial}/dispatch", response=OrderDetailOut)
def dispatch(request, serial: str, payload: DispatchIn):
    """Confirm (or re-dispatch) to a field staff member or a crew: SMS to them, copy to the
    dispatcher, within 3 minutes."""
    services.dispatch_order(
        serial,
        actor=request.user,
        assignee=payload.assignee,
        crew=payload.crew,
        department=payload.department,
        dispatcher=payload.dispatcher,
        note=payload.note,
    )
    return _detail(request, serial)


@router.post("/{serial}/transitions", response=OrderDetailOut)
def transition(request, serial: str, payload: TransitionIn):
    """accept / depart / arrive / return / close (销账) / reject / cancel."""
    services.transition_order(serial, actor=request.user, action=payload.action, note=payload.note)
    return _detail(request, serial)


@router.post("/{serial}/verify", response=OrderDetailOut)
def verify(request, serial: str, payload: VerifyIn):
    """The phone call confirming a web order: go ahead, or cancelled with the reason."""
    services.verify_order(
        serial, actor=request.user, confirmed=payload.confirmed, note=payload.note
    )
    return _detail(request, serial)


@router.post("/{serial}/complete", response=OrderDetailOut)
def complete(request, serial: str, payload: CompleteIn):
    """Done on site: result, materials, the customer's code or signature (PNG, base64)."""
    signature = photos.signature_png(payload.signature_png, field="signature_png")
    services.complete_order(
        serial,
        actor=request.user,
        result=payload.result,
        materials=payload.materials,
        confirmation_code=payload.confirmation_code,
        signature_png=signature,
    )
    return _detail(request, serial)


@router.post("/{serial}/photos", response={201: OrderDetailOut})
def photo(request, serial: str, file: File[UploadedFile]):
    """A photo taken on site (multipart, field ``file``)."""
    photos.add_photo(serial, actor=request.user, upload=file)
    return Reply(201, _detail(request, serial))


@router.post("/{serial}/notes", response={201: TrackingOut})
def note(request, serial: str, payload: NoteIn):
    """A follow-up note (跟踪记录)."""
    return Reply(
        201, _tracking(services.add_tracking_note(serial, actor=request.user, note=payload.note))
    )
