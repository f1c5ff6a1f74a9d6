"""Notice pages and the public board. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.scope import scope_of
from kefu.core.errors import Code, ServiceError
from kefu.core.paging import page_args
from kefu.notices import access, selectors, services
from kefu.notices.campaign import delivery_summary
from kefu.notices.forms import CloseForm, LinkForm, NoticeForm, PublishForm, UpdateForm
from kefu.notices.models import Campaign, Notice


def _add_error(form, exc: ServiceError) -> None:
    if exc.field in form.fields:
        form.add_error(exc.field, exc.detail)


def _list(request, *, form=None, error: str = "", status: int = 200):
    state = request.GET.get("state", "")
    if state not in Notice.State.values:
        state = ""
    return render(
        request,
        "notices/list.html",
        {
            "page": selectors.list_notices(request.user, state=state, **page_args(request.GET)),
            "state": state,
            "states": Notice.State.choices,
            "can_publish": access.can_publish(request.user),
            "form": form or NoticeForm(),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def notice_list(request):
    return _list(request)


@login_required
@require_POST
def notice_create(request):
    form = NoticeForm(request.POST)
    if not form.is_valid():
        return _list(request, form=form, error=_("输入有误"), status=422)
    try:
        notice = services.create_notice(form.input, actor=request.user)
    except ServiceError as exc:
        _add_error(form, exc)
        return _list(request, form=form, error=exc.detail, status=exc.status)
    return redirect("notice", notice_id=notice.pk)


def _detail(
    request, notice_id: int, *, forms: dict | None = None, error="", status=200, confirm=False
):
    """The notice's page; with ``confirm`` the publishing preview asks to confirm."""
    try:
        notice = selectors.get_notice(request.user, notice_id)
    except ServiceError:
        raise Http404 from None
    preview = None
    if confirm and notice.state == Notice.State.DRAFT and access.can_publish(request.user):
        preview = services.preview_notice(notice_id, actor=request.user)
    initial = {
        "kind": notice.kind,
        "title": notice.title,
        "content": notice.content,
        "areas": [a.code for a in notice.areas.all()],
        "streets": notice.streets,
        "advice": notice.advice,
        "starts_at": timezone.localtime(notice.starts_at),
        "expected_end": timezone.localtime(notice.expected_end),
    }
    context = {
        "notice": notice,
        "summary": delivery_summary(notice, purpose=Campaign.Purpose.PUBLISHED),
        "closing_summary": delivery_summary(notice, purpose=Campaign.Purpose.CLOSED),
        "calls": selectors.calls_of(notice),
        "can_publish": access.can_publish(request.user),
        "can_link": scope_of(request.user).can_intake,
        "edit_form": NoticeForm(initial=initial),
        "update_form": UpdateForm(),
        "close_form": CloseForm(),
        "link_form": LinkForm(),
        "preview": preview,
        "error": error,
    }
    context.update(forms or {})
    return render(request, "notices/detail.html", context, status=status)


@login_required
@require_GET
def notice_detail(request, notice_id: int):
    """The notice; ``?confirm=publish``: with what publishing would send, to confirm."""
    return _detail(request, notice_id, confirm=request.GET.get("confirm") == "publish")


FORMS = {
    "publish": PublishForm,
    "edit": NoticeForm,
    "update": UpdateForm,
    "close": CloseForm,
    "link": LinkForm,
}


@login_required
@require_POST
def notice_action(request, notice_id: int, name: str):
    """publish (as confirmed) / edit / update / close / link, each one service call."""
    if name not in FORMS:
        raise Http404
    form = FORMS[name](request.POST)
    form_key = f"{name}_form"
    confirm = name == "publish"  # a refused publishing shows what it would send now
    if not form.is_valid():
        return _detail(
            request,
            notice_id,
            forms={form_key: form},
            error=_("输入有误"),
            status=422,
            confirm=confirm,
        )
    data = form.cleaned_data
    user = request.user
    try:
        match name:
            case "publish":
                services.publish_notice(
                    notice_id,
                    actor=user,
                    expected_recipients=data["expected_recipients"],
                    token=data["token"],
                )
            case "edit" if isinstance(form, NoticeForm):
                services.update_notice(
                    notice_id, form.input, actor=user, update_text=data["update_text"]
                )
            case "update":
                services.add_notice_update(notice_id, actor=user, text=data["text"])
            case "close":
                services.close_notice(
                    notice_id,
                    actor=user,
                    closing_text=data["closing_text"],
                    actual_end=data["actual_end"],
                )
            case "link":
                services.link_ticket_to_notice(data["serial"], actor=user, notice_id=notice_id)
    except ServiceError as exc:
        if exc.code == Code.NOT_FOUND and exc.field is None and name != "link":
            raise Http404 from None
        _add_error(form, exc)
        return _detail(
            request,
            notice_id,
            forms={form_key: form},
            error=exc.detail,
            status=exc.status,
            confirm=confirm and exc.code == Code.CONFLICT,
        )
    return redirect("notice", notice_id=notice_id)  # a reload must not post again


@require_GET
def portal_notices(request):
    """The public board (no login): active notices by area, without any personal data."""
    return render(request, "notices/portal.html", {"board": selectors.public_board()})
