"""A grumbling customer's name and phone are cleared after the retention period; the grumble
and the monthly counts stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kefu.core import retention
from kefu.notebooks.models import Grumble
from tests.notebooks.factories import grumble

pytestmark = pytest.mark.django_db


def test_old_grumbles_lose_the_customers_data_and_a_second_run_does_nothing(agent):
    old = grumble(agent, content="客户说 13812345678 打不通")
    new = grumble(agent, customer_phone="13900001111")
    Grumble.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=4 * 365))
    kind = retention.get_kind("grumbles")
    assert kind is not None and kind.default_days == 3 * 365
    cutoff = timezone.now() - dt.timedelta(days=3 * 365)
    assert kind.apply(cutoff, dry_run=True)["anonymised"] == 1
    assert kind.apply(cutoff, dry_run=False)["anonymised"] == 1
    old.refresh_from_db()
    assert (old.customer_name, old.customer_phone) == ("已清除", "138****5678")
    assert "13812345678" not in old.content and old.anonymised_at is not None
    assert Grumble.objects.get(pk=new.pk).customer_phone == "13900001111"
    assert kind.apply(cutoff, dry_run=False)["anonymised"] == 0
    assert Grumble.objects.count() == 2
