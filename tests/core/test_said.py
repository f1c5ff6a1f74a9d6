"""System words on a timeline (kefu.core.said) are kept as the message and its values: stored
in the center's language, shown in each reader's; a shipped time limit's name too."""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from kefu.core.said import note_text, said, written
from kefu.dispatch.models import Status as OrderStatus
from kefu.knowledge import services as knowledge
from kefu.sla.models import Severity
from kefu.tickets.models import TicketEvent
from tests.tickets.factories import make_ticket


def test_words_are_stored_in_the_center_language_and_read_in_the_readers():
    with translation.override("en"):  # whoever's request wrote it
        note, data = written(
            said(
                gettext_noop("派工单 %(serial)s:%(status)s"),
                serial="P261205001",
                status=OrderStatus.CANCELLED.label,
                tail="(客户取消)",
            ),
            {"work_order": "P261205001"},
        )
    assert note == "派工单 P261205001:已撤销(客户取消)"
    assert data["work_order"] == "P261205001" and data["said"]["labels"] == {"status": "已撤销"}
    with translation.override("en"):
        assert note_text(note, data) == "Work order P261205001: Cancelled(客户取消)"
    with translation.override("zh-hans"):
        assert note_text(note, data) == note
    # A person's words, and rows written before, are shown as written.
    assert written("客户说下午在家", {}) == ("客户说下午在家", {})
    assert note_text("旧记录", {"said": "not a message"}) == "旧记录"


def test_an_english_reader_sees_the_questions_note_and_time_limit_in_english(agent, web_as):
    ticket = make_ticket(agent, type="inquiry", content="水费发票怎么开")
    knowledge.ask_question(
        ticket.serial,
        actor=agent,
        text="发票能否邮寄",
        promised_at=timezone.now() + dt.timedelta(hours=4),
    )
    event = TicketEvent.objects.get(ticket=ticket, action="question")
    assert event.note.startswith("待答疑问:发票能否邮寄")  # stored in the center's language
    client = web_as(agent)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/tickets/{ticket.serial}/").content.decode()
    assert "Open question: 发票能否邮寄" in page
    assert "Answer the customer&#x27;s question" in page
    assert "待答疑问" not in page and "答复客户疑问" not in page


def test_a_list_of_labels_is_kept_as_messages_and_joined_in_the_readers_language():
    from kefu.complaints.models import Reason

    with translation.override("en"):  # whoever's request wrote it
        note, data = written(
            said(
                gettext_noop("严重程度:%(severity)s(%(reasons)s)"),
                severity=Severity.MAJOR.label,
                reasons=[Reason.LOSS_INJURY.label, Reason.MEDIA.label],
            ),
            {},
        )
    assert note == "严重程度:重大(造成经济损失或人身伤害、媒体曝光)"
    with translation.override("en"):
        english = note_text(note, data)
        words = f"{Reason.LOSS_INJURY.label}, {Reason.MEDIA.label}"
    assert english == f"Severity: Major ({words})"
    assert not any("\u4e00" <= c <= "\u9fff" for c in english)
    empty, _data = written(
        said(
            gettext_noop("严重程度:%(severity)s(%(reasons)s)"),
            severity=Severity.MAJOR.label,
            reasons=[],
        ),
        {},
    )
    assert empty == "严重程度:重大(—)"
