"""The notebooks' weekly job: the past week's problems collected to the team leads. Idempotent
(kefu.notebooks.services.collect_week), and claimed once per period by kefu.core.periodic."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.notebooks import services


@db_periodic_task(crontab(day_of_week="1", hour="8", minute="0"))
def collect_weekly_problems() -> int:
    """汇总: the open problems of the past week go to the team leads (Mondays 08:00)."""
    return len(services.collect_week())
