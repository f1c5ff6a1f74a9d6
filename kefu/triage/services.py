"""Triage: guess a request's labels, keep what the agent confirmed, retrain from it.

The model answering is the newest ``TrainedModel`` (``kefu triage train``); before a center
has trained one, a model learnt from the shipped starter corpus, trained once per process.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import Role
from kefu.accounts.scope import scope_of
from kefu.core import refcache
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.phrases import Phrase, PhraseList
from kefu.tickets.access import access_ticket
from kefu.tickets.models import Priority, Ticket
from kefu.triage.learn import Example, Guess, Triager, fit, score
from kefu.triage.models import Matter, Sentiment, TicketLabel, TrainedModel

logger = logging.getLogger(__name__)

CORPUS = Path(__file__).parent / "corpus"
# A matter guessed with less confidence than this is not enough alone to call two complaints
# the same matter (kefu.complaints.matching then compares their words, places left out).
MATTER_SURE = 0.5
# A matter guessed with less confidence than this is no guess at all: it is not kept.
MATTER_FLOOR = 0.3
# The labels an agent may confirm on a ticket, besides its type and department.
CONFIRMABLE = ("matter", "sentiment", "urgent", "complaint_class")


def _read(path: Path) -> list[Example]:
    rows = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                row = json.loads(line)
                row.pop("industry", None)
                rows.append(Example(**row))
    return rows


@functools.cache
def starter_examples() -> tuple[Example, ...]:
    """The starter corpus shipped with Kefu (kefu/triage/corpus/starter-*.jsonl)."""
    return tuple(e for path in sorted(CORPUS.glob("starter-*.jsonl")) for e in _read(path))


@functools.cache
def test_examples() -> tuple[Example, ...]:
    """The test split: never trained on, the accuracy of every training is measured on it."""
    return tuple(_read(CORPUS / "test-split.jsonl"))


def confirmed_examples() -> Iterator[Example]:
    """The center's confirmed tickets as training examples: each carries the labels its agent
    confirmed, its type, and the department that handled it."""
    labels = (
        TicketLabel.objects.exclude(confirmed=[])
        .order_by("ticket_id")
        .values_list(
            "ticket__content",
            "ticket__channel",
            "ticket__type__code",
            "ticket__department__code",
            "confirmed",
            "matter",
            "sentiment",
            "urgent",
            "complaint_class",
        )
    )
    for (
        text,
        channel,
        type_code,
        department,
        confirmed,
        matter,
        sentiment,
        urgent,
        cls,
    ) in labels.iterator(chunk_size=2000):
        sure = set(confirmed)
        yield Example(
            text=text,
            channel=channel,
            type=type_code if "type" in sure else None,
            urgent=urgent if "urgent" in sure else None,
            sentiment=sentiment if "sentiment" in sure and sentiment else None,
            complaint_class=cls if "complaint_class" in sure and cls else None,
            department=department or None,
            matter=matter if "matter" in sure and matter else None,
        )


_starter_lock = threading.Lock()


@functools.cache
def _starter_model() -> Triager:
    with _starter_lock:
        return fit(starter_examples(), seed=0)


_loaded: dict[int, Triager] = {}


def current_model() -> tuple[TrainedModel | None, Triager]:
    """The model that answers, and its row (None: the starter model of this process)."""
    newest = refcache.get(
        ("triage_model",),
        lambda: TrainedModel.objects.order_by("-id").values_list("id", flat=True).first() or 0,
    )
    if not newest:
        return None, _starter_model()
    if newest not in _loaded:
        row = TrainedModel.objects.get(pk=newest)
        _loaded.clear()
        _loaded[newest] = Triager.load(bytes(row.blob))
    row = TrainedModel(pk=newest)
    return row, _loaded[newest]


def warm_up() -> None:
    """Load (or, for the starter model, fit: a few seconds) the model that answers, so that
    the first request of a server process is not the one that waits for it."""
    try:
        current_model()
    except Exception:  # a server starts whatever the model does; the first request retries
        logger.exception("triage warm-up failed")
    finally:
        connection.close()


def predict(text: str, channel: str = "") -> dict[str, Guess]:
    """Each label's guess for a request: ``{label: Guess(value, confidence)}``; value None
    where the label does not apply (the class of what is not a complaint) or no guess is sure
    enough (a department)."""
    text = (text or "").strip()
    if not text:
        raise ServiceError(Code.INVALID, _("请填写诉求内容"), field="text")
    return guess(text, channel)


def guess(text: str, channel: str) -> dict[str, Guess]:
    """The model's guesses, the matter weighed with the center's matter keywords: every path
    that guesses (the API, the workbench, intake) comes here.

    The last answer of the thread is kept while the model and the matters are the same
    objects: a request that came in by itself is guessed once for its type
    (kefu.conversations) and again, the same text, by the intake's triage hook."""
    text = text[:2000]
    model, keywords, matters = current_model()[1], keyword_list(), active_matters()
    last = getattr(_last_guess, "value", None)
    if last is not None:
        (was_text, was_channel, *was_sources), found = last
        if (was_text, was_channel) == (text, channel) and all(
            a is b for a, b in zip(was_sources, (model, keywords, matters), strict=True)
        ):
            return dict(found)
    found = model.predict(text, channel)
    found["matter"] = _weigh_matter(found["matter"], text)
    _last_guess.value = ((text, channel, model, keywords, matters), dict(found))
    return found


_last_guess = threading.local()


# A model at least this sure of a matter keeps it against the keywords of another matter.
MODEL_OVERRULES = 0.8
# How sure a matter chosen by its keywords is: alone, or with another matter's words present.
KEYWORD_SURE, KEYWORD_CONTESTED = 0.75, 0.55


def _weigh_matter(model: Guess, text: str) -> Guess:
    """The center's matter keywords against the model. The matter whose keywords cover most
    of the text (the longest words first, each character counted once) is chosen, unless the
    model is ``MODEL_OVERRULES`` sure of another or the keywords of two matters tie; a model
    and keywords that agree make the matter surer. A matter switched off is never given."""
    if model.value is not None and model.value not in active_matters():
        model = Guess(None, 0.0)
    scores: dict[str, int] = {}
    for hit in keyword_list().find(text):
        code = hit.phrase.suggestion
        scores[code] = scores.get(code, 0) + len(hit.phrase.text)
    if not scores:
        return model
    top = max(scores.values())
    tied = sorted(code for code, score in scores.items() if score == top)
    sure = KEYWORD_SURE if len(scores) == 1 else KEYWORD_CONTESTED
    if model.value in tied:
        return Guess(model.value, round(max(model.confidence, sure), 3))
    if model.confidence >= MODEL_OVERRULES or len(tied) > 1:
        return model
    return Guess(tied[0], sure)


def keyword_list() -> PhraseList:
    """The active matters' keywords, matched as the forbidden phrases are (spaces, widths and
    punctuation between the characters do not hide a word); kept per process."""

    def load() -> PhraseList:
        rows = Matter.objects.filter(is_active=True).values_list("code", "keywords")
        return PhraseList(
            Phrase(text=word, suggestion=code) for code, words in rows for word in words.split()
        )

    return refcache.get(("triage_keywords",), load)


def active_matters() -> dict[str, str]:
    """The center's matters, code → name, in their order."""
    return refcache.get(
        ("triage_matters",),
        lambda: dict(Matter.objects.filter(is_active=True).values_list("code", "name")),
    )


# Who trains the model and reads its figures.
TRAINER_ROLES: set[str] = {Role.SUPERVISOR, Role.QUALITY, Role.ADMIN}


def list_models(actor: Actor) -> list[TrainedModel]:
    scope = scope_of(actor)
    if scope.nothing or scope.role not in TRAINER_ROLES:
        raise ServiceError(Code.FORBIDDEN, _("无权查看分类模型"))
    return list(TrainedModel.objects.defer("blob")[:20])


@transaction.atomic
def train(*, seed: int = 0, actor: Actor | None = None) -> TrainedModel:
    """Train on the starter corpus and the center's confirmed tickets; the new model answers
    from now on (every process, within a second). Its accuracy on the test split is kept."""
    started = time.monotonic()
    own = list(confirmed_examples())
    model = fit([*starter_examples(), *own], seed=seed)
    seconds = time.monotonic() - started
    figures = score(model, test_examples())
    return TrainedModel.objects.create(
        created_by=user_of(actor),
        seed=seed,
        counts=model.counts,
        tickets=len(own),
        accuracy={k: round(v, 4) for k, v in figures.items()},
        seconds=round(seconds, 2),
        fingerprint=model.fingerprint(),
        blob=model.dump(),
    )


# ------------------------------------------------------------------------------ intake


@dataclass(frozen=True)
class IntakeLabels:
    """What the agent set at intake besides the ticket's own fields ("" = left to triage),
    and what triage proposed for the request (worked out before the ticket is written)."""

    matter: str = ""
    sentiment: str = ""
    complaint_class: str = ""
    guesses: dict[str, Guess] | None = None
    model: TrainedModel | None = None


def clean_labels(matter: str, sentiment: str) -> tuple[str, str]:
    matter = (matter or "").strip()
    sentiment = (sentiment or "").strip()
    if matter and matter not in active_matters():
        raise ServiceError(Code.INVALID, _("诉求事项无效:%s") % matter[:30], field="matter")
    if sentiment and sentiment not in Sentiment.values:
        raise ServiceError(Code.INVALID, _("情绪无效"), field="sentiment")
    return matter, sentiment


def matter_of_category(category: str) -> str:
    """The active matter a complaint category names (the same code), or ""."""
    return category if category in active_matters() else ""


def clean_intake(
    *, text: str, channel: str, matter: str, sentiment: str, complaint_class: str
) -> IntakeLabels:
    matter, sentiment = clean_labels(matter, sentiment)
    row = current_model()[0]
    guesses = guess(text, channel) if (text or "").strip() else None
    return IntakeLabels(matter, sentiment, complaint_class or "", guesses, row)


def record_intake(ticket: Ticket, given: IntakeLabels, *, actor: Actor | None) -> TicketLabel:
    """Keep the ticket's triage: what was proposed and what the agent confirmed. The type and
    the urgency (its priority) are the agent's; the matter, sentiment and complaint class are
    theirs when given, else the guesses are kept unconfirmed."""
    guesses = given.guesses or {}
    matter = guesses.get("matter") or Guess(None, 0.0)
    known = matter.value in active_matters() and matter.confidence >= MATTER_FLOOR
    guessed_matter = matter.value if known else ""
    confirmed = ["type", "urgent"]
    confirmed += [
        name for name in ("matter", "sentiment", "complaint_class") if getattr(given, name)
    ]
    sentiment = guesses.get("sentiment")
    return TicketLabel.objects.create(
        ticket=ticket,
        matter=given.matter or guessed_matter,
        matter_sure=bool(given.matter)
        or (bool(guessed_matter) and matter.confidence >= MATTER_SURE),
        sentiment=given.sentiment or (sentiment.value if sentiment else "") or "",
        urgent=ticket.priority == Priority.URGENT,
        complaint_class=given.complaint_class,
        confirmed=confirmed if user_of(actor) is not None else [],
        predicted=as_json(guesses),
        model=given.model,
        confirmed_by=user_of(actor),
    )


def confirm(
    ticket: Ticket,
    *,
    actor: Actor,
    matter: str | None = None,
    sentiment: str | None = None,
    urgent: bool | None = None,
    complaint_class: str | None = None,
) -> TicketLabel:
    """The agent (or the complaint process) confirms or corrects a ticket's labels later."""
    label = TicketLabel.objects.select_for_update().filter(ticket=ticket).first()
    if label is None:
        label = TicketLabel.objects.create(ticket=ticket)
    matter, sentiment = clean_labels(matter or "", sentiment or "")
    sure = set(label.confirmed)
    if matter:
        label.matter, label.matter_sure = matter, True
        sure.add("matter")
    if sentiment:
        label.sentiment = sentiment
        sure.add("sentiment")
    if urgent is not None:
        label.urgent = urgent
        sure.add("urgent")
    if complaint_class:
        label.complaint_class = complaint_class
        sure.add("complaint_class")
    label.confirmed = sorted(sure)
    label.confirmed_by = user_of(actor)
    label.save()
    return label


@transaction.atomic
def confirm_ticket(serial: str, *, actor: Actor, matter: str, sentiment: str, urgent: bool | None):
    """An agent confirms or corrects a ticket's matter, sentiment or urgency after intake."""
    if not scope_of(actor).can_intake:
        raise ServiceError(Code.FORBIDDEN, _("无权修改分类"))
    ticket = access_ticket(actor, serial, for_update=True)
    if not (matter or sentiment or urgent is not None):
        raise ServiceError(Code.INVALID, _("请选择要确认的分类"), field="matter")
    return confirm(ticket, actor=actor, matter=matter, sentiment=sentiment, urgent=urgent)


def as_json(guesses: dict[str, Guess]) -> dict[str, dict]:
    return {k: {"value": g.value, "confidence": g.confidence} for k, g in guesses.items()}
