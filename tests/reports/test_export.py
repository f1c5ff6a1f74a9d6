"""The workbook keeps what staff typed as plain text."""

import io

from django.utils import timezone
from openpyxl import load_workbook

from kefu.complaints import services as complaints
from kefu.reports.export import monthly_workbook
from kefu.reports.selectors import monthly_statistics
from tests.complaints.factories import make_complaint

FORMULA = '=HYPERLINK("http://x","点我")'


def test_typed_text_stays_text_in_the_workbook(people):
    agent = people["agent"]
    ticket = make_complaint(agent)
    complaints.record_lessons(
        ticket.serial, actor=agent, cause=FORMULA, corrective_action="培训\x0b考核"
    )
    stats = monthly_statistics(timezone.localdate().replace(day=1))
    sheet = load_workbook(io.BytesIO(monthly_workbook(stats)))["原因与整改"]
    cells = {c.value: c for row in sheet.iter_rows() for c in row}
    assert cells[FORMULA].data_type == "s"  # text, not a live formula
    assert "培训考核" in cells  # the control character dropped, not a crash
