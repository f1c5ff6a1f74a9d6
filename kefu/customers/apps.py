from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    verbose_name = "客户档案"

    def ready(self) -> None:
        # Customers without activity are anonymised after their period (kefu.core.retention).
        from kefu.customers import retention

        retention.register()
