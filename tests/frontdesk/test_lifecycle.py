"""A found item's life: registered → matched → claimed / in custody → handed to finance."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kefu.core.errors import Code, ServiceError
from kefu.core.models import AuditLog
from kefu.frontdesk import matching, services
from kefu.frontdesk.models import ClaimAttempt, FinanceBatch, FoundItem, ItemEvent, LossReport
from tests.frontdesk.factories import claim, found_item, jpeg_bytes, loss_report

pytestmark = pytest.mark.django_db

S = FoundItem.Status


def kinds(item):
    return list(item.events.order_by("at", "id").values_list("kind", "from_status", "to_status"))


def test_visitor_find_is_registered_with_photo_words_and_timeline(agent):
    photo = SimpleUploadedFile("wallet.jpg", jpeg_bytes(), content_type="image/jpeg")

    item = found_item(agent, photos=[photo])

    assert item.serial.startswith("SW") and len(item.serial) == 11
    assert item.status == S.REGISTERED
    assert item.value_class == "ordinary"
    assert item.receipt_no == ""
    assert "钱包" in item.words.split()
    assert item.photos.get().content_type == "image/jpeg"
    assert kinds(item) == [("registered", "", "registered")]
    assert (
        AuditLog.objects.filter(action="frontdesk.item.registered", object_id=str(item.pk)).count()
        == 1
    )


def test_staff_find_gets_a_receipt_number_and_a_phone_is_valuable(agent):
    item = found_item(
        agent,
        source="staff",
        category="phone",
        finder_staff_no="8011",
        description="白色苹果手机,屏幕有裂纹",
    )

    assert item.receipt_no == "HZ" + item.serial[2:]
    assert item.value_class == "valuable"
    assert item.finder_staff_no == "8011"


def test_on_spot_find_needs_a_witness_and_a_shift_leader(agent, lead):
    with pytest.raises(ServiceError) as refused:
        found_item(agent, source="on_spot", shift_leader_id=lead.pk)
    assert refused.value.field == "witness_name"
    with pytest.raises(ServiceError) as refused:
        found_item(agent, source="on_spot", witness_name="保安老刘", shift_leader_id=agent.pk)
    assert refused.value.field == "shift_leader"
    assert FoundItem.objects.count() == 0

    item = found_item(agent, source="on_spot", witness_name="保安老刘", shift_leader_id=lead.pk)
    assert item.shift_leader == lead and item.witness_name == "保安老刘"


def test_on_spot_find_is_claimed_on_the_spot_with_the_witness(agent, lead):
    item = found_item(agent, source="on_spot", witness_name="保安老刘", shift_leader_id=lead.pk)

    done = services.claim_item(
        agent, item.pk, claim(id_type="", id_number="", witness_name="保安老刘")
    )

    item.refresh_from_db()
    assert item.status == S.CLAIMED
    assert done.witness_name == "保安老刘" and done.id_number == ""


def test_matching_proposes_the_report_both_ways_and_linking_matches(agent):
    report = loss_report(agent)
    loss_report(agent, category="keys", description="一串钥匙", owner_phone="13800000002")
    loss_report(
        agent,
        description="黑色钱包",
        lost_at=timezone.now() - dt.timedelta(days=20),
        owner_phone="13800000003",
    )
    item = found_item(agent)

    proposed = matching.reports_for(agent, item)
    assert [m.report.pk for m in proposed] == [report.pk]
    assert proposed[0].score > 0.5
    assert [m.item.pk for m in matching.items_for(agent, report)] == [item.pk]

    services.link_report(agent, item.pk, report_id=report.pk)

    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == S.MATCHED and item.report == report
    assert report.status == LossReport.Status.MATCHED
    assert kinds(item)[-1] == ("matched", "registered", "matched")
    assert matching.reports_for(agent, item) == []  # the report is no longer open


def test_matched_item_is_claimed_with_signature_and_masked_id_kept(agent):
    report = loss_report(agent)
    item = found_item(agent)
    services.link_report(agent, item.pk, report_id=report.pk)

    done = services.claim_item(agent, item.pk, claim())

    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == S.CLAIMED and item.claimed_at is not None
    assert report.status == LossReport.Status.RETURNED
    assert done.outcome == "accepted" and done.description_matched is True
    assert done.id_number == "110101199003071234"
    assert done.signature.name.startswith("lostfound/signatures/")
    assert done.signature.read()[:4] == b"\x89PNG"
    assert kinds(item)[-1] == ("claimed", "matched", "claimed")


def test_a_claim_whose_description_does_not_match_is_refused_and_recorded(agent):
    item = found_item(agent)

    with pytest.raises(ServiceError) as refused:
        services.claim_item(
            agent,
            item.pk,
            claim(
                description="红色帆布钱包",
                description_matched=False,
                refuse_reason="颜色和材质不符",
            ),
        )

    assert refused.value.code == Code.INVALID and refused.value.field == "description_matched"
    assert refused.value.detail == "颜色和材质不符"
    item.refresh_from_db()
    assert item.status == S.REGISTERED
    attempt = ClaimAttempt.objects.get(item=item)
    assert (attempt.outcome, attempt.refuse_reason, attempt.description) == (
        "refused",
        "颜色和材质不符",
        "红色帆布钱包",
    )
    assert attempt.signature.name == ""
    assert kinds(item)[-1] == ("claim_refused", "registered", "registered")


def test_a_second_claim_on_a_claimed_item_is_refused_and_recorded(agent):
    item = found_item(agent)
    services.claim_item(agent, item.pk, claim())

    with pytest.raises(ServiceError) as refused:
        services.claim_item(agent, item.pk, claim(claimant_name="李四"))

    assert refused.value.code == Code.CONFLICT
    assert list(
        ClaimAttempt.objects.filter(item=item)
        .order_by("id")
        .values_list("claimant_name", "outcome")
    ) == [("张三丰", "accepted"), ("李四", "refused")]
    item.refresh_from_db()
    assert item.status == S.CLAIMED


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"claimant_name": " "}, "claimant_name"),
        ({"description": ""}, "description"),
        ({"id_type": "badge"}, "id_type"),
        ({"id_number": ""}, "id_number"),
        ({"signature": ""}, "signature"),
        ({"signature": "data:image/png;base64,AAAA"}, "signature"),
    ],
)
def test_a_claim_with_bad_input_writes_nothing(agent, over, field):
    item = found_item(agent)
    before = ItemEvent.objects.count()

    with pytest.raises(ServiceError) as refused:
        services.claim_item(agent, item.pk, claim(**over))

    assert refused.value.field == field
    assert ClaimAttempt.objects.count() == 0
    assert ItemEvent.objects.count() == before
    item.refresh_from_db()
    assert item.status == S.REGISTERED


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"category": "gold"}, "category"),
        ({"description": ""}, "description"),
        ({"found_place": "x" * 101}, "found_place"),
        ({"found_at": None}, "found_at"),
        ({"found_at": timezone.now() + dt.timedelta(days=1)}, "found_at"),
        ({"finder_phone": "abc"}, "finder_phone"),
        ({"source": "staff"}, "finder_staff_no"),
        ({"description": "钱包\x00"}, "description"),
    ],
)
def test_a_registration_with_bad_input_writes_nothing(agent, over, field):
    with pytest.raises(ServiceError) as refused:
        found_item(agent, **over)
    assert refused.value.code == Code.INVALID and refused.value.field == field
    assert FoundItem.objects.count() == 0 and ItemEvent.objects.count() == 0


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_written(agent):
    fake = SimpleUploadedFile("x.jpg", b"<html>not a photo</html>", content_type="image/jpeg")
    with pytest.raises(ServiceError) as refused:
        found_item(agent, photos=[fake])
    assert refused.value.field == "photos"
    assert FoundItem.objects.count() == 0


def test_desk_hands_an_item_to_the_custodian_then_it_is_claimed(agent):
    item = found_item(agent)

    services.hand_to_custody(agent, item.pk, place="保管柜 3 号", custodian_name="周保管")

    item.refresh_from_db()
    assert (item.status, item.custody_place, item.custodian_name, item.custody_handed_by) == (
        S.CUSTODY,
        "保管柜 3 号",
        "周保管",
        "李娜",
    )
    services.claim_item(agent, item.pk, claim())
    item.refresh_from_db()
    assert item.status == S.CLAIMED
    assert [k[0] for k in kinds(item)] == ["registered", "custody", "claimed"]


def test_day_end_custody_moves_only_unclaimed_valuables_once(agent):
    phone = found_item(agent, category="phone", description="黑色华为手机")
    cash = found_item(agent, category="cash", description="现金两百元")
    claimed_camera = found_item(agent, category="camera", description="佳能相机")
    services.claim_item(agent, claimed_camera.pk, claim())
    umbrella = found_item(agent, category="other", description="蓝色雨伞")

    assert services.sweep_day_end_custody() == 2
    assert services.sweep_day_end_custody() == 0

    for item, status in (
        (phone, S.CUSTODY),
        (cash, S.CUSTODY),
        (claimed_camera, S.CLAIMED),
        (umbrella, S.REGISTERED),
    ):
        item.refresh_from_db()
        assert item.status == status
    assert phone.custody_handed_by == "李娜" and phone.custody_place
    assert ItemEvent.objects.filter(kind="custody").count() == 2


def test_unclaimed_items_go_to_finance_after_the_period_once(agent, settings):
    settings.LOST_FOUND_DAYS = 15
    start = timezone.now() - dt.timedelta(days=20)
    with time_machine.travel(start, tick=False):
        old = found_item(agent, found_at=start - dt.timedelta(hours=1))
        custody = found_item(agent, category="phone", found_at=start - dt.timedelta(hours=1))
        services.sweep_day_end_custody(now=start)
        claimed = found_item(agent, found_at=start - dt.timedelta(hours=1))
        services.claim_item(agent, claimed.pk, claim())
    recent = found_item(agent)

    batch = services.sweep_to_finance()
    again = services.sweep_to_finance()

    assert again is None
    assert FinanceBatch.objects.count() == 1
    assert batch.count == 2 and batch.serial.startswith("YJ")
    assert set(batch.items.values_list("pk", flat=True)) == {old.pk, custody.pk}
    for item, status in (
        (old, S.FINANCE),
        (custody, S.FINANCE),
        (claimed, S.CLAIMED),
        (recent, S.REGISTERED),
    ):
        item.refresh_from_db()
        assert item.status == status
    custody.refresh_from_db()
    assert [k[0] for k in kinds(custody)] == ["registered", "custody", "finance"]
    with pytest.raises(ServiceError) as refused:
        services.claim_item(agent, old.pk, claim())
    assert refused.value.code == Code.INVALID_TRANSITION


def test_the_monthly_hand_over_is_for_leads_and_takes_everything_unclaimed(agent, lead):
    item = found_item(agent)
    with pytest.raises(ServiceError) as refused:
        services.sweep_to_finance(actor=agent, before=timezone.now())
    assert refused.value.code == Code.FORBIDDEN

    batch = services.sweep_to_finance(actor=lead, before=timezone.now())

    assert batch.created_by == lead and list(batch.items.all()) == [item]
    assert services.sweep_to_finance(actor=lead, before=timezone.now()) is None


def test_quality_reads_but_may_not_register(people):
    with pytest.raises(ServiceError) as refused:
        found_item(people["quality"])
    assert refused.value.code == Code.FORBIDDEN


def test_branch_staff_see_only_their_branch(agent, people):
    item = found_item(agent)
    sz = people["sz_agent"]
    with pytest.raises(ServiceError) as refused:
        services.claim_item(sz, item.pk, claim())
    assert refused.value.code == Code.NOT_FOUND
    theirs = found_item(sz)
    assert theirs.branch.code == "sz"


def test_an_item_in_custody_is_linked_to_a_report_and_stays_in_custody(agent):
    item = found_item(agent)
    services.hand_to_custody(agent, item.pk, place="保管柜 3 号", custodian_name="周保管")
    report = loss_report(agent)

    services.link_report(agent, item.pk, report_id=report.pk)

    item.refresh_from_db()
    assert (item.status, item.report_id) == (S.CUSTODY, report.pk)
    assert kinds(item)[-1] == ("matched", "custody", "custody")
    with pytest.raises(ServiceError) as refused:
        services.link_report(
            agent, item.pk, report_id=loss_report(agent, owner_phone="13800000009").pk
        )
    assert refused.value.code == Code.CONFLICT


def test_a_claimed_item_cannot_be_linked_or_handed_over(agent):
    item = found_item(agent)
    services.claim_item(agent, item.pk, claim())
    report = loss_report(agent)
    with pytest.raises(ServiceError) as refused:
        services.link_report(agent, item.pk, report_id=report.pk)
    assert refused.value.code == Code.INVALID_TRANSITION
    with pytest.raises(ServiceError) as refused:
        services.hand_to_custody(agent, item.pk, place="柜", custodian_name="周")
    assert refused.value.code == Code.INVALID_TRANSITION
    report.refresh_from_db()
    assert report.status == LossReport.Status.OPEN
