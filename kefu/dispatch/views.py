"""The dispatch desk: the work order list, a new order with its message preview, an order's
page with its actions, and the phone calls owed when a dispatch SMS failed. Thin: parse, call
one service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.core.paging import page_args, paginate
from kefu.dispatch import access, latency, message, selectors, sending, services
from kefu.dispatch.forms import (
    CallForm,
    CompleteForm,
    DispatchForm,
    NoteForm,
    OrderForm,
    VerifyForm,
)
from kefu.dispatch.models import ACTION_LABELS, Kind, Source, Status, TrackingRecord, WorkOrder
from kefu.tickets.access import access_ticket


def _error_to(form, exc: ServiceError) -> None:
    if form is not None and exc.field in form.fields:
        form.add_error(exc.field, exc.detail)


# ---------------------------------------------------------------------------------- list


@login_required
@require_GET
def order_list(request):
    params = request.GET
    status = params.get("status", "open")
    if status not in Status.values and status not in ("open", "all"):
        status = "open"
    counts = selectors.count_by_status(request.user)
    page = selectors.list_orders(
        request.user,
        status="" if status == "all" else status,
        department=params.get("department", "")[:30],
        kind=params.get("kind", "") if params.get("kind", "") in Kind.values else "",
        overdue=params.get("overdue") == "1",
        q=params.get("q", ""),
        **page_args(params),
    )
    return render(
        request,
        "dispatch/list.html",
        {
            "page": page,
            "status": status,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "overdue_count": selectors.count_overdue(request.user),
            "overdue": params.get("overdue") == "1",
            "q": params.get("q", "")[:60],
            "can_create": access.can_create(request.user),
            "calls_open": sending.list_open_call_tasks(request.user).count(),
            "latency": latency.today_summary(access.visible_orders(request.user)),
            "masker": Masker(request.user),
        },
    )


# ---------------------------------------------------------------------------------- new


def _new_page(request, form, *, error: str = "", status: int = 200):
    return render(
        request,
        "dispatch/new.html",
        {
            "form": form,
            "error": error,
            "crews": selectors.active_crews(),
            "people": selectors.department_people(),
            "preview": _preview_of(form.data if form.is_bound else form.initial, request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_new(request):
    if not access.can_create(request.user):
        raise Http404
    if request.method == "GET":
        initial = {"dispatch": True, "source": Source.PHONE}
        serial = request.GET.get("ticket", "")[:16]
        if serial:
            initial.update(_from_ticket(request.user, serial))
        return _new_page(request, OrderForm(initial=initial))
    form = OrderForm(request.POST)
    if not form.is_valid():
        return _new_page(request, form, error=_("输入有误"), status=422)
    data = form.cleaned_data
    try:
        order = services.create_order(
            form.input,
            actor=request.user,
            ticket=data["ticket"],
            assignee=data["assignee"],
            crew=data["crew"],
            dispatcher=data["dispatcher"],
            dispatch=data["dispatch"] and data["source"] != Source.WEB,
            note=data["note"],
        )
    except ServiceError as exc:
        _error_to(form, exc)
        return _new_page(request, form, error=exc.detail, status=exc.status)
    return redirect("workorder", serial=order.serial)


def _from_ticket(actor, serial: str) -> dict:
    """The new order's fields taken from the ticket it comes from."""
    try:
        ticket = access_ticket(actor, serial)
    except ServiceError:
        return {}
    customer = ticket.customer
    values = {
        "ticket": ticket.serial,
        "kind": ticket.type.work_order_kind or Kind.REPAIR,
        "goods": ticket.content[:200],
        "customer_phone": ticket.caller_number,
        "customer_name": (customer.name if customer else ticket.contact_name)[:40],
        "area": ticket.area.code if ticket.area is not None else "",
        "department": ticket.department.code if ticket.department is not None else "",
    }
    if customer is not None:
        values["address"] = (customer.address or "")[:200]
    return values


def _preview_of(values, user) -> message.Rendered | None:
    kind = values.get("kind") or Kind.REPAIR
    if kind not in Kind.values:
        return None
    fields = {name: values.get(name) or "" for name in services.CONTENT_FIELDS}
    staff = getattr(user, "staff", None)
    if staff is not None:
        fields["agent_no"] = staff.employee_no  # the one who confirms it
    return message.preview_text(fields, kind)


@login_required
@require_POST
def preview(request):
    """The dispatch SMS as it will go out, for the form's current values (htmx)."""
    return render(
        request,
        "dispatch/partials/preview.html",
        {"preview": _preview_of(request.POST, request.user)},
    )


# ---------------------------------------------------------------------------------- one order


def _detail(request, serial: str, *, forms: dict | None = None, error: str = "", status=200):
    try:
        order = selectors.get_order(request.user, serial)
    except ServiceError:
        raise Http404 from None
    actions = access.actions_for(order, request.user)
    masker = Masker(request.user)
    messages = list(selectors.messages_of(order))
    context = {
        "order": order,
        "tracking": selectors.tracking_of(order),
        "messages": messages,
        "sms_texts": {m.id: message.as_seen_by(masker, m.text, order) for m in messages},
        "calls": selectors.call_tasks_of(order),
        "actions": actions,
        "labels": ACTION_LABELS,
        "status_labels": dict(Status.choices),
        "kind_labels": dict(TrackingRecord.Kind.choices),
        "people": selectors.field_people(order),
        "crews": selectors.crews_of(order.department_id),
        "can_note": scope_of(request.user).role not in access.READ_ONLY_ROLES,
        "can_resend": sending.may_handle(order, request.user),
        "can_verify": order.source == Source.WEB
        and order.status == Status.PENDING
        and order.verified_at is None
        and scope_of(request.user).can_intake,
        "masker": masker,
        "preview": message.preview_for(masker, order),
        "order_latency": latency.order_latency(order),
        "dispatch_form": DispatchForm(),
        "note_form": NoteForm(),
        "verify_form": VerifyForm(),
        "complete_form": CompleteForm(),
        "call_form": CallForm(),
        "error": error,
    }
    context.update(forms or {})
    return render(request, "dispatch/detail.html", context, status=status)


@login_required
@require_GET
def order_detail(request, serial: str):
    return _detail(request, serial)


FORMS = {
    "dispatch": DispatchForm,
    "note": NoteForm,
    "verify": VerifyForm,
    "complete": CompleteForm,
}


@login_required
@require_POST
def order_action(request, serial: str, name: str):
    """dispatch / verify / note / complete, or a plain transition, each one service call."""
    if name not in FORMS and name not in WorkOrder.ACTIONS:
        raise Http404
    form_class = FORMS.get(name, NoteForm)
    form = form_class(request.POST)
    form_key = f"{name}_form" if name in FORMS else "note_form"
    if not form.is_valid():
        return _detail(request, serial, forms={form_key: form}, error=_("输入有误"), status=422)
    data = form.cleaned_data
    user = request.user
    try:
        match name:
            case "dispatch":
                services.dispatch_order(serial, actor=user, **data)
            case "verify":
                services.verify_order(
                    serial, actor=user, confirmed=data["confirmed"], note=data["note"]
                )
            case "note":
                services.add_tracking_note(serial, actor=user, note=data["note"])
            case "complete":
                services.complete_order(
                    serial,
                    actor=user,
                    result=data["result"],
                    materials=data["materials"],
                    confirmation_code=data["confirmation_code"],
                    photos=request.FILES.getlist("photos"),
                )
            case _:
                services.transition_order(serial, actor=user, action=name, note=data["note"])
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND and exc.field is None:
            raise Http404 from None
        _error_to(form, exc)
        return _detail(request, serial, forms={form_key: form}, error=exc.detail, status=exc.status)
    return redirect("workorder", serial=serial)  # a reload must not post again


@login_required
@require_POST
def message_resend(request, message_id: int):
    """Send a failed dispatch SMS again by hand (after the phone was corrected, say)."""
    try:
        message = sending.resend_message(message_id, actor=request.user)
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND:
            raise Http404 from None
        serial = request.POST.get("serial", "")[:20]
        return _detail(request, serial, error=exc.detail, status=exc.status)
    return redirect("workorder", serial=message.order.serial)


# ---------------------------------------------------------------------------------- calls


def _calls_page(request, *, forms: dict | None = None, error: str = "", status: int = 200):
    return render(
        request,
        "dispatch/calls.html",
        {
            "page": paginate(sending.list_open_call_tasks(request.user), **page_args(request.GET)),
            "forms": forms or {},
            "call_form": CallForm(),
            "error": error,
            "masker": Masker(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def call_list(request):
    return _calls_page(request)


@login_required
@require_POST
def call_record(request, task_id: int):
    """The agent records the call made instead of the failed SMS: when, and what was said."""
    form = CallForm(request.POST)
    back = request.POST.get("next", "")
    if not form.is_valid():
        return _calls_page(request, forms={task_id: form}, error=_("输入有误"), status=422)
    data = form.cleaned_data
    try:
        task = sending.record_call(
            task_id,
            actor=request.user,
            reached=data["reached"],
            called_at=data["called_at"],
            note=data["note"],
        )
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND:
            raise Http404 from None
        _error_to(form, exc)
        return _calls_page(request, forms={task_id: form}, error=exc.detail, status=exc.status)
    if back == "order":
        return redirect("workorder", serial=task.order.serial)
    return redirect("workorder-calls")
