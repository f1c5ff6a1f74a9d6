from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "kefu.knowledge"
    verbose_name = _("知识库")

    def ready(self) -> None:
        from kefu.core import refcache  # noqa: PLC0415 - models load first
        from kefu.knowledge.models import Script, ScriptSettings, SynonymGroup  # noqa: PLC0415

        refcache.watch(
            SynonymGroup, Script, ScriptSettings
        )  # kept per process (kefu.core.refcache)
