import datetime as dt

from django.utils import timezone

from kefu.telephony.models import CallRecord
from kefu.telephony.services import close_stale_calls
from kefu.telephony.tasks import sweep_stale_calls


def _call(call_id, *, state, hours_ago):
    return CallRecord.objects.create(
        call_id=call_id,
        direction="in",
        from_number="13812345678",
        to_number="95598",
        customer_number="13812345678",
        state=state,
        started_at=timezone.now() - dt.timedelta(hours=hours_ago),
    )


def test_calls_never_hung_up_are_ended_once(db):
    lost = _call("a", state=CallRecord.State.ANSWERED, hours_ago=5)
    fresh = _call("b", state=CallRecord.State.RINGING, hours_ago=1)
    assert sweep_stale_calls.call_local() == 1
    assert close_stale_calls() == 0
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.state, lost.cause) == (CallRecord.State.ENDED, "lost")
    assert fresh.state == CallRecord.State.RINGING
