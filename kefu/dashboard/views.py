"""The wall screen (大屏): the page, and its panel reloaded by htmx on live pushes and every
minute. Thin: check who is looking, read, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from kefu.dashboard import selectors


def _require_viewer(request) -> None:
    """Department and field staff have no wall: 403."""
    if not selectors.can_see_wall(request.user):
        raise PermissionDenied


@login_required
@require_GET
def wall(request):
    _require_viewer(request)
    return render(request, "dashboard/wall.html", {"wall": selectors.get_wall(request.user)})


def _wall_part(request, template: str):
    """A part of the wall reloaded by htmx. The screen stays open for days: when its session
    ends, the whole page goes to the login form rather than the form being swapped in."""
    if not request.user.is_authenticated:
        if request.htmx:
            login = resolve_url(settings.LOGIN_URL)
            return HttpResponseClientRedirect(f"{login}?next={reverse('wall')}")
        return redirect_to_login(request.get_full_path())
    _require_viewer(request)
    return render(request, template, {"wall": selectors.get_wall(request.user)})


@require_GET
def panel(request):
    return _wall_part(request, "dashboard/partials/panel.html")


@require_GET
def phones(request):
    """The wall's telephone block, reloaded on each change of the floor."""
    return _wall_part(request, "dashboard/partials/phones.html")
