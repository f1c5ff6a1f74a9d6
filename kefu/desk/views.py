"""Agent workbench, queues and the ticket page. Thin: parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from kefu.accounts import org
from kefu.accounts.models import Department, Role
from kefu.accounts.scope import scope_of
from kefu.business import services as business
from kefu.complaints.selectors import complaint_page
from kefu.conversations import selectors as conversation_selectors
from kefu.conversations import services as conversations
from kefu.core.downloads import attachment_response
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.core.paging import page_args
from kefu.core.retention import is_administrator
from kefu.customers import selectors as customer_selectors
from kefu.customers import services as customer_services
from kefu.customers.access import access_customer
from kefu.customers.models import Customer
from kefu.customers.selectors import PROMINENT_TAGS
from kefu.desk import selectors as desk_selectors
from kefu.desk import services as desk_services
from kefu.desk.forms import ActionForm, IntakeForm, QueueForm
from kefu.dispatch.models import Kind as OrderKind
from kefu.notices.selectors import active_notices_for
from kefu.notices.services import answers_call
from kefu.sla.models import ComplaintClass, Severity
from kefu.telephony import floor as phone_floor
from kefu.telephony.services import calls_of_ticket
from kefu.tickets import holds, hooks, selectors, services
from kefu.tickets.access import access_attachment, actions_for, visible_tickets
from kefu.tickets.models import (
    Channel,
    LegalHold,
    Priority,
    ReplyMethod,
    Status,
    Ticket,
    TicketType,
)
from kefu.tickets.selectors import TicketFilters
from kefu.triage import selectors as triage_selectors
from kefu.triage import services as triage
from kefu.triage.models import Sentiment

ACTION_LABELS = {
    "accept": _("受理"),
    "dispatch": _("派工"),
    "start": _("开始处理"),
    "return": _("退回"),
    "request_confirmation": _("请客户确认"),
    "resolve": _("办结"),
    "follow_up": _("已回访"),
    "close": _("归档"),
    "reopen": _("重新处理"),
    "cancel": _("撤销"),
}


def event_labels() -> dict:
    """What the timeline calls each step: the kernel's actions and what every domain
    registered for its own (kefu.tickets.hooks)."""
    return ACTION_LABELS | {"merge": _("合并")} | hooks.event_labels()


@login_required
@require_GET
def workbench(request):
    if scope_of(request.user).role == Role.FIELD_STAFF:
        return redirect("m-orders")  # field staff work from their phone page
    if not scope_of(request.user).can_intake:
        return redirect("queue")  # a department (or quality, management) works from its queue
    phone = request.GET.get("phone", "")[:40]
    # From the call pop or the caller log: the call the request is taken on.
    form = IntakeForm(
        initial={"caller_number": phone, "call_id": request.GET.get("call", "")[:100]}
    )
    saved = None  # back from saving without htmx: what was saved, if this user may see it
    serial = request.GET.get("saved", "")[:20]
    if serial.isdigit():
        found = visible_tickets(request.user).filter(serial=serial).first()
        if found is not None:
            saved = {"serial": found.serial, "status": found.get_status_display(), "order": ""}
    return render(
        request,
        "tickets/workbench.html",
        {
            "form": form,
            "phone": phone,
            "open_counts": selectors.count_open_by_status(request.user),
            "status_labels": dict(Status.choices),
            "can_intake": scope_of(request.user).can_intake,
            "saved": saved,
            "phone_state": phone_floor.own_state(request.user),
        },
    )


@login_required
@require_GET
def lookup_partial(request):
    """The caller's profile and last tickets (screen pop), as an htmx fragment."""
    raw = request.GET.get("phone", "")[:40]
    profile = selectors.caller_profile(request.user, raw)
    customer_services.audit_shown(
        request.user, profile.customers, how="lookup", phone=profile.number
    )
    notices = active_notices_for(profile.customers)
    first = profile.customers[0] if profile.customers else None
    overview = (
        desk_selectors.customer_overview(request.user, first, number=profile.number)
        if profile.number
        else None
    )
    return render(
        request,
        "tickets/partials/profile.html",
        {
            "raw": raw,
            "number": profile.number,
            "customers": profile.customers,
            "recent": profile.recent,
            "masker": Masker(request.user),
            "notices": notices,
            "overview": overview,
            "prominent_tags": PROMINENT_TAGS,
            "business": business.can_lookup(request.user),
        },
    )


@login_required
@require_GET
def customer_overview_partial(request, customer_id: int):
    """The customer page's whole picture (客户360): notices for the address, last calls, open
    work orders, callbacks and scores, and the business panel's loader, as an htmx fragment."""
    try:
        customer = access_customer(request.user, customer_id)
    except ServiceError:
        raise Http404
    return render(
        request,
        "tickets/partials/customer_overview.html",
        {
            "customer": customer,
            "overview": desk_selectors.customer_overview(request.user, customer),
            "notices": active_notices_for([customer]),
            "business": business.can_lookup(request.user),
        },
    )


@login_required
@require_GET
def triage_partial(request):
    """The workbench's suggestions for what the agent is typing, each with an accept button."""
    text = request.GET.get("content", "")[:2000]
    if not text.strip() or not scope_of(request.user).can_intake:
        return render(request, "tickets/partials/triage.html", {"rows": []})
    channel = request.GET.get("channel", "")
    try:
        found = desk_services.suggest(
            request.user,
            text=text,
            channel=channel if channel in Channel.values else "",
            area=request.GET.get("area", "")[:30],
        )
    except ServiceError:
        found = {}
    return render(request, "tickets/partials/triage.html", {"rows": _triage_rows(found)})


def _triage_rows(found: dict) -> list[dict]:
    """The suggestions as the panel shows them: what, how sure, and the form field an accept
    fills (urgency fills the priority; a complaint's class only for a complaint)."""
    names: dict[str, dict[str, str]] = {
        "type": dict((t.code, str(t)) for t in TicketType.objects.filter(is_active=True)),
        "sentiment": {k: str(v) for k, v in Sentiment.choices},
        "complaint_class": {k: str(v) for k, v in ComplaintClass.choices},
        "department": dict(org.department_choices()),
        "matter": triage.active_matters(),
    }
    titles = {
        "type": _("诉求类型"),
        "urgent": _("紧急程度"),
        "sentiment": _("客户情绪"),
        "complaint_class": _("投诉性质"),
        "department": _("派工部门"),
        "matter": _("诉求事项"),
    }
    rows = []
    for name, title in titles.items():
        guess = found.get(name)
        if guess is None or guess.value is None:
            continue
        if name == "urgent":
            shown = _("紧急") if guess.value else _("普通")
            field, value = "priority", (Priority.URGENT if guess.value else Priority.NORMAL)
        else:
            shown, field, value = names[name].get(guess.value, guess.value), name, guess.value
        rows.append(
            {
                "name": name,
                "title": title,
                "shown": shown,
                "confidence": round(guess.confidence * 100),
                "field": field,
                "value": value,
                "alert": name == "urgent" and guess.value,
            }
        )
    return rows


@login_required
@require_POST
def intake(request):
    """Two steps: the first POST shows the read-back (复述确认), the confirmed one saves."""
    form = IntakeForm(request.POST)
    context = {"form": form, "can_intake": scope_of(request.user).can_intake}
    if not form.is_valid():
        return render(request, "tickets/partials/intake_form.html", context, status=422)
    if request.POST.get("edit"):
        return render(request, "tickets/partials/intake_form.html", context)
    data = form.input
    try:
        if not form.cleaned_data.get("confirmed"):
            cleaned, finding = desk_services.read_back(data, actor=request.user)
            return render(
                request,
                "tickets/partials/readback.html",
                context
                | {
                    "cleaned": cleaned,
                    "department": cleaned["dispatch_to"],
                    "masker": Masker(request.user),
                    "reply_label": ReplyMethod(cleaned["reply_method"]).label,
                    "promised": cleaned["told"].get("promised"),
                    "wording": finding.warnings,
                    "notice_answer": data.notice_id is not None
                    and answers_call(data.type, department=data.department),
                    "order": _order_readback(cleaned),
                },
            )
        ticket = desk_services.take_request(data, actor=request.user, accept=True)
    except ServiceError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        return render(request, "tickets/partials/intake_form.html", context, status=422)
    return _ready_for_next_call(request, ticket)


def _ready_for_next_call(request, ticket):
    """Saved: an empty intake form for the next call, and a note of what was saved (the serial,
    its status, its work order) with a link to the ticket. The workbench's script clears the
    caller's panels on ``kefu:saved`` and puts the cursor in 来电号码."""
    # (A call answered from a notice comes back closed, re-read: it made no work order.)
    order = getattr(ticket, "intake_results", {}).get("work_order")
    saved = {
        "serial": ticket.serial,
        "status": ticket.get_status_display(),
        "order": order.serial if order is not None else "",
    }
    if not request.htmx:
        return redirect(f"{reverse('workbench')}?saved={ticket.serial}")
    context = {"form": IntakeForm(), "can_intake": True, "saved": saved}
    response = render(request, "tickets/partials/intake_form.html", context)
    return trigger_client_event(response, "kefu:saved", {"serial": ticket.serial})


def _order_readback(cleaned: dict) -> dict | None:
    """What the read-back says of the work order saving makes: its kind, where, to whom."""
    order = cleaned.get("work_order")
    if not order:
        return None
    return {
        "kind": OrderKind(order["kind"]).label,
        "address": order["address"],
        "to": cleaned.get("order_to") or _("由调度派工"),
    }


@login_required
@require_GET
def queue(request):
    """The queue: by default the user's open work (an agent's: mine and nobody's; a
    department's: its own), what is due soonest first; any column sorts; the open statuses
    counted; saved views; one step on several tickets at once."""
    query = request.GET.copy()
    if not query.get("view"):
        query["view"] = "work"
        query.setdefault("sort", "due")
    form = QueueForm(query)
    # A filter refused (a stale link's sort, a year out of range) is left out, the others
    # kept, and a visible field's error shown above the list.
    form.is_valid()
    cleaned = form.cleaned_data
    filters = TicketFilters(
        view=cleaned.get("view") or "work",
        type=cleaned.get("type") or "",
        status=cleaned.get("status") or "",
        channel=cleaned.get("channel") or "",
        branch=cleaned.get("branch") or "",
        department=cleaned.get("department") or "",
        priority=cleaned.get("priority") or "",
        date_from=cleaned.get("date_from"),
        date_to=cleaned.get("date_to"),
        q=cleaned.get("q") or "",
        sort=cleaned.get("sort") or "",
    )
    page = selectors.list_tickets(request.user, filters, **page_args(request.GET))
    template = "tickets/partials/queue_table.html" if request.htmx else "tickets/queue.html"
    scope = scope_of(request.user)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "masker": Masker(request.user),
            "status_labels": dict(Status.choices),
            "counts": selectors.count_by_status(request.user, filters),
            "query": query.urlencode(),
            "sorted_by": filters.sort,
            "saved_views": desk_selectors.saved_views(request.user),
            "bulk_actions": _bulk_actions(scope),
            "departments": org.department_choices(),
        },
    )


def _bulk_actions(scope) -> list[tuple[str, Any]]:
    """The steps the queue offers on several tickets; each ticket is still checked alone."""
    if scope.nothing:
        return []
    if scope.can_intake:
        steps = ["assign", "accept", "dispatch", "start", "close", "cancel"]
    elif scope.role == Role.DEPT_HEAD:
        steps = ["assign", "start", "return"]
    elif scope.is_department:
        steps = ["start", "return"]
    else:  # quality, management: they read the queue
        return []
    labels = ACTION_LABELS | {"assign": _("指派")}
    return [(s, labels[s]) for s in steps]


@login_required
@require_POST
def bulk(request):
    """One step on the ticked tickets; the queue says what was done and what was refused."""
    back = _queue_url(request.POST.get("query", ""))
    try:
        result = desk_services.act_on_many(
            request.POST.getlist("serial"),
            actor=request.user,
            action=request.POST.get("action", ""),
            note=request.POST.get("note", ""),
            department=request.POST.get("department", ""),
            assignee=request.POST.get("assignee", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    if result.done:
        messages.success(
            request,
            _("已处理 %(n)d 张:%(serials)s")
            % {"n": len(result.done), "serials": "、".join(result.done)},
        )
    for serial, reason in result.refused:
        messages.error(
            request, _("%(serial)s 未处理:%(reason)s") % {"serial": serial, "reason": reason}
        )
    return redirect(back)


def _queue_url(query: str) -> str:
    """The queue with ``query`` (a query string the page sent back), nothing else."""
    return f"{reverse('queue')}?{QueryDict(query[:1000]).urlencode()}"


@login_required
@require_POST
def save_view(request):
    query = request.POST.get("query", "")
    try:
        view = desk_services.save_view(request.user, name=request.POST.get("name", ""), query=query)
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect(_queue_url(query))
    messages.success(request, _("已保存视图:%s") % view.name)
    return redirect(_queue_url(view.query))


@login_required
@require_POST
def remove_view(request, view_id: int):
    try:
        desk_services.remove_view(request.user, view_id)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect(_queue_url(request.POST.get("query", "")))


def _detail_context(request, serial: str, **extra) -> dict:
    ticket = selectors.get_ticket_detail(request.user, serial)
    actions = [(a, ACTION_LABELS[a]) for a in actions_for(ticket, request.user)]
    departments = Department.objects.filter(is_active=True).select_related("branch")
    timeline = selectors.get_timeline(ticket)
    complaint = complaint_page(ticket, request.user, timeline)
    return {
        "complaint": complaint,
        "ticket": ticket,
        "timeline": timeline,
        "calls": calls_of_ticket(request.user, ticket),
        "actions": actions,
        "allowed": {a for a, _label in actions},
        "departments": departments,
        "people": selectors.assignable_people(ticket),
        "masker": Masker(request.user),
        "status_labels": dict(Status.choices),
        "action_labels": event_labels(),
        "class_labels": dict(ComplaintClass.choices),
        "severity_labels": dict(Severity.choices),
        "can_intake": scope_of(request.user).can_intake,
        "triage_label": triage_selectors.label_of(ticket),
        "matters": triage.active_matters(),
        "similar": triage_selectors.similar_tickets(ticket, request.user),
        "can_reply": conversations.can_reply(request.user),
        # Legal holds (法律保全) are an administrator's, set and lifted on this page.
        "can_hold": is_administrator(request.user),
        "holds": holds.holds_on(ticket_id=ticket.pk) if is_administrator(request.user) else [],
        **_conversation_context(request, ticket),
        **extra,
    }


def _conversation_context(request, ticket) -> dict:
    """The ticket's conversation and what the reply box offers: the channels (the one the
    customer last wrote by first chosen) and the agent's reply templates, filled."""
    chosen = conversations.default_via(ticket)
    vias = [
        (Channel.SMS, _("短信")),
        (Channel.EMAIL, _("邮件")),
        (Channel.WEB, _("网站(客户自助查询可见)")),
    ]
    if Channel.CHAT in conversations.SENDERS:
        vias.append((Channel.CHAT, _("在线客服")))
    templates = conversations.templates_for(request.user, channel=chosen)
    return {
        "thread": conversation_selectors.thread(ticket, request.user),
        "reply_vias": vias,
        "default_via": chosen,
        "reply_templates": templates,
        "reply_template_data": [
            {
                "key": t.key,
                "title": t.title,
                "text": conversations.fill_template(t, actor=request.user, ticket=ticket),
            }
            for t in templates
        ],
    }


@login_required
@require_GET
def detail(request, serial: str):
    try:
        context = _detail_context(request, serial)
    except ServiceError:
        raise Http404
    return render(request, "tickets/detail.html", context)


def after_change(request, serial: str, exc: ServiceError | None = None, **extra):
    try:
        context = _detail_context(request, serial, error=exc.detail if exc else "", **extra)
    except ServiceError:
        raise Http404
    if exc is None and not request.htmx:
        return redirect("ticket", serial=serial)  # a reload must not post the form again
    template = "tickets/partials/ticket_body.html" if request.htmx else "tickets/detail.html"
    return render(request, template, context, status=422 if exc else 200)


@login_required
@require_POST
def action(request, serial: str):
    form = ActionForm(request.POST)
    if not form.is_valid():
        return after_change(request, serial, ServiceError(Code.INVALID, _("输入有误")))
    try:
        services.transition_ticket(serial, actor=request.user, **form.cleaned_data)
    except ServiceError as exc:
        return after_change(request, serial, exc)
    return after_change(request, serial)


@login_required
@require_POST
def reply(request, serial: str):
    """Reply to the customer by SMS, e-mail, the portal or the chat, with the files chosen
    in the reply box (multipart ``files``: stored on the ticket, then sent with it); a
    refused text stays in the form."""
    text = request.POST.get("text", "")
    try:
        conversations.reply(
            serial,
            actor=request.user,
            text=text,
            via=request.POST.get("via", ""),
            to=request.POST.get("to", "")[:320],
            subject=request.POST.get("subject", "")[:200],
            uploads=request.FILES.getlist("files"),
        )
    except ServiceError as exc:
        return after_change(request, serial, exc, reply_text=text[:10000])
    return after_change(request, serial)


@login_required
@require_POST
def link_customer(request, serial: str):
    """关联客户: the customer chosen (``customer_id``), or found by what the agent typed
    (``q``: 户号, a number, an e-mail address, a name); several found are offered to pick
    from. ``remove`` takes the customer off; ``remember`` keeps the address in the archive."""
    remember = request.POST.get("remember") == "1"
    query = request.POST.get("q", "").strip()[:100]
    raw_id = request.POST.get("customer_id", "")
    try:
        if request.POST.get("remove") == "1":
            conversations.link_customer(serial, actor=request.user, customer_id=None)
            return after_change(request, serial)
        if raw_id.isdigit():
            customer_id = int(raw_id)
        else:
            if not query:
                raise ServiceError(Code.INVALID, _("请输入户号、电话、邮箱或姓名"), field="q")
            found = list(customer_selectors.list_customers(request.user, q=query)[:6])
            if not found:
                raise ServiceError(Code.NOT_FOUND, _("未找到客户:%s") % query, field="q")
            if len(found) > 1:
                return after_change(
                    request,
                    serial,
                    ServiceError(Code.INVALID, _("找到多个客户,请选择"), field="q"),
                    customer_candidates=found[:5],
                    customer_query=query,
                    customer_remember=remember,
                )
            customer_id = found[0].pk
        conversations.link_customer(
            serial, actor=request.user, customer_id=customer_id, remember=remember
        )
    except ServiceError as exc:
        return after_change(request, serial, exc, customer_query=query, customer_remember=remember)
    return after_change(request, serial)


@login_required
@require_POST
def wording_partial(request):
    """The forbidden phrases in what the agent is writing, marked, with what to say instead."""
    text = request.POST.get("text", "")[:5000]
    try:
        found = desk_services.wording_hits(request.user, text)
    except ServiceError:
        found = {"hits": [], "policy": ""}
    return render(request, "tickets/partials/wording.html", found)


@login_required
@require_POST
def note(request, serial: str):
    try:
        services.add_note(serial, actor=request.user, note=request.POST.get("note", ""))
    except ServiceError as exc:
        return after_change(request, serial, exc)
    return after_change(request, serial)


@login_required
@require_POST
def assign(request, serial: str):
    try:
        services.assign_ticket(
            serial,
            actor=request.user,
            assignee=request.POST.get("assignee", "")[:150],
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        return after_change(request, serial, exc)
    return after_change(request, serial)


@login_required
@require_POST
def merge(request, serial: str):
    try:
        survivor = services.merge_tickets(
            serial,
            into=request.POST.get("into", "")[:16],
            actor=request.user,
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        return after_change(request, serial, exc)
    return _go_to_ticket(request, survivor.serial)


def _go_to_ticket(request, serial: str):
    """To the ticket's page: a full page load for htmx (HX-Redirect), a redirect otherwise."""
    url = reverse("ticket", args=[serial])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_POST
def attach(request, serial: str):
    try:
        services.add_attachment(serial, actor=request.user, upload=request.FILES.get("file"))
    except ServiceError as exc:
        return after_change(request, serial, exc)
    return after_change(request, serial)


@login_required
@require_GET
def media(request, path: str):
    """Serve an attachment to someone who may see its ticket."""
    try:
        attachment = access_attachment(request.user, path)
    except ServiceError:
        raise Http404
    if attachment.purged_at is not None:
        raise Http404
    return attachment_response(attachment.file, attachment.name)


# ---------------------------------------------------------------------------------- legal holds


def _hold_page(customer: Customer | None, ticket: Ticket | None) -> HttpResponse:
    if customer is not None:
        return redirect("customer", customer_id=customer.pk)
    if ticket is not None:
        return redirect("ticket", serial=ticket.serial)
    return redirect("workbench")


@login_required
@require_POST
def legal_hold_set(request):
    """Put a legal hold on the customer or the ticket of the page it was set on."""
    raw_customer, serial = request.POST.get("customer", ""), request.POST.get("ticket", "")
    customer = Customer.objects.filter(pk=raw_customer).first() if raw_customer.isdigit() else None
    ticket = Ticket.objects.filter(serial=serial[:20]).first() if serial else None
    try:
        holds.set_hold(
            actor=request.user,
            reason=request.POST.get("reason", ""),
            customer=customer,
            ticket=ticket,
        )
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已设置法律保全"))
    return _hold_page(customer, ticket)


@login_required
@require_POST
def legal_hold_lift(request, hold_id: int):
    """Lift a legal hold, with the reason, back on its customer's or ticket's page."""
    hold = LegalHold.objects.select_related("customer", "ticket").filter(pk=hold_id).first()
    if hold is None or not is_administrator(request.user):
        raise Http404
    try:
        holds.lift_hold(hold.pk, actor=request.user, reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已解除法律保全"))
    return _hold_page(hold.customer, hold.ticket)
