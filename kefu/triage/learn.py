"""The triage model: from a request's text and channel, a guess with a confidence for each of
its labels (type, urgent, sentiment, complaint class, department, matter).

Short Chinese requests are read two ways at once: their character n-grams (1–3 characters,
which catch wordings jieba cuts differently and words it does not know) and their jieba words
and word pairs, plus the channel as one more word. One TF-IDF space serves every label; each
label is a logistic regression over it, fitted by stochastic gradient descent (its
probabilities are the confidences; SGD trains a center's 100k tickets in a minute where the
exact solvers take many). A label learns
only from the examples that carry it: the starter corpus carries no department, a center's
confirmed tickets do.

Everything here is plain data in, plain data out; where the examples come from and where the
model is kept is ``kefu.triage.services``.
"""

from __future__ import annotations

import hashlib
import pickle
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jieba
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import FeatureUnion

jieba.setLogLevel(60)

LABELS = ("type", "urgent", "sentiment", "complaint_class", "department", "matter")
COMPLAINT = "complaint"
# Urgency is asked for with recall first: a missed 爆管 costs far more than a second look at a
# request that is not urgent. A request is proposed as urgent from this probability on.
URGENT_FROM = 0.35
# Below this confidence no department is proposed (the routing table decides instead).
DEPARTMENT_FROM = 0.5
# A label seen on fewer examples than this, or with a single value, is not learnt.
MIN_EXAMPLES = 10
# Each reading keeps at most this many features: a center's 100k tickets hold millions of
# character n-grams, most seen once; the rarest add size, not accuracy.
MAX_FEATURES = 120_000
_SEP = "\x1f"


@dataclass(frozen=True)
class Example:
    """One request with what is known of it; None where a label is unknown."""

    text: str
    channel: str = ""
    type: str | None = None
    urgent: bool | None = None
    sentiment: str | None = None
    complaint_class: str | None = None
    department: str | None = None
    matter: str | None = None

    def label(self, name: str) -> str | None:
        value = getattr(self, name)
        if value is None or value == "":
            return None
        return str(bool(value)).lower() if name == "urgent" else str(value)


@dataclass(frozen=True)
class Guess:
    value: Any
    confidence: float


def _document(text: str, channel: str) -> str:
    return f"{channel}{_SEP}{text}"


def _chars(document: str) -> str:
    return document.split(_SEP, 1)[1].lower()


def _words(document: str) -> list[str]:
    channel, text = document.split(_SEP, 1)
    words = [w for w in jieba.lcut(text.lower()) if w.strip()]
    return [*words, f"channel:{channel}"] if channel else words


def _vectorizer(min_df: int) -> FeatureUnion:
    # Module-level analyzers, so the model pickles.
    return FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb",
                    preprocessor=_chars,
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    min_df=min_df,
                    max_features=MAX_FEATURES,
                    dtype=np.float32,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    tokenizer=_words,
                    token_pattern=None,
                    lowercase=False,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    min_df=min_df,
                    max_features=MAX_FEATURES,
                    dtype=np.float32,
                ),
            ),
        ]
    )


@dataclass
class Triager:
    """A trained model: ``predict`` one request, ``predict_many`` a batch."""

    vectorizer: FeatureUnion
    heads: dict[str, SGDClassifier]
    counts: dict[str, int] = field(default_factory=dict)

    def predict(self, text: str, channel: str = "") -> dict[str, Guess]:
        return self.predict_many([(text, channel)])[0]

    def predict_many(self, requests: Sequence[tuple[str, str]]) -> list[dict[str, Guess]]:
        matrix = self.vectorizer.transform([_document(t, c) for t, c in requests])
        columns: dict[str, tuple[list[str], np.ndarray]] = {
            name: ([str(c) for c in head.classes_], head.predict_proba(matrix))
            for name, head in self.heads.items()
        }
        return [self._guesses(columns, row) for row in range(len(requests))]

    def _guesses(self, columns: dict[str, tuple[list[str], np.ndarray]], row: int):
        found: dict[str, Guess] = {}
        for name in LABELS:
            if name not in columns:
                found[name] = Guess(None, 0.0)
                continue
            classes, proba = columns[name]
            best = int(np.argmax(proba[row]))
            found[name] = Guess(classes[best], round(float(proba[row][best]), 3))
        if "urgent" in columns:
            classes, proba = columns["urgent"]
            p = float(proba[row][classes.index("true")]) if "true" in classes else 0.0
            urgent = p >= URGENT_FROM
            found["urgent"] = Guess(urgent, round(p if urgent else 1 - p, 3))
        if found["type"].value != COMPLAINT:
            found["complaint_class"] = Guess(None, 0.0)
        if found["department"].confidence < DEPARTMENT_FROM:
            found["department"] = Guess(None, found["department"].confidence)
        return found

    def dump(self) -> bytes:
        return zlib.compress(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL), 6)

    @staticmethod
    def load(blob: bytes) -> Triager:
        model = pickle.loads(zlib.decompress(blob))  # noqa: S301 - our own model, from our table
        if not isinstance(model, Triager):
            raise TypeError("not a triage model")
        return model

    def fingerprint(self) -> str:
        """Equal for two models that give the same answers (a reproducible training)."""
        digest = hashlib.sha256()
        for name in sorted(self.heads):
            head = self.heads[name]
            digest.update(name.encode())
            digest.update(np.round(head.coef_, 6).tobytes())
            digest.update(np.round(head.intercept_, 6).tobytes())
        return digest.hexdigest()


def fit(examples: Iterable[Example], *, seed: int = 0) -> Triager:
    """Train on ``examples`` (their order does not matter: they are sorted first, so the same
    examples and seed give the same model)."""
    rows = sorted(set(examples), key=lambda e: (e.text, e.channel, repr(e)))
    if not rows:
        raise ValueError("no examples to learn from")
    vectorizer = _vectorizer(min_df=1 if len(rows) < 20_000 else 2)
    matrix = vectorizer.fit_transform([_document(e.text, e.channel) for e in rows])
    heads: dict[str, SGDClassifier] = {}
    counts: dict[str, int] = {}
    for name in LABELS:
        index = [i for i, e in enumerate(rows) if e.label(name) is not None]
        labels = [rows[i].label(name) for i in index]
        counts[name] = len(index)
        if len(index) < MIN_EXAMPLES or len(set(labels)) < 2:
            continue
        head = SGDClassifier(
            loss="log_loss",
            alpha=1e-5,
            class_weight="balanced",
            max_iter=50,
            tol=1e-4,
            random_state=seed,
        )
        head.fit(matrix[index], labels)
        # Stored so that its transpose, which each prediction multiplies by, needs no copy.
        head.coef_ = np.asfortranarray(head.coef_, dtype=np.float32)
        heads[name] = head
    return Triager(vectorizer=vectorizer, heads=heads, counts=counts)


def score(model: Triager, examples: Sequence[Example]) -> dict[str, float]:
    """Accuracy of each label on ``examples`` (and the urgent recall and precision), as
    fractions; a label none of the examples carry is left out. Each label counts what the API
    answers: a complaint whose type was missed has no complaint class, and counts as wrong."""
    guesses = model.predict_many([(e.text, e.channel) for e in examples])
    result: dict[str, float] = {}
    for name in LABELS:
        pairs = [(g[name].value, e.label(name)) for e, g in zip(examples, guesses, strict=True)]
        pairs = [(p, t) for p, t in pairs if t is not None]
        if not pairs:
            continue
        if name == "urgent":
            said = [bool(p) for p, _ in pairs]
            true = [t == "true" for _, t in pairs]
            hits = sum(s and t for s, t in zip(said, true, strict=True))
            result["urgent_recall"] = hits / max(1, sum(true))
            result["urgent_precision"] = hits / max(1, sum(said))
            pairs = [(str(s).lower(), t) for s, (_, t) in zip(said, pairs, strict=True)]
        result[name] = sum(str(p) == t for p, t in pairs) / len(pairs)
    return result
