from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "kefu.dispatch"
    verbose_name = _("派工")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kefu.dispatch import ticket_hooks
        from kefu.dispatch.mobile import keep_field_staff_logged_in

        ticket_hooks.register()

        # Session length, not business flow: the one hook every way of logging in passes.
        user_logged_in.connect(keep_field_staff_logged_in, dispatch_uid="dispatch-field-session")
