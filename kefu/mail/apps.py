from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """The e-mail channel: mailboxes polled over IMAP, each mail a ticket or a message on one."""

    name = "kefu.mail"
    verbose_name = _("邮件渠道")

    def ready(self) -> None:
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        from kefu.mail import retention

        retention.register()
