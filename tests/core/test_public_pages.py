"""Pages a customer opens (the notice board, the survey from the SMS, the sign-in page) carry
the center's own name and hotline (中心信息), not the product's."""

import pytest
from django.test import Client

from kefu.core.models import CenterProfile
from kefu.followups.models import Survey
from tests.followups.factories import resolved_repair


@pytest.fixture
def profile(db):
    return CenterProfile.objects.create(name="清源水务", hotline="96116")


def test_the_notice_board_and_sign_in_page_carry_the_centers_name_and_hotline(profile):
    for path in ("/portal/notices/", "/login/"):
        page = Client().get(path).content.decode()
        assert "<title>" in page and "· 清源水务</title>" in page, path
        assert 'data-testid="brand">清源水务<' in page
        assert 'href="tel:96116"' in page and "客服热线" in page


def test_the_survey_page_carries_them_too(profile, people):
    ticket = resolved_repair(people, caller_number="13812345678")
    survey = Survey.objects.get(ticket=ticket)
    page = Client().get(f"/s/{survey.token}").content.decode()
    assert "清源水务" in page and "96116" in page and "Kefu" not in page


def test_staff_pages_stay_kefu(profile, agent, web_as):
    page = web_as(agent).get("/").content.decode()
    assert 'data-testid="brand">Kefu 客服<' in page
    assert 'data-testid="center-footer"' not in page
