from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.accounts.scope import scope_of
from kefu.core.masking import Masker
from kefu.workforce.services import list_calls


@login_required
@require_GET
def call_log(request):
    if not scope_of(request.user).is_center:
        raise PermissionDenied  # the caller log is the center's, not the departments'
    number = request.GET.get("phone", "")[:40]
    return render(
        request,
        "workforce/calls.html",
        {
            "calls": list_calls(number=number, limit=100),
            "phone": number,
            "masker": Masker(request.user),
        },
    )
