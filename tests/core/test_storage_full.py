"""A full attachment disk is a clear error to the uploader, and leaves nothing behind.

The media folder is put on a real 1 MB tmpfs (mounting needs root, as on the CI machines),
half filled, and then a file bigger than what is left is uploaded through the API and the
ticket page: 507 with the error shape (and the message on the page), no attachment row, no
timeline row, no partial file. Once space is freed the same upload goes through.
"""

from __future__ import annotations

import os
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.tickets.models import Attachment, TicketEvent
from tests.tickets.factories import make_ticket

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


@pytest.fixture
def small_disk(tmp_path, settings):
    media = tmp_path / "media"
    media.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(media)], check=True)
    try:
        settings.MEDIA_ROOT = str(media)
        (media / "filler.bin").write_bytes(b"\0" * 700 * 1024)
        yield media
    finally:
        subprocess.run(["umount", str(media)], check=True)


def _files(media) -> set[str]:
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


def test_an_upload_to_a_full_disk_is_refused_whole(small_disk, agent, api_as, web_as):
    ticket = make_ticket(agent)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    big = b"x" * 500 * 1024

    api = api_as(agent)
    response = api.client.post(
        f"/api/v1/tickets/{ticket.serial}/attachments",
        {"file": SimpleUploadedFile("现场照片.jpg", big, content_type="image/jpeg")},
        **api.auth,
    )

    assert response.status_code == 507
    body = response.json()
    assert body["code"] == "no_space" and "存储空间已满" in body["detail"]
    assert not Attachment.objects.exists()
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert _files(small_disk) == {"filler.bin"}

    page = web_as(agent).post(
        f"/tickets/{ticket.serial}/attach",
        {"file": SimpleUploadedFile("现场照片.jpg", big, content_type="image/jpeg")},
    )
    assert page.status_code == 422 and "存储空间已满" in page.content.decode()
    assert not Attachment.objects.exists()

    (small_disk / "filler.bin").unlink()
    response = api.client.post(
        f"/api/v1/tickets/{ticket.serial}/attachments",
        {"file": SimpleUploadedFile("现场照片.jpg", big, content_type="image/jpeg")},
        **api.auth,
    )
    assert response.status_code == 201
    assert Attachment.objects.get().size == len(big)
