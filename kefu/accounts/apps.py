from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kefu.accounts"
    verbose_name = "组织与账号"

    def ready(self) -> None:
        # Reference data kept per process (kefu.core.refcache), dropped when it changes: the
        # organization, API tokens, and who may see personal data.
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission

        from kefu.accounts.models import ApiToken, Branch, Department, ServiceArea, StaffProfile
        from kefu.core import refcache

        user = get_user_model()
        refcache.watch(
            Branch,
            Department,
            ServiceArea,
            StaffProfile,
            ApiToken,
            Group,
            Permission,
            user.groups.through,
            user.user_permissions.through,
            Group.permissions.through,
        )
        # A login saves the user's last_login: that changes nothing kept.
        refcache.watch(user, ignore_fields=frozenset({"last_login"}))
