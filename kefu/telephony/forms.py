"""Shape validation of the blacklist and worklist forms (rules: kefu.telephony.blacklist,
kefu.telephony.callbacks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.core.schemas import MomentField
from kefu.telephony.models import BlacklistEntry


class BlacklistForm(forms.Form):
    number = forms.CharField(label=_("号码"), max_length=40)
    kind = forms.ChoiceField(label=_("类型"), choices=BlacklistEntry.Kind.choices)
    reason = forms.CharField(label=_("原因"), max_length=200)
    until = MomentField(
        label=_("截止"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("留空表示长期有效"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("原因"), max_length=200)
