from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    verbose_name = "工单受理"

    def ready(self) -> None:
        # Reference data kept per process (kefu.core.refcache), dropped when it changes.
        from kefu.core import refcache
        from kefu.tickets.models import TicketType

        refcache.watch(TicketType)
