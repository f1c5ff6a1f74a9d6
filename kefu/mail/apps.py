from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """The e-mail channel: mailboxes polled over IMAP, each mail a ticket or a message on one."""

    name = "kefu.mail"
    verbose_name = _("邮件渠道")
