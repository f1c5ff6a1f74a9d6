from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The agent's desk: the workbench (intake and read-back), the queues, the ticket page and
    the tickets API. It shows a ticket with what every domain knows of it, so it sits above
    the domains; the kernel below it knows none of them."""

    name = "kefu.desk"
    verbose_name = _("坐席工作台")

    def ready(self) -> None:
        # The front desk's shifts and handovers learn the shift templates and the open
        # questions from here (kefu.frontdesk.providers).
        from kefu.desk import shift_sources

        shift_sources.register()
