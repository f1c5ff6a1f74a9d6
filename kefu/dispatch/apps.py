from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "kefu.dispatch"
    verbose_name = _("派工")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kefu.customers import access as customer_access
        from kefu.dispatch import retention, ticket_hooks
        from kefu.dispatch.access import customers_of_orders, tickets_of_orders
        from kefu.dispatch.mobile import keep_field_staff_logged_in
        from kefu.tickets import access as ticket_access

        ticket_hooks.register()
        # Who sees what (kefu.accounts.scope): field staff see the tickets their orders need,
        # a department's staff and field staff the customers of the orders they see.
        ticket_access.register_own_work(tickets_of_orders)
        customer_access.register_work(customers_of_orders)
        # Photos and signatures expire; an anonymised customer's orders are cleared
        # (kefu.core.retention).
        retention.register()

        # Session length, not business flow: the one hook every way of logging in passes.
        user_logged_in.connect(keep_field_staff_logged_in, dispatch_uid="dispatch-field-session")
