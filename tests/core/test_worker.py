import io

from django.core.management import call_command


def test_worker_list_prints_each_periodic_job_with_next_runs():
    out = io.StringIO()
    call_command("schedule", stdout=out)
    line = next(row for row in out.getvalue().splitlines() if row.startswith("sweep_stale_calls"))
    assert line.count(":") >= 3 and "every 10 minutes" in line
