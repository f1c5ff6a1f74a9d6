"""What the callback and satisfaction figures count, in one place: the callback report
(/followups/stats), the monthly complaint report (kefu.reports.selectors) and the report
layer's measures (kefu.followups.measures) all read them from here.

- due: every callback owed, that is every task but the excluded (declined at intake,
  anonymous, not drawn by the rule's sample);
- callback rate: done ÷ (due − refused): a customer who refused the call at the callback is
  not counted against the center, as one who declined at intake is not;
- satisfaction rate: satisfied ÷ (satisfied + unsatisfied), the callbacks with an answer;
- survey score: the 1–5 average of the answered surveys.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from kefu.followups.models import CallbackTask, Survey

State, Outcome = CallbackTask.State, CallbackTask.Outcome

DUE = ~Q(state=State.EXCLUDED)
ASKED = DUE & ~Q(state=State.REFUSED)  # the callback rate's denominator
DONE = Q(state=State.DONE)
SATISFIED = Q(outcome=Outcome.SATISFIED)
ANSWERED = Q(outcome__in=(Outcome.SATISFIED, Outcome.UNSATISFIED))
SURVEY_ANSWERED = Q(state=Survey.State.ANSWERED)


def task_counts() -> dict:
    """The counts of callback tasks every callback table shows, as aggregates."""
    return {
        "due": Count("id", filter=DUE),
        "done": Count("id", filter=DONE),
        "in_time": Count("id", filter=DONE & Q(finished_at__lte=F("due_at"))),
        "open": Count("id", filter=Q(state=State.OPEN)),
        "given_up": Count("id", filter=Q(state=State.GIVEN_UP)),
        "refused": Count("id", filter=Q(state=State.REFUSED)),
        "satisfied": Count("id", filter=SATISFIED),
        "unsatisfied": Count("id", filter=Q(outcome=Outcome.UNSATISFIED)),
    }


def survey_counts() -> dict:
    """Answered surveys and the sum of their scores, as aggregates."""
    return {
        "surveys": Count("id", filter=SURVEY_ANSWERED),
        "score_sum": Sum("score", filter=SURVEY_ANSWERED, default=0),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def callback_rate(*, done: int, due: int, refused: int) -> float | None:
    """done ÷ (due − refused); None when nothing was owed."""
    return _share(done, due - refused)


def satisfaction_rate(*, satisfied: int, unsatisfied: int) -> float | None:
    """satisfied ÷ (satisfied + unsatisfied); None when no callback had an answer."""
    return _share(satisfied, satisfied + unsatisfied)


def average_score(*, score_sum: int, surveys: int) -> float | None:
    """The surveys' average score, to two places; None with no answered survey."""
    return round(score_sum / surveys, 2) if surveys else None
