"""Photos and signatures are decoded and encoded anew before they are stored, so what Kefu
shows in its pages is a picture and nothing else; files are served under types browsers do
not run."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from kefu.core import images
from kefu.core.downloads import download_type

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def jpeg(width: int = 40, height: int = 20, **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG", **save)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels and has none."""
    data = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    ihdr = b"IHDR" + data
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(data))
        + ihdr
        + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    )


def test_a_picture_with_a_page_behind_it_is_stored_as_the_picture_only():
    polyglot = jpeg() + b"<html><script>alert(document.cookie)</script></html>"

    picture = images.reencode(io.BytesIO(polyglot))

    assert picture.content_type == "image/jpeg"
    assert b"<script" not in picture.data
    with Image.open(io.BytesIO(picture.data)) as stored:
        assert (stored.format, stored.size) == ("JPEG", (40, 20))


def test_a_photo_is_turned_upright_and_loses_its_position():
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # taken with the phone on its side
    exif.get_ifd(GPS_IFD)[2] = (22.0, 32.0, 0.0)  # latitude
    photo = jpeg(40, 20, exif=exif.tobytes())
    with Image.open(io.BytesIO(photo)) as taken:
        assert taken.getexif()[ORIENTATION] == 6

    picture = images.reencode(io.BytesIO(photo))

    with Image.open(io.BytesIO(picture.data)) as stored:
        assert stored.size == (20, 40)
        assert dict(stored.getexif()) == {}


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
        b"\xff\xd8\xff<html></html>",
        b"GIF89a<svg onload=alert(1)>",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"",
        png_header(20_000, 20_000),  # 400 megapixels: refused before it is decoded
    ],
)
def test_what_does_not_decode_as_a_picture_is_refused(data):
    with pytest.raises(images.NotAnImage):
        images.reencode(io.BytesIO(data))


def test_a_signature_must_be_a_png():
    with pytest.raises(images.NotAnImage):
        images.reencode(io.BytesIO(jpeg()), only="image/png")


def test_heic_which_pillow_cannot_read_is_kept_as_it_came():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    assert images.reencode(io.BytesIO(heic)) == images.Picture(heic, "image/heic")


@pytest.mark.parametrize(
    ("name", "served_as"),
    [
        ("说明.html", "application/octet-stream"),
        ("x.htm", "application/octet-stream"),
        ("x.xhtml", "application/octet-stream"),
        ("logo.svg", "application/octet-stream"),
        ("x.js", "application/octet-stream"),
        ("x.mjs", "application/octet-stream"),
        ("x.css", "application/octet-stream"),
        ("x.xml", "application/octet-stream"),
        ("x.xsl", "application/octet-stream"),
        ("noextension", "application/octet-stream"),
        ("维修方案.pdf", "application/pdf"),
        ("用户.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("现场.jpg", "image/jpeg"),
        ("x.png", "image/png"),
        ("记录.txt", "text/plain"),
        ("原始邮件.eml", "message/rfc822"),
    ],
)
def test_a_download_never_has_a_type_browsers_run(name, served_as):
    assert download_type(name) == served_as
