from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kefu.core.errors import ServiceError
from kefu.core.masking import Masker
from kefu.telephony.services import list_calls


@login_required
@require_GET
def call_log(request):
    number = request.GET.get("phone", "")[:40]
    try:
        calls = list_calls(request.user, number=number, limit=100)
    except ServiceError as exc:
        raise PermissionDenied(exc.detail)
    return render(
        request,
        "telephony/calls.html",
        {
            "calls": calls,
            "phone": number,
            "masker": Masker(request.user),
        },
    )
