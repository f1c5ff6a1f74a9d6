from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    verbose_name = "工单受理"

    def ready(self) -> None:
        # Reference data kept per process (kefu.core.refcache), dropped when it changes.
        from kefu.core import refcache
        from kefu.customers import access as customer_access
        from kefu.tickets import retention
        from kefu.tickets.access import customers_of_tickets
        from kefu.tickets.models import TicketType

        refcache.watch(TicketType)
        # A department's staff and field staff see the customers of the tickets they see.
        customer_access.register_work(customers_of_tickets)
        # Legal holds, the attachments' retention, tickets as a customer's activity and
        # their copies of an anonymised customer (kefu.core.retention).
        retention.register()
