from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    verbose_name = "工单受理"
