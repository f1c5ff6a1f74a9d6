from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import ServiceError
from kefu.core.retention import is_administrator
from kefu.tickets import holds
from kefu.tickets.models import LegalHold, Ticket, TicketType


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    """Request types are renameable and can be switched off; their code is the API value."""

    list_display = [
        "code",
        "label",
        "label_en",
        "work_order_kind",
        "is_public",
        "order",
        "is_active",
    ]
    list_editable = ["label", "label_en", "work_order_kind", "is_public", "order", "is_active"]

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """Read-only here: tickets change only through the workbench and the API (the timeline)."""

    list_display = ["serial", "type", "channel", "status", "received_at", "branch", "department"]
    list_filter = ["status", "type", "channel", "branch"]
    search_fields = ["serial", "caller_number"]

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class LegalHoldForm(forms.ModelForm):
    """A new hold names a customer or a ticket and the reason; an existing one can only be
    lifted, with the reason (kefu.tickets.holds, both audited)."""

    class Meta:
        model = LegalHold
        fields = ["customer", "ticket", "reason", "lift_reason"]

    actor: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            if self.instance.pk is None:
                data["reason"] = holds.check_hold(
                    actor=self.actor,
                    reason=data.get("reason", ""),
                    customer=data.get("customer"),
                    ticket=data.get("ticket"),
                )
            elif self.instance.lifted_at is not None:
                raise ValidationError(_("该法律保全已解除"))
            elif not (data.get("lift_reason") or "").strip():
                raise ValidationError({"lift_reason": _("请填写解除原因")})
        except ServiceError as error:
            field = error.field if error.field in self.fields else None
            raise ValidationError({field: error.detail} if field else error.detail)
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Legal holds (法律保全): while one is in force the retention job leaves the customer or
    ticket, and what hangs on it, as it is. Set here with a reason; lifted by giving the reason
    on its page. Rows are never deleted."""

    form = LegalHoldForm
    list_display = ["__str__", "customer", "ticket", "set_at", "set_by", "in_force", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    autocomplete_fields = ["customer", "ticket"]
    search_fields = ["reason", "ticket__serial", "customer__name"]

    @admin.display(boolean=True, description=_("保全中"))
    def in_force(self, obj: LegalHold) -> bool:
        return obj.in_force

    # django-stubs types the fields as a union of lists and tuples of groups; plain names here.
    def get_fields(  # type: ignore[override]
        self, request: HttpRequest, obj: Model | None = None
    ) -> list[str]:
        if obj is None:
            return ["customer", "ticket", "reason"]
        return [
            "customer",
            "ticket",
            "reason",
            "set_at",
            "set_by",
            "lift_reason",
            "lifted_at",
            "lifted_by",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = ["customer", "ticket", "reason", "set_at", "set_by", "lifted_at", "lifted_by"]
        if isinstance(obj, LegalHold) and obj.lifted_at is not None:
            fixed.append("lift_reason")
        return fixed

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]
        return form

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_administrator(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LegalHold, form: Any, change: bool) -> None:
        if change:
            lifted = holds.lift_hold(obj.pk, actor=request.user, reason=obj.lift_reason)
            obj.lifted_at, obj.lifted_by = lifted.lifted_at, lifted.lifted_by
            return
        hold = holds.set_hold(
            actor=request.user, reason=obj.reason, customer=obj.customer, ticket=obj.ticket
        )
        obj.pk, obj.set_at, obj.set_by = hold.pk, hold.set_at, hold.set_by
