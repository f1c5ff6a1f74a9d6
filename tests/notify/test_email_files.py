"""An e-mail's files (Delivery.files): read from the storage when sent, named as given (a
Chinese name in RFC 2231), the same on every attempt; one mail carries at most 20 MB."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from kefu.core.errors import ServiceError
from kefu.notify import services
from kefu.notify.models import Delivery

pytestmark = pytest.mark.django_db

DATA = b"\x00\x01 report " * 50


def test_an_email_carries_its_files_from_the_storage(
    settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_HOST, settings.NOTIFY_EMAIL_PORT = smtp_server.host, smtp_server.port
    path = default_storage.save("test-notify/report.bin", ContentFile(DATA))
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.send_email(
            "zhang.wei@example.com",
            event="ticket.reply",
            context={"reply": "见附件"},
            key="files-1",
            files=[services.MailFile(path, "十一月报表.xlsx", "", len(DATA))],
        )
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert delivery.files == [
        {"path": path, "name": "十一月报表.xlsx", "content_type": "", "size": len(DATA)}
    ]
    (mail,) = smtp_server.messages()
    (part,) = mail.iter_attachments()
    # No type given: guessed from the name.
    assert part.get_filename() == "十一月报表.xlsx"
    assert part.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert part.get_content() == DATA


def test_files_past_one_mails_limit_are_refused_and_nothing_is_queued():
    limit = services.MAX_EMAIL_FILES_BYTES
    assert limit == 20 * 1024 * 1024
    files = [
        services.MailFile("a", "a.pdf", "application/pdf", limit - 10),
        services.MailFile("b", "b.pdf", "application/pdf", 11),
    ]
    with pytest.raises(ServiceError) as refused:
        services.send_email(
            "zhang.wei@example.com",
            event="ticket.reply",
            context={"reply": "见附件"},
            key="files-2",
            files=files,
        )
    assert (refused.value.code, refused.value.field) == ("too_large", "attachments")
    assert refused.value.detail == "邮件附件合计不能超过 20 MB(现为 20.1 MB)"
    assert not Delivery.objects.exists()
    services.check_email_files(files[:1])  # just under: allowed
