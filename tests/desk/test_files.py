"""A ticket's attachments are served only through the access-checked view, as downloads: an
uploaded page never comes back as a page on Kefu's own origin."""

from __future__ import annotations

import importlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import clear_url_caches, reverse

from kefu.tickets.services import add_attachment
from tests.tickets.factories import make_ticket

PAGE = b"<html><body><script>fetch('/api/v1/tickets').then(r => r.text())</script></body></html>"


@pytest.fixture
def uploaded_page(agent):
    ticket = make_ticket(agent, content="客户发来的网页")
    attachment = add_attachment(
        ticket.serial,
        actor=agent,
        upload=SimpleUploadedFile("说明.html", PAGE, content_type="text/html"),
    )
    return ticket, attachment


def test_an_uploaded_page_comes_back_as_a_download_never_as_a_page(agent, web_as, uploaded_page):
    ticket, attachment = uploaded_page
    client = web_as(agent)
    url = reverse("media", args=[attachment.file.name])
    page = client.get(f"/tickets/{ticket.serial}/").content.decode()
    assert f'href="{url}" download>说明.html</a>' in page

    served = client.get(url)

    assert served.status_code == 200
    assert b"".join(served.streaming_content) == PAGE
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"] == ("attachment; filename*=utf-8''%E8%AF%B4%E6%98%8E.html")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == (
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    )


def test_the_api_links_the_same_checked_download(agent, api_as, uploaded_page):
    ticket, attachment = uploaded_page
    got = api_as(agent).get(f"/tickets/{ticket.serial}").json()
    assert got["attachments"] == [
        {
            "id": attachment.id,
            "name": "说明.html",
            "size": len(PAGE),
            "url": reverse("media", args=[attachment.file.name]),
            "purged": False,
        }
    ]


def test_no_login_or_no_access_gets_no_file(agent, other_dept_handler, web_as, uploaded_page):
    _ticket, attachment = uploaded_page
    url = reverse("media", args=[attachment.file.name])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/?next=")
    # A department handler sees only their department's tickets: as if it did not exist.
    assert web_as(other_dept_handler).get(url).status_code == 404


def test_uploads_are_not_served_from_the_media_folder_even_in_debug(agent, settings, uploaded_page):
    _ticket, attachment = uploaded_page
    settings.DEBUG = True
    import kefu.urls

    try:
        importlib.reload(kefu.urls)
        clear_url_caches()
        got = Client().get(f"/media-debug/{attachment.file.name}")
        assert got.status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(kefu.urls)
        clear_url_caches()
