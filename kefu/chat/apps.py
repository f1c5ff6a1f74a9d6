from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    """Web chat and 留言: the widget a center puts on its site, the agents' console."""

    name = "kefu.chat"
    verbose_name = _("在线客服")

    def ready(self) -> None:
        # A reply on a ticket whose chat is open goes into the chat (kefu.conversations);
        # once the chat is over, a reply without a channel goes by another.
        from kefu.chat import retention
        from kefu.chat.models import ChatSettings
        from kefu.chat.services import deliver, has_open_chat
        from kefu.conversations.services import register_sender
        from kefu.core import refcache
        from kefu.tickets.models import Channel

        register_sender(Channel.CHAT, deliver, live=has_open_chat)
        refcache.watch(ChatSettings)  # the flood limits and hours, read on every line
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        retention.register()
