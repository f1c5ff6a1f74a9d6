from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kefu.conversations.models import ChannelRule, Message, ReplyTemplate
from kefu.conversations.services import TEMPLATE_VALUES
from kefu.core.admin import ReadOnlyAdmin
from kefu.core.durations import HOUR, MINUTE, WORKDAY, DurationField
from kefu.core.errors import ServiceError
from kefu.core.placeholders import check


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = ["key", "title", "text", "owner", "channels", "is_active"]

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            check(text, TEMPLATE_VALUES)
        except ServiceError as exc:
            raise forms.ValidationError(exc.detail)
        return text


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    form = ReplyTemplateForm
    list_display = ["key", "title", "owner", "channels", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["key", "title", "text"]

    def has_delete_permission(self, request, obj=None):
        return False  # switch it off instead: agents' habits stay readable


class ChannelRuleForm(forms.ModelForm):
    first_reply_minutes = DurationField(
        label=_("首次答复时限"),
        units=(MINUTE, HOUR, WORKDAY),
        min_minutes=1,
        required=False,
        help_text=_("留空用渠道默认值:邮件、短信、网站 1 个工作日,在线客服 1 分钟"),
    )

    class Meta:
        model = ChannelRule
        fields = [
            "channel",
            "ticket_type",
            "branch",
            "department",
            "first_reply_minutes",
            "around_the_clock",
            "is_active",
        ]


@admin.register(ChannelRule)
class ChannelRuleAdmin(admin.ModelAdmin):
    form = ChannelRuleForm
    list_display = ["channel", "ticket_type", "branch", "department", "first_reply_minutes"]
    list_filter = ["channel", "is_active"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "channel", "direction", "at", "address", "subject"]
    list_filter = ["channel", "direction"]
    search_fields = ["ticket__serial", "external_id", "subject"]
    raw_id_fields = ["ticket", "delivery"]
