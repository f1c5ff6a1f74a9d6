from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "kefu.knowledge"
    verbose_name = _("知识库")

    def ready(self) -> None:
        from kefu.core import refcache
        from kefu.knowledge import retention
        from kefu.knowledge.models import Script, SynonymGroup
        from kefu.tickets import hooks

        # Kept per process (kefu.core.refcache).
        refcache.watch(SynonymGroup, Script)
        # What an open question writes on its ticket's timeline.
        hooks.register_event_labels({"question": _("待答疑问"), "answered": _("疑问已答复")})
        # An anonymised customer's copies here are cleared (kefu.core.retention).
        retention.register()
