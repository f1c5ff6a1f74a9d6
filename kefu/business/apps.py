from django.apps import AppConfig


class BusinessConfig(AppConfig):
    name = "kefu.business"
    verbose_name = "业务系统"

    def ready(self) -> None:
        from kefu.business import retention
        from kefu.business.models import Connector
        from kefu.core import refcache

        refcache.watch(Connector)  # which connector answers is kept per process
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        retention.register()
