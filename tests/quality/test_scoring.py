"""Scoring: weights, points, 一票否决, and the versioned scorecard an inspection keeps."""

from __future__ import annotations

import pytest

from kefu.core.errors import ServiceError
from kefu.quality import services
from kefu.quality.models import Inspection, Mark, Sample, Scorecard, ScorecardItem
from tests.quality.factories import ITEMS, a_sample, all_pass, scorecard


def _items(*rows):
    return [
        ScorecardItem(position=n, name=f"项{n}", category="process", points=p, is_veto=v)
        for n, (p, v) in enumerate(rows, 1)
    ]


def test_all_passed_scores_the_full_hundred():
    items = _items((20, False), (30, False), (50, False))
    result = services.score(items, [{"position": n, "passed": True} for n in (1, 2, 3)])
    assert (result.points, result.max_points, result.score, result.vetoed) == (100, 100, 100, False)


def test_failed_items_lose_their_weight_and_points_count_as_given():
    items = _items((20, False), (30, False), (50, False))
    marks = [
        {"position": 1, "passed": False},
        {"position": 2, "points": 12},
        {"position": 3, "passed": True},
    ]
    result = services.score(items, marks)
    assert result.points == 0 + 12 + 50
    assert result.score == 62
    assert [m["awarded"] for m in result.marks] == [0, 12, 50]
    assert [m["passed"] for m in result.marks] == [False, False, True]


def test_score_is_a_percentage_of_the_weights_rounded_half_up():
    items = _items((3, False), (5, False))  # 8 points in all
    result = services.score(
        items, [{"position": 1, "passed": True}, {"position": 2, "passed": False}]
    )
    # 3 / 8 = 37.5 % → 38
    assert result.score == 38


def test_a_failed_veto_item_makes_the_whole_score_zero():
    items = _items((40, False), (60, False), (0, True))
    marks = [
        {"position": 1, "passed": True},
        {"position": 2, "passed": True},
        {"position": 3, "passed": False},
    ]
    result = services.score(items, marks)
    assert result.vetoed is True
    assert result.points == 100
    assert result.score == 0


def test_points_above_the_weight_or_a_missing_item_are_refused_naming_the_mark():
    items = _items((20, False), (80, False))
    with pytest.raises(ServiceError) as caught:
        services.score(items, [{"position": 1, "points": 21}, {"position": 2, "passed": True}])
    assert caught.value.field == "marks.0.points"
    with pytest.raises(ServiceError) as caught:
        services.score(items, [{"position": 1, "passed": True}])
    assert caught.value.field == "marks.1.position"
    with pytest.raises(ServiceError) as caught:
        services.score(items, [{"position": 1, "passed": True}, {"position": 9, "passed": True}])
    assert caught.value.field == "marks.1.position"


def test_an_inspection_keeps_the_items_as_they_were_after_a_revision(people, quality):
    agent = people["agent"]
    card = scorecard(quality)
    sample = a_sample(quality, agent)
    marks = all_pass(card, {2: {"passed": False}})
    inspection = services.inspect_sample(quality, sample.pk, scorecard_id=card.pk, marks=marks)
    assert inspection.score == 100 - 30
    revised = services.revise_scorecard(
        quality,
        card.pk,
        name="新表",
        items=[{"name": "只剩一项", "category": "accuracy", "points": 10}],
    )
    assert revised.version == 2 and revised.code == card.code
    card.refresh_from_db()
    assert card.status == Scorecard.Status.SUPERSEDED
    names = list(Mark.objects.filter(inspection=inspection).values_list("name", flat=True))
    assert names == [i["name"] for i in ITEMS]
    assert card.items.count() == len(ITEMS)
    # The superseded version no longer scores.
    other = Sample.objects.create(draw=sample.draw, agent=agent, reason="random")
    with pytest.raises(ServiceError) as caught:
        services.inspect_sample(quality, other.pk, scorecard_id=card.pk, marks=marks)
    assert caught.value.field == "scorecard"


def test_bad_marks_write_nothing(people, quality):
    card = scorecard(quality)
    sample = a_sample(quality, people["agent"])
    with pytest.raises(ServiceError):
        services.inspect_sample(
            quality, sample.pk, scorecard_id=card.pk, marks=[{"position": 1, "points": 999}]
        )
    sample.refresh_from_db()
    assert sample.status == "pending"
    assert Inspection.objects.count() == 0 and Mark.objects.count() == 0


def test_a_scorecard_needs_items_with_points_and_valid_categories(quality):
    for items, field in (
        ([], "items"),
        ([{"name": "a", "category": "nope", "points": 5}], "items.0.category"),
        ([{"name": "a", "category": "process", "points": 0}], "items"),
        ([{"name": "a", "category": "process", "points": 101}], "items.0.points"),
        (
            [
                {"name": "a", "category": "process", "points": 5},
                {"name": "a", "category": "script", "points": 5},
            ],
            "items.1.name",
        ),
    ):
        with pytest.raises(ServiceError) as caught:
            services.create_scorecard(quality, name="表", items=items)
        assert caught.value.field == field
    assert Scorecard.objects.count() == 0 and ScorecardItem.objects.count() == 0
