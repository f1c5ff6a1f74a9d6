"""Customer archive pages: list, profile, edit, Excel import."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import fields

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kefu.accounts.scope import scope_of
from kefu.core.calendar import parse_day
from kefu.core.errors import Code, ServiceError, refuse_page, show_refusal
from kefu.core.excel import xlsx_response
from kefu.core.masking import Masker
from kefu.core.paging import page_args, paginate
from kefu.core.retention import is_administrator
from kefu.core.schemas import day_or_none
from kefu.customers import access, analyses, member_access, members, selectors, services
from kefu.customers.forms import CustomerForm, ImportForm, split_contacts
from kefu.customers.importer import (
    ImportResult,
    error_report,
    import_customers,
    purchase_error_report,
    read_purchases,
)
from kefu.customers.models import Member, MemberLevel
from kefu.customers.services import CustomerIn, PhoneIn, split_phones, split_tags
from kefu.tickets import holds
from kefu.tickets.selectors import recent_tickets_for


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:80]
    qs = selectors.list_customers(request.user, q=q)
    page = paginate(qs, **page_args(request.GET))
    services.audit_shown(request.user, page.items, how="list", q=q, page=page.page)
    return render(
        request,
        "customers/list.html",
        {
            "page": page,
            "q": q,
            "masker": Masker(request.user),
            "can_edit": scope_of(request.user).can_intake,
            "may_analyse": member_access.may_analyse(request.user),
        },
    )


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    try:
        customer = services.view_customer(request.user, customer_id)
    except ServiceError:
        raise Http404
    masker = Masker(request.user)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "masker": masker,
            "membership": selectors.membership_of(request.user, customer.id),
            "may_analyse": member_access.may_analyse(request.user),
            "may_enrol": member_access.may_enrol(request.user),
            "recent": recent_tickets_for(
                request.user, customer_id=customer.id, caller_number="", limit=20
            ),
            "can_edit": scope_of(request.user).can_intake,
            "prominent_tags": selectors.PROMINENT_TAGS,
            # Legal holds (法律保全) are an administrator's, set and lifted on this page.
            "can_hold": is_administrator(request.user),
            "holds": holds.holds_on(customer_id=customer.id)
            if is_administrator(request.user)
            else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: int | None = None) -> HttpResponse:
    customer = None
    if customer_id is not None:
        try:
            customer = access.access_customer(request.user, customer_id)
        except ServiceError:
            raise Http404
    if request.method == "GET":
        initial = {}
        if customer is not None:
            initial = {
                "name": customer.name,
                "kind": customer.kind,
                "gender": customer.gender,
                "phones": ", ".join(customer.phones.values_list("number", flat=True)),
                "contacts": "\n".join(
                    f"{c.name},{c.relation}" if c.relation else c.name
                    for c in customer.contacts.all()
                ),
                "account_no": customer.account_no or "",
                "id_number": customer.id_number,
                "address": customer.address,
                "email": customer.email,
                "area": customer.area.code if customer.area is not None else "",
                "tags": ", ".join(customer.tags.values_list("name", flat=True)),
                "notes": customer.notes,
            }
        else:
            initial = {"phones": request.GET.get("phone", "")[:40]}
        form = CustomerForm(initial=initial)
        return render(request, "customers/edit.html", {"form": form, "customer": customer})
    form = CustomerForm(request.POST)
    if form.is_valid():
        c = form.cleaned_data
        data = CustomerIn(
            name=c["name"],
            kind=c["kind"],
            gender=c["gender"],
            phones=[PhoneIn(n) for n in split_phones(c["phones"])],
            account_no=c["account_no"],
            id_number=c["id_number"],
            address=c["address"],
            email=c["email"],
            area=c["area"],
            tags=split_tags(c["tags"]),
            notes=c["notes"],
            contacts=split_contacts(c["contacts"]),
        )
        try:
            if customer is None:
                customer = services.create_customer(data, actor=request.user)
            else:
                services.update_customer(customer.id, data, actor=request.user)
        except ServiceError as exc:
            field = exc.field.split(".")[0] if exc.field else None
            form.add_error(field if field in form.fields else None, exc.detail)
        else:
            return redirect("customer", customer_id=customer.id)
    return render(request, "customers/edit.html", {"form": form, "customer": customer}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def customer_import(request: HttpRequest) -> HttpResponse:
    result: ImportResult | None = None
    report = ""
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_customers(upload.read(), actor=request.user)
            except ServiceError as exc:
                form.add_error("file", exc.detail)
                status = 422
            else:
                if result.errors:
                    report = base64.b64encode(error_report(result)).decode()
        else:
            status = 422
    return render(
        request,
        "customers/import.html",
        {"form": form, "result": result, "report": report},
        status=status,
    )


# --- members ---------------------------------------------------------------------------------


def _member_filters(request: HttpRequest) -> analyses.Filters:
    def number(name: str, default: int) -> int:
        raw = request.GET.get(name, "").strip()
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else default

    return analyses.Filters(
        store=request.GET.get("store", "")[:20],
        branch=request.GET.get("branch", "")[:20],
        date_from=day_or_none(request.GET.get("date_from")),
        date_to=day_or_none(request.GET.get("date_to")),
        expiring_days=number("expiring_days", 30),
        days=number("days", analyses.CHURN_DAYS),
    )


@login_required
@require_GET
def member_analyses(request: HttpRequest) -> HttpResponse:
    """Every member analysis of the stores the viewer may read, narrowed by the filters; each
    with its Excel download."""
    filters = _member_filters(request)
    if not member_access.may_analyse(request.user):
        raise PermissionDenied
    tables, error = [], ""
    for name in analyses.NAMES:
        try:
            result = analyses.run(request.user, name, filters)
        except ServiceError as exc:
            refuse_page(exc)
            error = exc.detail
            break
        header, rows = analyses.table(name, result)
        tables.append(
            {
                "name": name,
                "title": analyses.TITLES[name],
                "header": header,
                "rows": rows,
                "result": result,
            }
        )
    return render(
        request,
        "customers/members.html",
        {
            "tables": tables,
            "error": error,
            "filters": filters,
            "query": request.GET.urlencode(),
            "stores": member_access.visible_stores(request.user).order_by("code"),
            "can_import": member_access.may_import(request.user),
            "rules": analyses.RFM_RULES,
        },
        status=422 if error else 200,
    )


@login_required
@require_GET
def member_workbook(request: HttpRequest, name: str) -> HttpResponse:
    """One analysis as .xlsx, with the page's filters."""
    if name not in analyses.NAMES:
        raise Http404
    try:
        result = analyses.run(request.user, name, _member_filters(request))
    except ServiceError as exc:
        refuse_page(exc)
        return HttpResponse(exc.detail, status=exc.status, content_type="text/plain")
    return xlsx_response(analyses.workbook(name, result), f"members-{name}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    """办理会员 / 修改会员资料: the membership of one customer, for the archive keepers. A
    birth date the editor may not see shows masked, and left blank it stays as it was."""
    if not member_access.may_enrol(request.user):
        raise PermissionDenied(_("无权修改会员资料"))
    try:
        customer = access.access_customer(request.user, customer_id)
    except ServiceError:
        raise Http404 from None
    member = selectors.membership_of(request.user, customer.id)
    masker = Masker(request.user)
    stores = list(member_access.visible_stores(request.user).filter(is_active=True))
    if member is not None and member.store not in stores:
        stores.insert(0, member.store)
    if request.method == "GET":
        values = {"level": "normal", "joined_on": "", "expires_on": "", "birth_date": ""}
        if member is not None:
            values = {
                "number": member.number,
                "level": member.level,
                "store": member.store.code,
                "joined_on": f"{member.joined_on:%Y-%m-%d}",
                "expires_on": f"{member.expires_on:%Y-%m-%d}" if member.expires_on else "",
                "birth_date": masker.birth_date(member.birth_date) if masker.full else "",
            }
        status = 200
    else:
        values = {f.name: request.POST.get(f.name, "")[:40] for f in fields(members.MemberIn)}
        try:
            data = members.MemberIn(
                number=values["number"],
                store=values["store"],
                level=values["level"],
                joined_on=_day_field(values["joined_on"], "joined_on"),
                expires_on=_day_field(values["expires_on"], "expires_on"),
                birth_date=values["birth_date"],
            )
            members.save_membership(customer.id, data, actor=request.user)
        except ServiceError as exc:
            show_refusal(request, exc)
            status = 422
        else:
            messages.success(request, _("会员资料已保存"))
            return redirect("customer", customer.id)
    return render(
        request,
        "customers/membership.html",
        {
            "customer": customer,
            "member": member,
            "values": values,
            "stores": stores,
            "levels": MemberLevel.choices,
            "birth_masked": member is not None and member.birth_date and not masker.full,
            "masked_birth": masker.birth_date(member.birth_date) if member is not None else "",
        },
        status=status,
    )


def _day_field(raw: str, field: str) -> dt.date | None:
    """A date typed on the form: None for blank; INVALID naming ``field`` when unreadable."""
    return parse_day(raw, field=field) if raw.strip() else None


@login_required
@require_GET
def member_list(request: HttpRequest) -> HttpResponse:
    """The members of the stores the viewer may analyse, birth dates masked by permission."""
    q = request.GET.get("q", "")[:40]
    try:
        rows = selectors.list_members(request.user, store=request.GET.get("store", "")[:20], q=q)
    except ServiceError as exc:
        refuse_page(exc)
        rows = Member.objects.none()
    page = paginate(rows, **page_args(request.GET))
    return render(
        request,
        "customers/member_list.html",
        {"page": page, "q": q, "masker": Masker(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def purchase_import(request: HttpRequest) -> HttpResponse:
    """Upload a store's purchases (.xlsx or .csv): the counts, and the refused rows with their
    reasons (also as an Excel report)."""
    if not member_access.may_import(request.user):
        raise PermissionDenied
    result: members.PurchaseResult | None = None
    report, error, status = "", "", 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ServiceError(Code.INVALID, _("请选择文件"), field="file")
            result = members.import_purchases(
                read_purchases(upload.read()), actor=request.user, source="file"
            )
        except ServiceError as exc:
            refuse_page(exc)
            error, status = exc.detail, 422
        else:
            if result.errors:
                report = base64.b64encode(purchase_error_report(result)).decode()
    return render(
        request,
        "customers/purchase_import.html",
        {"result": result, "report": report, "error": error},
        status=status,
    )
