"""Quality's job: the last ended period's sample drawn (daily 01:20; drawn once per period,
kefu.quality.services.draw_sample, and claimed once per run by kefu.core.periodic)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kefu.quality import services


@db_periodic_task(crontab(hour="1", minute="20"))
def draw_due_sample() -> int:
    """The sample of the week (or month) that ended, if not drawn yet."""
    return services.draw_due_sample()
