"""Forbidden phrases (服务禁语) in what an agent sends a customer.

Every path by which an agent's words reach a customer — a reply by SMS or e-mail, a notice's
text, the explanation of a complaint, the read-back — calls ``check_outbound`` with the text.
The center's list (``ForbiddenPhrase``, edited in the admin) is matched by
``kefu.core.phrases``, which spaces, full-width letters and punctuation put between the
characters do not fool. The center's rule (``WordingSettings``) either blocks the text — a
ServiceError naming each phrase and what to say instead, nothing sent — or lets it go with a
warning. Either way each phrase is counted for the agent (``PhraseUse``), for the quality
reports. A path that quotes the customer (the read-back) only warns.

Call it before the operation's transaction: a blocked attempt is then counted although the
operation itself writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kefu.core import refcache
from kefu.core.actor import Actor, user_of
from kefu.core.errors import Code, ServiceError
from kefu.core.models import ForbiddenPhrase, PhraseUse, WordingPolicy, WordingSettings
from kefu.core.phrases import Hit, Phrase, PhraseList


def phrase_list() -> PhraseList:
    """The center's active forbidden phrases, kept per process (kefu.core.refcache)."""

    def load() -> PhraseList:
        rows = ForbiddenPhrase.objects.filter(is_active=True).order_by("id")
        return PhraseList(
            Phrase(text=r.phrase, suggestion=r.suggestion, allowed=tuple(r.allowed.split()))
            for r in rows
        )

    return refcache.get(("forbidden_phrases",), load)


def policy() -> str:
    """``block`` or ``warn``: the center's rule (block when never set)."""
    row = refcache.get(
        ("wording_settings",), lambda: WordingSettings.objects.order_by("id").first()
    )
    return row.policy if row is not None else WordingPolicy.BLOCK


def find(text: str) -> list[Hit]:
    return phrase_list().find(text or "")


@dataclass(frozen=True)
class Finding:
    """What the check found in a text that may go: the phrases to warn of (none: clean)."""

    hits: list[Hit]

    @property
    def warnings(self) -> list[dict[str, str]]:
        return [{"phrase": h.phrase.text, "suggestion": h.phrase.suggestion} for h in self.hits]


def describe(hits: list[Hit]) -> str:
    """ "含服务禁语“我不知道”(建议:…)" for each phrase, for the agent."""
    parts = []
    for hit in hits:
        if hit.phrase.suggestion:
            parts.append(
                _("“%(p)s”(建议:%(s)s)") % {"p": hit.phrase.text, "s": hit.phrase.suggestion}
            )
        else:
            parts.append(_("“%(p)s”") % {"p": hit.phrase.text})
    return _("含服务禁语:") + ";".join(dict.fromkeys(parts))


def check_outbound(
    text: str,
    *,
    actor: Actor | None,
    path: str,
    field: str,
    ticket_serial: str = "",
    quoting: bool = False,
) -> Finding:
    """Check a text an agent is sending a customer. Under the center's ``block`` rule a text
    with a forbidden phrase is refused (ServiceError on ``field``); under ``warn`` — and
    always where the text ``quoting`` the customer's own words, the read-back — it may go,
    and the finding says what to warn of. Every phrase found is counted for the agent."""
    hits = find(text)
    if not hits:
        return Finding([])
    blocked = policy() == WordingPolicy.BLOCK and not quoting
    user = user_of(actor)
    PhraseUse.objects.bulk_create(
        PhraseUse(
            user=user,
            path=path,
            phrase=phrase,
            blocked=blocked,
            ticket_serial=ticket_serial[:16],
        )
        for phrase in dict.fromkeys(h.phrase.text for h in hits)
    )
    if blocked:
        raise ServiceError(Code.INVALID, describe(hits), field=field)
    return Finding(hits)
