"""Background sending of notice SMS campaigns."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from kefu.notices import campaign


@db_task()
def run_campaign(campaign_id: int) -> bool:
    """One batch of a notice's SMS; the next batch is scheduled later to keep the rate."""
    more = campaign.send_campaign_batch(campaign_id)
    if more:
        run_campaign.schedule((campaign_id,), delay=campaign.batch_delay_seconds())
    return more


@db_periodic_task(crontab(minute="*"))
def resume_stalled_campaigns() -> int:
    """Queue again the notice campaigns whose worker stopped between batches (every minute)."""
    return campaign.resume_stalled_campaigns()
