from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    """Every message in and out of a ticket, whatever the channel: the conversation (one thread per ticket), replies through the customer's channel, reply templates (快捷回复), routing of incoming work."""

    name = "kefu.conversations"
    verbose_name = _("会话")

    def ready(self) -> None:
        from kefu.conversations import retention
        from kefu.tickets import hooks

        # Message files expire; an anonymised customer's messages are cleared
        # (kefu.core.retention).
        retention.register()

        hooks.register_event_labels(
            {"message_in": _("客户来信"), "customer": _("关联客户"), "reply": _("答复客户")}
        )
