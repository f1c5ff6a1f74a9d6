"""The field staff's phone pages under /m/: my orders, one order with its steps (接单, 出发,
到场, 退单, 完工 with photos and the customer's signature or 确认码), tracking notes, and the
photos and signatures, served only to those who may see the order.

Thin: parse, call one service, render. Every change is a POST followed by a redirect, so a
reload or the phone's back button never repeats it; a refused one re-renders the order with
the reason in Chinese and status 422, the order unchanged.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core.downloads import image_response
from kefu.core.errors import Code, ServiceError
from kefu.core.masking import Masker
from kefu.dispatch import access, photos, selectors, services
from kefu.dispatch.models import (
    ACTION_LABELS,
    Photo,
    Status,
    TrackingRecord,
)

# Field staff log in on their phone once a month, not every fortnight (SESSION_COOKIE_AGE).
FIELD_SESSION_AGE = dt.timedelta(days=30)

# One tap each; 退单 needs a reason and 完工 its form, both posted to their own views.
STEPS = ("accept", "depart", "arrive")


def keep_field_staff_logged_in(sender, request, user, **kwargs) -> None:
    """On login (the user_logged_in signal, connected in DispatchConfig.ready): a field staff
    member's session lasts FIELD_SESSION_AGE, everyone else keeps the site's default."""
    if request is not None and scope_of(user).role == Role.FIELD_STAFF:
        request.session.set_expiry(int(FIELD_SESSION_AGE.total_seconds()))


def map_url(address: str) -> str:
    """The address searched in the phone's map app (Amap's URI API opens the app if it is
    installed, its web map otherwise)."""
    query = urlencode({"keyword": address, "src": "kefu", "callnative": "1"})
    return f"https://uri.amap.com/search?{query}"


# ---------------------------------------------------------------------------------- pages


@login_required
@require_GET
def my_orders(request):
    now = timezone.now()
    to_do, done = selectors.list_my_orders(request.user, now=now)
    return render(
        request,
        "dispatch/mobile/orders.html",
        {"to_do": to_do, "done": done},
    )


def _order_page(request, serial: str, *, error: ServiceError | None = None):
    try:
        order = access.access_order(request.user, serial)
    except ServiceError:
        raise Http404 from None
    actions = access.actions_for(order, request.user)
    posted = request.POST if error is not None else {}
    if error is not None and error.field == "signature":
        posted = posted.copy()
        posted["signature"] = ""  # an unreadable drawing is not drawn again
    masker = Masker(request.user)
    return render(
        request,
        "dispatch/mobile/order.html",
        {
            "order": order,
            "steps": [(a, ACTION_LABELS[a]) for a in STEPS if a in actions],
            "can_return": "return" in actions,
            "can_complete": "complete" in actions,
            # 退单 is open from every field status to whoever may take the field steps.
            "can_add_photo": "return" in actions,
            "photos": list(order.photos.all()),
            "tracking": list(order.tracking.select_related("actor__staff").order_by("-at", "-id")),
            "action_labels": ACTION_LABELS,
            "status_labels": dict(Status.choices),
            "photo_kind": TrackingRecord.Kind.PHOTO,
            "masker": masker,
            "map_url": map_url(order.address) if masker.full else "",
            "overdue": order.is_overdue,
            "error": error.detail if error is not None else "",
            "error_field": error.field if error is not None else "",
            "posted": posted,
        },
        status=422 if error is not None else 200,
    )


@login_required
@require_GET
def order_detail(request, serial: str):
    return _order_page(request, serial)


def _after(request, serial: str, exc: ServiceError | None = None):
    """Back to the order after a POST: a redirect when it went through, the page with the
    reason (422) when it was refused, 404 when the order is not the user's to see."""
    if exc is None:
        return redirect("m-order", serial=serial)
    if exc.code == Code.NOT_FOUND and exc.field is None:
        raise Http404
    return _order_page(request, serial, error=exc)


# ---------------------------------------------------------------------------------- changes


@login_required
@require_POST
def step(request, serial: str):
    """接单 / 出发 / 到场, or 退单 with its reason."""
    action = request.POST.get("action", "")
    if action not in (*STEPS, "return"):
        return _after(request, serial, ServiceError(Code.INVALID, _("未知操作"), field="action"))
    try:
        services.transition_order(
            serial,
            actor=request.user,
            action=action,
            note=request.POST.get("reason", "") if action == "return" else "",
        )
    except ServiceError as exc:
        return _after(request, serial, exc)
    return _after(request, serial)


@login_required
@require_POST
def complete(request, serial: str):
    try:
        services.complete_order(
            serial,
            actor=request.user,
            result=request.POST.get("result", ""),
            materials=request.POST.get("materials", ""),
            confirmation_code=request.POST.get("confirmation_code", ""),
            signature_png=photos.signature_png(request.POST.get("signature", "")),
            photos=request.FILES.getlist("photos"),
        )
    except ServiceError as exc:
        return _after(request, serial, exc)
    return _after(request, serial)


@login_required
@require_POST
def add_photos(request, serial: str):
    """The photos chosen at once are kept together or not at all."""
    try:
        with transaction.atomic():
            # No file at all: the service says "请选择照片".
            for upload in request.FILES.getlist("photos") or [None]:
                photos.add_photo(serial, actor=request.user, upload=upload)
    except ServiceError as exc:
        return _after(request, serial, exc)
    return _after(request, serial)


@login_required
@require_POST
def add_note(request, serial: str):
    try:
        services.add_tracking_note(serial, actor=request.user, note=request.POST.get("note", ""))
    except ServiceError as exc:
        return _after(request, serial, exc)
    return _after(request, serial)


# ---------------------------------------------------------------------------------- files


@login_required
@require_GET
def order_file(request, path: str):
    """A photo or a signature, shown in the page (re-encoded on upload: kefu.core.images), to
    someone who may see its order; a HEIC photo as a download."""
    try:
        found = photos.open_photo(request.user, path)
    except ServiceError:
        raise Http404 from None
    if isinstance(found, Photo):
        return image_response(found.file, found.name, found.content_type)
    # A signature is always a PNG: the pad draws one, the service checks and re-encodes it.
    return image_response(found.signature, f"{found.serial}.png", "image/png")
