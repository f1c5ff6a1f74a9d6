"""The inbox page and marking notifications read. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from kefu.core.errors import ServiceError
from kefu.core.paging import page_args
from kefu.notify import selectors, services


@login_required
@require_GET
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    page = selectors.page_notifications(
        request.user, unread_only=unread_only, **page_args(request.GET)
    )
    return render(request, "notify/list.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        services.mark_read(request.user, [notification_id])
    except ServiceError:
        raise Http404
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    services.mark_read(request.user, "all")
    return _back(request)


def _back(request):
    """To the ticket when the form asks (a click on a notification), else to the inbox."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return redirect(target)
    return redirect("notifications")
