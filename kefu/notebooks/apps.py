from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotebooksConfig(AppConfig):
    """The agent's notebooks (坐席记录本): the problem log (问题登记) collected weekly to the
    team lead, the service count (服务统计) counted from the agent's work plus manual entries,
    and the grumbles handled on the spot (抱怨登记), counted apart from complaints."""

    name = "kefu.notebooks"
    verbose_name = _("坐席记录本")

    def ready(self) -> None:
        from kefu.notebooks import retention

        # A grumbling customer's name and phone are cleared after their period.
        retention.register()
