from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    """Every message in and out of a ticket, whatever the channel: the conversation (one thread per ticket), replies through the customer's channel, reply templates (快捷回复), routing of incoming work."""

    name = "kefu.conversations"
    verbose_name = _("会话")
