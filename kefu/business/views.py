"""Business-system pages: the workbench/customer panel (an htmx fragment) and the Excel import."""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from kefu.business import services
from kefu.business.importer import can_import, error_report, example_workbook, import_business
from kefu.core.errors import Code, ServiceError
from kefu.core.excel import xlsx_response
from kefu.customers.forms import ImportForm
from kefu.customers.importer import ImportResult


@login_required
@require_GET
def panel_partial(request: HttpRequest) -> HttpResponse:
    """The business panel of the pop and the customer page: 欠费 and bills, shipments. Loaded
    on its own (hx-trigger="load") so a slow business system never delays the profile."""
    customer = request.GET.get("customer", "")
    waybill = request.GET.get("waybill", "")[:40]
    context: dict = {
        "waybill": waybill,
        "customer": customer,
        "phone": request.GET.get("phone", "")[:40],
    }
    if not services.can_lookup(request.user):
        return render(request, "business/partials/panel.html", context | {"hidden": True})
    try:
        view = services.lookup(
            request.user,
            customer_id=int(customer) if customer.isdigit() and len(customer) < 12 else None,
            phone=context["phone"],
            waybill=waybill,
        )
    except ServiceError as exc:
        if exc.code == Code.FORBIDDEN:
            return render(request, "business/partials/panel.html", context | {"hidden": True})
        return render(request, "business/partials/panel.html", context | {"error": exc.detail})
    return render(
        request,
        "business/partials/panel.html",
        context | {"account": view.account, "shipments": view.shipments},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    if request.GET.get("example") == "1":
        return xlsx_response(example_workbook(), "business-example.xlsx")
    result: ImportResult | None = None
    report = ""
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200 if can_import(request.user) else 403
    if request.method == "POST" and status == 200:
        if form.is_valid():
            try:
                result = import_business(form.cleaned_data["file"].read(), actor=request.user)
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
        "business/import.html",
        {"form": form, "result": result, "report": report, "allowed": status != 403},
        status=status,
    )
