"""Shapes of the knowledge pages' forms (the rules are in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.accounts import org
from kefu.core.schemas import DayField, SchemaForm
from kefu.knowledge.models import Audience, Category, Kind
from kefu.knowledge.schemas import ArticleIn
from kefu.knowledge.search import split_words
from kefu.tickets.models import TicketType


def _category_choices():
    return [
        ("", _("— 未分类 —")),
        *((c.name, c.name) for c in Category.objects.filter(is_active=True)),
    ]


def _type_choices():
    return [(t.code, str(t)) for t in TicketType.objects.filter(is_active=True)]


def _area_choices():
    return org.area_choices()


class ArticleForm(SchemaForm):
    """An article on its edit page: what it may hold is the API's declaration (ArticleIn)."""

    schema = ArticleIn

    title = forms.CharField(label=_("标题"), widget=forms.TextInput(attrs={"required": True}))
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    audience = forms.ChoiceField(label=_("范围"), choices=Audience.choices)
    category = forms.ChoiceField(label=_("分类"), choices=_category_choices, required=False)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 12}))
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("用空格或逗号分隔"))
    ticket_types = forms.MultipleChoiceField(
        label=_("适用诉求类型"),
        choices=_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    areas = forms.MultipleChoiceField(
        label=_("适用片区"),
        choices=_area_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = DayField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = DayField(
        label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("修改说明"), required=False)

    def clean_tags(self) -> list[str]:
        return split_words(self.cleaned_data.get("tags") or "")


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("意见"), required=False, max_length=500)


class SynonymForm(forms.Form):
    words = forms.CharField(label=_("同义词"), max_length=300, help_text=_("用空格或逗号分隔"))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件"), required=False)
