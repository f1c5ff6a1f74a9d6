"""The chat's pages: the widget script a center's site includes, the page it opens in an
iframe (the visitor's chat or 留言, no login), and the agents' console."""

from __future__ import annotations

from pathlib import Path

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from kefu.chat import selectors, services
from kefu.core.clients import client_address
from kefu.core.errors import HTTP_STATUS, ServiceError

WIDGET = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"


def _client(request) -> dict[str, object]:
    return {
        "ip": client_address(request),
        "user_agent": request.headers.get("User-Agent", ""),
        "page_url": request.POST.get("page", ""),
        # The branch the widget names (data-branch); checked by the service.
        "branch": request.POST.get("branch", ""),
    }


def _refused(exc: ServiceError) -> JsonResponse:
    return JsonResponse(
        {"code": exc.code, "detail": exc.detail, "field": exc.field},
        status=HTTP_STATUS[exc.code],
    )


@require_GET
def widget_js(request):
    """The one script a site includes (<script src=".../chat/widget.js" async>): served by
    Kefu itself, no CDN."""
    response = HttpResponse(WIDGET.read_bytes(), content_type="application/javascript")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
@xframe_options_exempt  # the one page other sites may frame: the widget opens it
@csp_replace({"frame-ancestors": None})
@never_cache
def embed(request):
    # The branch the site's widget names: an unknown one is logged and dropped here, so the
    # page starts a chat without a branch (services.chat_branch).
    branch = services.chat_branch(request.GET.get("branch", ""))
    found = services.availability(branch=branch)
    return render(
        request,
        "chat/embed.html",
        {
            "open": found.open,
            "reason": found.reason,
            "page": request.GET.get("page", "")[:500],
            "branch": branch.code if branch else "",
            "strings": {
                "connecting": _("正在为您接通客服…"),
                "serving": _("工号 %s 为您服务"),
                "ended": _("会话已结束,感谢您的咨询"),
                "reconnecting": _("网络中断,正在重新连接…"),
                "me": _("我"),
                "agent": _("客服"),
            },
        },
    )


# The visitor has no account and the page is framed on another site, where the browser may
# withhold Kefu's cookies: these two take no CSRF token (they act on no one's session) and
# are limited per address instead (ChatSettings.sessions_per_ip_hour).
@csrf_exempt
@require_POST
def start(request):
    try:
        session = services.start_chat(
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", ""),
            **_client(request),
        )
    except ServiceError as exc:
        return _refused(exc)
    return JsonResponse({"token": session.token})


@csrf_exempt
@require_POST
def leave_message(request):
    try:
        session = services.leave_message(
            name=request.POST.get("name", ""),
            phone=request.POST.get("phone", ""),
            content=request.POST.get("content", ""),
            **_client(request),
        )
    except ServiceError as exc:
        return _refused(exc)
    assert session.ticket is not None
    return JsonResponse({"serial": session.ticket.serial})


def _agent(request) -> None:
    if not services.may_take_chats(request.user):
        raise PermissionDenied(_("无权接待在线客服"))


@login_required
@require_GET
def console(request):
    _agent(request)
    strings = {
        "title": _("在线客服"),
        "visitor": _("访客"),
        "agent": _("客服"),
        "accept": _("接入"),
        "online": _("在线 · 点击设为离开"),
        "away": _("离开 · 点击设为在线"),
        "overdue": _("已超首次答复时限"),
        "ticket": _("工单"),
        "refused": _("拒收"),
        "offline": _("连接中断,正在重连…"),
        "confirmEnd": _("确定结束该会话?"),
    }
    return render(request, "chat/console.html", {"strings": strings})


@login_required
@require_GET
@never_cache
def console_state(request):
    """What the console shows: waiting chats, the agent's own, colleagues online."""
    _agent(request)
    return JsonResponse(selectors.console_state(request.user))


@login_required
@require_GET
def console_templates(request):
    _agent(request)
    try:
        rows = services.reply_templates(
            request.user, int(request.GET.get("session") or 0), q=request.GET.get("q", "")
        )
    except (ServiceError, ValueError) as exc:
        if isinstance(exc, ServiceError):
            return _refused(exc)
        return JsonResponse({"detail": _("参数无效")}, status=422)
    return JsonResponse({"templates": rows})
