from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "kefu.workforce"
    verbose_name = "话务"
