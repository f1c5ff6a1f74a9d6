from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "kefu.notices"
    verbose_name = _("公告")

    def ready(self) -> None:
        from kefu.tickets import hooks

        # What a call about a notice writes on its ticket's timeline.
        hooks.register_event_labels({"notice": _("关联公告")})
