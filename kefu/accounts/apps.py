from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    verbose_name = "组织与账号"
