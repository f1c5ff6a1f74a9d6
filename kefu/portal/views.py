"""The customer portal's pages (/portal/): no login, CSRF on, each view one service call.

The proof of a phone number (a signed token, kefu.portal.services.proof) is kept in the
session for its 30 minutes; a refused form comes back with its error and the error's status.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.core.downloads import attachment_response
from kefu.core.errors import Code, ServiceError
from kefu.core.schemas import MomentField
from kefu.knowledge.selectors import search_articles
from kefu.portal import selectors, services

SESSION_TOKEN = "portal_token"
SESSION_DONE = "portal_done"
SESSION_LOST = "portal_lost"


def _token(request: HttpRequest) -> str:
    return str(request.session.get(SESSION_TOKEN, ""))


def _phone(request: HttpRequest) -> str:
    return services.verified_phone(_token(request))


def _photos(request: HttpRequest, name: str = "photos") -> list[services.Photo]:
    uploads: list[UploadedFile] = request.FILES.getlist(name)
    if len(uploads) > services.MAX_PHOTOS:
        raise ServiceError(
            Code.INVALID, _("最多上传 %d 张照片") % services.MAX_PHOTOS, field="photos"
        )
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    photos = []
    for upload in uploads:
        if (upload.size or 0) > limit:
            raise ServiceError(
                Code.TOO_LARGE,
                _("照片不能超过 %d MB") % settings.MAX_UPLOAD_MB,
                field="photos",
            )
        photos.append(services.Photo(upload.name or "photo", upload.read()))
    return photos


def _prove(request: HttpRequest, phone: str, code: str) -> str:
    """The proved number: by the code just typed, else by the session's proof of that same
    number. Raises as verify_code / require_phone."""
    if (code or "").strip():
        token = services.verify_code(phone, code)
        request.session[SESSION_TOKEN] = token
        return services.verified_phone(token)
    number = services.mobile_number(phone)
    if _phone(request) != number:
        raise ServiceError(Code.INVALID, _("请先获取并填写短信验证码"), field="code")
    return number


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "offers_bills": selectors.offers_bills(),
            "offers_shipments": selectors.offers_shipments(),
            "has_articles": selectors.has_public_articles(),
            "areas": selectors.areas(),
        },
    )


@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """The SMS code (an htmx partial answering the 获取验证码 button)."""
    try:
        sent = services.send_code(
            request.POST.get("phone", ""),
            purpose=request.POST.get("purpose", ""),
            client=services.client_of(request),
        )
    except ServiceError as exc:
        # htmx swaps a 422 in (base.html's responseHandling): a limit reached shows too.
        status = 422 if request.headers.get("HX-Request") else exc.status
        return render(request, "portal/partials/code.html", {"error": exc.detail}, status=status)
    return render(request, "portal/partials/code.html", {"sent": sent})


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "types": services.public_types(),
        "areas": selectors.areas(),
        "verified": _phone(request),
        "form": request.POST,
        "max_photos": services.MAX_PHOTOS,
    }
    if request.method == "GET":
        return render(request, "portal/submit.html", context)
    try:
        if request.POST.get("website", ""):  # the honeypot: answered as accepted
            got = services.submit_request(
                None,
                type_code="",
                content="",
                honeypot=request.POST["website"],
                client=services.client_of(request),
            )
        else:
            _prove(request, request.POST.get("phone", ""), request.POST.get("code", ""))
            got = services.submit_request(
                _token(request),
                type_code=request.POST.get("type", ""),
                content=request.POST.get("content", ""),
                contact_name=request.POST.get("contact_name", ""),
                address=request.POST.get("address", ""),
                area=request.POST.get("area", ""),
                photos=_photos(request),
                client=services.client_of(request),
            )
    except ServiceError as exc:
        context.update(error=exc.detail, field=exc.field, verified=_phone(request))
        return render(request, "portal/submit.html", context, status=exc.status)
    request.session[SESSION_DONE] = {"serial": got.serial, "order": got.work_order}
    return redirect("portal-submitted")


@require_GET
def submitted(request: HttpRequest) -> HttpResponse:
    done = request.session.get(SESSION_DONE)
    if not done:
        return redirect("portal-home")
    return render(request, "portal/submitted.html", {"done": done})


@require_http_methods(["GET", "POST"])
def lost(request: HttpRequest) -> HttpResponse:
    """失物登记: the owner describes what they lost; the desk calls back when it is found."""
    context: dict[str, Any] = {
        "categories": services.loss_categories(),
        "verified": _phone(request),
        "form": request.POST,
    }
    if request.method == "GET":
        return render(request, "portal/lost.html", context)
    try:
        lost_at = MomentField(required=False).clean(request.POST.get("lost_at", ""))
    except ValidationError as exc:
        context.update(error=" ".join(exc.messages), field="lost_at")
        return render(request, "portal/lost.html", context, status=422)
    try:
        if not request.POST.get("website", ""):
            _prove(request, request.POST.get("phone", ""), request.POST.get("code", ""))
        serial = services.report_loss(
            _token(request),
            owner_name=request.POST.get("owner_name", ""),
            category=request.POST.get("category", ""),
            description=request.POST.get("description", ""),
            lost_place=request.POST.get("lost_place", ""),
            lost_at=lost_at,
            honeypot=request.POST.get("website", ""),
            client=services.client_of(request),
        )
    except ServiceError as exc:
        context.update(error=exc.detail, field=exc.field, verified=_phone(request))
        return render(request, "portal/lost.html", context, status=exc.status)
    request.session[SESSION_LOST] = serial
    return redirect("portal-lost-done")


@require_GET
def lost_done(request: HttpRequest) -> HttpResponse:
    serial = request.session.get(SESSION_LOST)
    if not serial:
        return redirect("portal-lost")
    return render(request, "portal/lost_done.html", {"serial": serial})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"verified": _phone(request), "form": request.POST or request.GET}
    if request.method == "GET":
        return render(request, "portal/track.html", context)
    serial = request.POST.get("serial", "").strip()
    try:
        _prove(request, request.POST.get("phone", ""), request.POST.get("code", ""))
        ticket = services.find_request(_token(request), serial, client=services.client_of(request))
    except ServiceError as exc:
        context.update(error=exc.detail, field=exc.field, verified=_phone(request))
        return render(request, "portal/track.html", context, status=exc.status)
    return redirect("portal-request", serial=ticket.serial)


def _detail(request: HttpRequest, serial: str, *, error: str = "", status: int = 200):
    try:
        ticket = services.find_request(_token(request), serial, client=services.client_of(request))
    except ServiceError as exc:
        refused = {"verified": _phone(request), "form": {"serial": serial}, "error": exc.detail}
        return render(request, "portal/track.html", refused, status=exc.status)
    view = selectors.progress(ticket, _phone(request))
    context: dict[str, Any] = {"p": view, "ticket": ticket, "error": error}
    return render(request, "portal/request.html", context, status=status)


@require_GET
def request_detail(request: HttpRequest, serial: str) -> HttpResponse:
    return _detail(request, serial)


@require_POST
def request_message(request: HttpRequest, serial: str) -> HttpResponse:
    try:
        ticket = services.add_message(
            _token(request),
            serial,
            body=request.POST.get("body", ""),
            photos=_photos(request),
            client=services.client_of(request),
        )
    except ServiceError as exc:
        return _detail(request, serial, error=exc.detail, status=exc.status)
    return redirect("portal-request", serial=ticket.serial)


@require_GET
def request_file(request: HttpRequest, serial: str, file_id: int) -> HttpResponseBase:
    """A file of the request's conversation, to the session that proved the customer's
    number, always as a download (never shown inline: it may be any type)."""
    try:
        found = services.request_file(
            _token(request), serial, file_id, client=services.client_of(request)
        )
    except ServiceError as exc:
        return _detail(request, serial, error=exc.detail, status=exc.status)
    return attachment_response(found.file, found.name)


@require_POST
def request_rating(request: HttpRequest, serial: str) -> HttpResponse:
    try:
        ticket = services.rate_request(
            _token(request),
            serial,
            score=request.POST.get("score", ""),
            comment=request.POST.get("comment", ""),
            client=services.client_of(request),
        )
    except ServiceError as exc:
        return _detail(request, serial, error=exc.detail, status=exc.status)
    return redirect("portal-request", serial=ticket.serial)


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    found = search_articles(None, query, public_only=True, page=page, per_page=10)
    return render(request, "portal/faq.html", {"q": query, "results": found})


@require_GET
def faq_article(request: HttpRequest, article_id: int) -> HttpResponse:
    article = selectors.public_article(article_id)
    if article is None:
        return render(request, "portal/missing.html", status=404)
    return render(request, "portal/article.html", {"article": article})


@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    area = request.GET.get("area", "")[:30]
    return render(
        request,
        "portal/notices.html",
        {"board": selectors.notices_for(area), "areas": selectors.areas(), "area": area},
    )


@require_http_methods(["GET", "POST"])
def bill(request: HttpRequest) -> HttpResponse:
    context: dict = {"verified": _phone(request), "form": request.POST}
    if request.method == "GET":
        return render(request, "portal/bill.html", context)
    try:
        _prove(request, request.POST.get("phone", ""), request.POST.get("code", ""))
        context["bill"] = services.lookup_bill(
            _token(request), request.POST.get("account_no", ""), client=services.client_of(request)
        )
    except ServiceError as exc:
        context.update(error=exc.detail, verified=_phone(request))
        return render(request, "portal/bill.html", context, status=exc.status)
    context["verified"] = _phone(request)
    return render(request, "portal/bill.html", context)


@require_http_methods(["GET", "POST"])
def shipment(request: HttpRequest) -> HttpResponse:
    context: dict = {"form": request.POST}
    if request.method == "GET":
        return render(request, "portal/shipment.html", context)
    try:
        context["shipment"] = services.lookup_shipment(
            request.POST.get("waybill", ""),
            request.POST.get("phone_tail", ""),
            client=services.client_of(request),
        )
    except ServiceError as exc:
        context["error"] = exc.detail
        return render(request, "portal/shipment.html", context, status=exc.status)
    return render(request, "portal/shipment.html", context)
