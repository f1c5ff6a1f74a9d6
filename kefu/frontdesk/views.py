"""Lost-and-found pages (失物招领): the items, registering one, an item with its matches, the
claim (the claimant describes the item before it is shown), custody, the printed card, loss
reports, the monthly summary and the hand-overs to finance. Thin: parse, call one service,
render. Rows reach the templates through the API's shapes (kefu.frontdesk.schemas), so the
page masks personal data exactly as the API does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.models import CENTER_ROLES
from kefu.accounts.services import floor_lead_choices
from kefu.core.downloads import image_response
from kefu.core.errors import Code, ServiceError, refuse_page
from kefu.core.excel import one_sheet, xlsx_response
from kefu.core.masking import Masker
from kefu.core.numbers import whole_or_none
from kefu.core.paging import page_number, paginate
from kefu.core.schemas import day_or_none
from kefu.core.services import record_unmasked_read
from kefu.frontdesk import access, matching, photos, schemas, selectors, services, shift
from kefu.frontdesk.forms import ClaimForm, CustodyForm, FoundItemForm, LossReportForm
from kefu.frontdesk.models import Category, FoundItem, LossReport
from kefu.frontdesk.schemas import claim_out, event_out, item_out, match_out, report_out
from kefu.workforce.models import ShiftTemplate


def _form_error(form) -> str:
    return "; ".join(
        f"{form.fields[f].label if f in form.fields else ''}: {' '.join(e)}"
        for f, e in form.errors.items()
    )


def _item_or_404(request, item_id: int) -> FoundItem:
    try:
        return access.access_item(request.user, item_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise


@login_required
@require_GET
def items(request):
    """失物招领: the found items (still at the center by default)."""
    status = request.GET.get("status", "open")
    status = status if status in selectors.ITEM_STATUS_FILTERS else "open"
    category = request.GET.get("category", "")
    try:
        rows = selectors.list_items(request.user, status=status, category=category)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    page = paginate(rows, page=page_number(request), per_page=20)
    masker = Masker(request.user)
    services.audit_shown(request.user, page.items, how="items")
    page.items = [item_out(i, masker) for i in page.items]
    return render(
        request,
        "frontdesk/items.html",
        {
            "page": page,
            "status": status,
            "category": category,
            "statuses": FoundItem.Status.choices,
            "categories": Category.choices,
            "may_desk": access.may_desk(request.user),
            "may_lead": access.may_lead(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    """拾物登记."""
    if not access.may_desk(request.user):
        raise PermissionDenied(_("无权办理失物招领"))
    form = FoundItemForm(request.POST or None, request.FILES or None, leaders=floor_lead_choices())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.register_found_item(
                    request.user,
                    services.FoundItemIn(
                        source=data["source"],
                        category=data["category"],
                        value_class=data["value_class"],
                        description=data["description"],
                        found_place=data["found_place"],
                        found_at=data["found_at"],
                        finder_name=data["finder_name"],
                        finder_phone=data["finder_phone"],
                        finder_staff_no=data["finder_staff_no"],
                        witness_name=data["witness_name"],
                        shift_leader_id=data["shift_leader"],
                    ),
                    photos=request.FILES.getlist("photos"),
                )
            except ServiceError as exc:
                refuse_page(exc)
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
            else:
                message = _("已登记 %s") % item.serial
                if item.receipt_no:
                    message += _(",员工拾到物品回执编号 %s") % item.receipt_no
                messages.success(request, message)
                return redirect("lostfound-item", item.pk)
        status = 422
    return render(
        request,
        "frontdesk/register.html",
        {"form": form, "now": timezone.localtime()},
        status=status,
    )


@login_required
@require_GET
def item(request, item_id: int):
    """The item: its details, photos, the loss reports it may answer, claims, timeline."""
    found = _item_or_404(request, item_id)
    masker = Masker(request.user)
    proposals = (
        [match_out(m, masker) for m in matching.reports_for(request.user, found)]
        if found.is_open and found.report_id is None
        else []
    )
    return render(
        request,
        "frontdesk/item.html",
        {
            "item": item_out(found, masker),
            "found": found,
            "photos": list(found.photos.all()),
            "proposals": proposals,
            "report": report_out(found.report, masker) if found.report else None,
            "claims": [claim_out(c, masker) for c in selectors.claims_of(found)],
            "timeline": [
                event_out(e) | {"label": e.get_kind_display(), "actor": e.actor}
                for e in selectors.timeline_of(found)
            ],
            "custody_form": CustodyForm(),
            "may_desk": access.may_desk(request.user),
        },
    )


@login_required
@require_POST
def link(request, item_id: int):
    try:
        services.link_report(request.user, item_id, report_id=_int(request.POST.get("report")))
    except ServiceError as exc:
        refuse_page(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已匹配失物登记,请联系失主前来认领"))
    return redirect("lostfound-item", item_id)


def _int(value: Any) -> int:
    return whole_or_none(value) or 0


@login_required
@require_POST
def custody(request, item_id: int):
    form = CustodyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error(form))
        return redirect("lostfound-item", item_id)
    try:
        services.hand_to_custody(request.user, item_id, **form.cleaned_data)
    except ServiceError as exc:
        refuse_page(exc)
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("已移交保管"))
    return redirect("lostfound-item", item_id)


@login_required
@require_http_methods(["GET", "POST"])
def claim(request, item_id: int):
    """认领. Step 1 takes the claimant's description with the item hidden; step 2 shows the
    item beside what was said, takes the verdict, the identity and the signature."""
    if not access.may_desk(request.user):
        raise PermissionDenied(_("无权办理失物招领"))
    found = _item_or_404(request, item_id)
    form = ClaimForm(request.POST or None)
    step = "describe"
    status = 200
    if request.method == "POST":
        step = "verify"
        said = form.data.get("description", "").strip()
        if request.POST.get("step") == "describe":
            if not said or not form.data.get("claimant_name", "").strip():
                step, status = "describe", 422
                form.add_error(None, _("请先填写认领人姓名和对物品的描述"))
            else:
                form = ClaimForm(initial=request.POST.dict())
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.claim_item(
                    request.user,
                    found.pk,
                    services.ClaimIn(
                        claimant_name=data["claimant_name"],
                        claimant_phone=data["claimant_phone"],
                        description=data["description"],
                        description_matched=bool(data["description_matched"]),
                        refuse_reason=data["refuse_reason"],
                        id_type=data["id_type"],
                        id_number=data["id_number"],
                        witness_name=data["witness_name"],
                        signature=data["signature"],
                    ),
                )
            except ServiceError as exc:
                refuse_page(exc)
                if exc.field in ("description_matched", "item"):  # refused and recorded
                    messages.error(request, _("认领被拒绝:%s") % exc.detail)
                    return redirect("lostfound-item", found.pk)
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
                status = 422
            else:
                messages.success(request, _("认领完成"))
                return redirect("lostfound-item", found.pk)
        else:
            status = 422
    masker = Masker(request.user)
    return render(
        request,
        "frontdesk/claim.html",
        {
            "found": found,
            "item": item_out(found, masker) if step == "verify" else None,
            "photos": list(found.photos.all()) if step == "verify" else [],
            "form": form,
            "step": step,
        },
        status=status,
    )


@login_required
@require_GET
def card(request, item_id: int):
    """The item's card to print and tag it with: a QR code that opens the item's page."""
    found = _item_or_404(request, item_id)
    url = request.build_absolute_uri(reverse("lostfound-item", args=[found.pk]))
    qr = segno.make(url, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return render(
        request,
        "frontdesk/card.html",
        {"item": item_out(found, Masker(request.user)), "found": found, "qr": qr, "url": url},
    )


@login_required
@require_GET
def photo(request, photo_id: int):
    try:
        found = photos.open_photo(request.user, photo_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return image_response(found.file, found.name, found.content_type)


@login_required
@require_GET
def signature(request, claim_id: int):
    try:
        claim_row = photos.open_signature(request.user, claim_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return image_response(claim_row.signature, "signature.png", "image/png")


# --- loss reports ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reports(request):
    """失物登记: the owners' reports, and a new one."""
    status_filter = request.GET.get("status", "open")
    status_filter = status_filter if status_filter in selectors.REPORT_STATUS_FILTERS else "all"
    form = LossReportForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                report = services.create_loss_report(
                    request.user, services.LossReportIn(**form.cleaned_data)
                )
            except ServiceError as exc:
                refuse_page(exc)
                form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
            else:
                messages.success(request, _("已登记失物 %s") % report.serial)
                return redirect("lostfound-report", report.pk)
        status = 422
    try:
        rows = selectors.list_reports(request.user, status=status_filter)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    page = paginate(rows, page=page_number(request), per_page=20)
    masker = Masker(request.user)
    services.audit_shown(request.user, page.items, how="reports")
    page.items = [report_out(r, masker) for r in page.items]
    return render(
        request,
        "frontdesk/reports.html",
        {
            "page": page,
            "status": status_filter,
            "statuses": LossReport.Status.choices,
            "form": form if access.may_desk(request.user) else None,
            "now": timezone.localtime(),
        },
        status=status,
    )


@login_required
@require_GET
def report(request, report_id: int):
    try:
        found = access.access_report(request.user, report_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    masker = Masker(request.user)
    proposals = (
        [match_out(m, masker) for m in matching.items_for(request.user, found)]
        if found.status == LossReport.Status.OPEN
        else []
    )
    return render(
        request,
        "frontdesk/report.html",
        {
            "report": report_out(found, masker),
            "found": found,
            "proposals": proposals,
            "may_desk": access.may_desk(request.user),
        },
    )


# --- the monthly summary and finance --------------------------------------------------------


def _month(request) -> tuple[int, int]:
    raw = request.GET.get("month", "")
    try:
        day = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        day = timezone.localdate()
    if not 2000 <= day.year <= 2100:
        day = timezone.localdate()
    return day.year, day.month


@login_required
@require_GET
def summary(request):
    """《游客失物登记汇总表》 of a month, on the page or (``.xlsx``) as Excel."""
    year, month = _month(request)
    try:
        result = selectors.monthly_summary(request.user, year, month)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    record_unmasked_read(
        actor=request.user,
        action="frontdesk.summary",
        model=LossReport,
        ids=[r.pk for r in result.rows],
        detail={"month": f"{year:04d}-{month:02d}"},
    )
    return render(
        request,
        "frontdesk/summary.html",
        {"summary": result, "month": f"{year:04d}-{month:02d}", "header": selectors.SUMMARY_HEADER},
    )


@login_required
@require_GET
def summary_xlsx(request):
    year, month = _month(request)
    try:
        result = selectors.monthly_summary(request.user, year, month)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    record_unmasked_read(
        actor=request.user,
        action="frontdesk.summary.export",
        model=LossReport,
        ids=[r.pk for r in result.rows],
        detail={"month": f"{year:04d}-{month:02d}"},
    )
    title = _("游客失物登记汇总表")
    body = one_sheet(
        f"{year:04d}-{month:02d}",
        [str(h) for h in selectors.SUMMARY_HEADER],
        selectors.summary_sheet_rows(result),
    )
    return xlsx_response(
        body,
        f"lostfound-{year:04d}{month:02d}.xlsx",
        local_name=f"{title}-{year:04d}{month:02d}.xlsx",
    )


@login_required
@require_http_methods(["GET", "POST"])
def batches(request):
    """移交财务: the batches, and a hand-over now (leads)."""
    if request.method == "POST":
        try:
            batch = services.sweep_to_finance(actor=request.user, before=timezone.now())
        except ServiceError as exc:
            refuse_page(exc)
            raise
        if batch is None:
            messages.info(request, _("没有待移交财务的物品"))
            return redirect("lostfound-batches")
        messages.success(
            request,
            _("已移交财务 %(n)d 件,批次 %(serial)s") % {"n": batch.count, "serial": batch.serial},
        )
        return redirect("lostfound-batch", batch.pk)
    try:
        rows = selectors.list_batches(request.user)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    page = paginate(rows, page=page_number(request), per_page=20)
    return render(
        request, "frontdesk/batches.html", {"page": page, "may_lead": access.may_lead(request.user)}
    )


@login_required
@require_GET
def batch(request, batch_id: int):
    """A batch's hand-over list, to print and sign."""
    try:
        found = selectors.access_batch(request.user, batch_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    masker = Masker(request.user)
    rows = [item_out(i, masker) for i in selectors.batch_items(request.user, found)]
    return render(request, "frontdesk/batch.html", {"batch": found, "rows": rows})


# --- the shift: 交接班, 值班记录, 晨会, 签到 -------------------------------------------------------


def _shift_choices() -> list[tuple[str, str]]:
    return [
        (t.code, f"{t.name}({t.start:%H:%M})")
        for t in ShiftTemplate.objects.filter(is_active=True).order_by("start", "code")
    ]


def _center_staff() -> list[tuple[int, str]]:
    users = (
        get_user_model()
        .objects.filter(is_active=True, staff__role__in=list(CENTER_ROLES))
        .select_related("staff")
        .order_by("staff__employee_no")
    )
    return [(u.pk, f"{u.staff.employee_no} {u.staff.display_name}") for u in users]


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw or "")
    except ValueError:
        return None


def _done(request, exc: ServiceError | None, ok: str) -> None:
    if exc is None:
        messages.success(request, ok)
        return
    refuse_page(exc)
    messages.error(request, exc.detail)


@login_required
@require_GET
def shift_desk(request):
    """交接班: sign in, the day's duty record, hand the shift over, the morning meeting; for the
    shift leader the unsigned handovers and what each person left."""
    if not access.may_read(request.user):
        raise PermissionDenied(_("交接班仅限客服中心人员查看"))
    lead = access.may_lead(request.user)
    return render(
        request,
        "frontdesk/shift.html",
        {
            "today": timezone.localdate().isoformat(),
            "shifts": _shift_choices(),
            "staff_choices": _center_staff(),
            "may_desk": access.may_desk(request.user),
            "may_lead": lead,
            "handovers": [schemas.handover_out(h) for h in shift.list_handovers(request.user)[:20]],
            "unsigned": [
                schemas.handover_out(h)
                for h in shift.list_handovers(request.user, unsigned=True)[:50]
            ]
            if lead
            else [],
            "left": shift.left_by_person(request.user) if lead else [],
            "sign_ins": shift.sign_ins(request.user, day=timezone.localdate()) if lead else [],
            "meetings": shift.latest_meetings(request.user),
        },
    )


@login_required
@require_POST
def shift_sign_in(request):
    try:
        row = shift.sign_in(
            request.user,
            day=day_or_none(request.POST.get("day")),
            shift_code=request.POST.get("shift", ""),
        )
    except ServiceError as exc:
        _done(request, exc, "")
    else:
        _done(request, None, _("已签到(迟到)") if row.late else _("已签到"))
    return redirect("shift")


@login_required
@require_POST
def duty_open(request):
    try:
        record = shift.open_record(
            request.user,
            day=day_or_none(request.POST.get("day")),
            shift_code=request.POST.get("shift", ""),
        )
    except ServiceError as exc:
        _done(request, exc, "")
        return redirect("shift")
    return redirect("duty", record.pk)


@login_required
@require_http_methods(["GET", "POST"])
def duty(request, record_id: int):
    """值班记录 of one day and shift: filled in during the shift, locked at its end."""
    if request.method == "POST":
        what = request.POST.get("what", "")
        try:
            if what == "record":
                shift.update_record(
                    request.user,
                    record_id,
                    weather=request.POST.get("weather", ""),
                    duty_manager_id=_int_or_none(request.POST.get("duty_manager")),
                    duty_leader_id=_int_or_none(request.POST.get("duty_leader")),
                    operations=request.POST.get("operations", ""),
                )
            elif what == "visitors":
                shift.report_visitors(
                    request.user,
                    record_id,
                    count=_int_or_none(request.POST.get("count")),
                    note=request.POST.get("note", ""),
                )
            elif what == "incident":
                shift.add_incident(request.user, record_id, text=request.POST.get("text", ""))
            elif what == "lock":
                shift.lock_record(request.user, record_id)
            else:
                raise ServiceError(Code.INVALID, _("无效的操作"))
        except ServiceError as exc:
            _done(request, exc, "")
        else:
            _done(request, None, _("已保存"))
        return redirect("duty", record_id)
    try:
        record = shift.get_record(request.user, record_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return render(
        request,
        "frontdesk/duty.html",
        {
            "r": schemas.duty_out(record),
            "record": record,
            "staff_choices": _center_staff(),
            "may_desk": access.may_desk(request.user),
            "may_lead": access.may_lead(request.user),
        },
    )


@login_required
@require_GET
def duty_month(request):
    """The month's duty records bound as one page to print (《客服岗位值班记录表》)."""
    year, month = _month(request)
    try:
        records = shift.month_records(request.user, year, month)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    return render(
        request,
        "frontdesk/duty_month.html",
        {"records": [schemas.duty_out(r) for r in records], "month": f"{year:04d}-{month:02d}"},
    )


@login_required
@require_POST
def handover_create(request):
    try:
        handover = shift.create_handover(
            request.user,
            day=day_or_none(request.POST.get("day")),
            shift_code=request.POST.get("shift", ""),
            incoming_id=_int_or_none(request.POST.get("incoming")),
            notes=request.POST.get("notes", ""),
        )
    except ServiceError as exc:
        _done(request, exc, "")
        return redirect("shift")
    return redirect("handover", handover.pk)


@login_required
@require_http_methods(["GET", "POST"])
def handover(request, handover_id: int):
    """One handover: the matters it collected, the notes, the two signatures (签字)."""
    if request.method == "POST":
        try:
            shift.sign_handover(request.user, handover_id)
        except ServiceError as exc:
            _done(request, exc, "")
        else:
            _done(request, None, _("已签字"))
        return redirect("handover", handover_id)
    try:
        found = shift.get_handover(request.user, handover_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    h = schemas.handover_out(found)
    return render(
        request,
        "frontdesk/handover.html",
        {
            "h": h,
            "kinds": dict(shift.MATTER_KINDS),
            "may_sign": (request.user.pk == found.outgoing_id and not found.outgoing_signed_at)
            or (request.user.pk == found.incoming_id and not found.incoming_signed_at),
        },
    )


@login_required
@require_POST
def meeting_create(request):
    try:
        meeting = shift.hold_meeting(
            request.user,
            day=day_or_none(request.POST.get("day")),
            shift_code=request.POST.get("shift", ""),
            notes=request.POST.get("notes", ""),
            member_ids=[
                i for i in map(_int_or_none, request.POST.getlist("members")) if i is not None
            ],
        )
    except ServiceError as exc:
        _done(request, exc, "")
        return redirect("shift")
    return redirect("meeting", meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request, meeting_id: int):
    """晨会记录: the notes, each member's 签字; who has not signed, for the shift leader."""
    if request.method == "POST":
        try:
            shift.sign_meeting(request.user, meeting_id)
        except ServiceError as exc:
            _done(request, exc, "")
        else:
            _done(request, None, _("已签字"))
        return redirect("meeting", meeting_id)
    try:
        found = shift.get_meeting(request.user, meeting_id)
    except ServiceError as exc:
        refuse_page(exc)
        raise
    m = schemas.meeting_out(found)
    mine = [x for x in m["members"] if x["user"] == request.user.pk]
    return render(
        request,
        "frontdesk/meeting.html",
        {"m": m, "may_sign": bool(mine) and mine[0]["signed_at"] is None},
    )
