"""Photos and signatures decoded and written again before they are stored.

What a phone or an integrator uploads is read by its bytes, decoded with Pillow and encoded
anew in the same format: what is stored is then a picture and nothing else — no HTML or script
behind an image header, no metadata but the colour profile (the GPS position and the phone's name
are dropped; the photo is turned upright first) — and may be shown in the page under its image type
(kefu.core.downloads.image_response). HEIC, which Pillow cannot read, is kept as uploaded and
only ever served as a download.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from kefu.core.errors import Code, ServiceError

# The first bytes of the image formats phones take pictures in.
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# Pillow's format for each type it re-encodes, and what it is saved with.
FORMATS: dict[str, tuple[str, dict[str, Any]]] = {
    "image/jpeg": ("JPEG", {"quality": 90}),  # optimize=True: 5 % smaller, 60 % slower
    "image/png": ("PNG", {"optimize": True}),
    "image/gif": ("GIF", {}),
    "image/webp": ("WEBP", {"quality": 90}),
}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# A picture past this many pixels is refused rather than decoded (200 megapixels: four times
# what a phone takes; a decompression bomb is far beyond).
MAX_PIXELS = 200_000_000


class NotAnImage(ValueError):
    """The bytes are not an image of a known format, or could not be decoded."""


@dataclass(frozen=True)
class Picture:
    """An image ready to store: its bytes and their type (read from the bytes)."""

    data: bytes
    content_type: str


def image_type(head: bytes) -> str:
    """The image type whose signature ``head`` (a file's first 16 bytes) starts with, or ""."""
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "image/heic"
    return ""


def reencode(source: IO[bytes], *, only: str = "") -> Picture:
    """The image in ``source`` (read from its start) decoded and encoded anew in its own
    format, upright and without metadata; HEIC as it came. ``only`` (an image type) refuses
    any other format. Raises NotAnImage."""
    source.seek(0)
    raw = source.read()
    source.seek(0)
    content_type = image_type(raw[:16])
    if not content_type or (only and content_type != only):
        raise NotAnImage(content_type or "unknown")
    if content_type not in FORMATS:
        return Picture(raw, content_type)  # HEIC: served only as a download
    pillow_format, options = FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw), formats=[pillow_format]) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise NotAnImage("too many pixels")
                opened.load()
                picture = ImageOps.exif_transpose(opened) or opened
                if pillow_format == "JPEG" and picture.mode not in ("RGB", "L"):
                    picture = picture.convert("RGB")
                # The colour profile stays (an iPhone's photo is in Display P3); nothing else.
                icc = opened.info.get("icc_profile")
                extra = {"icc_profile": icc} if icc and pillow_format != "GIF" else {}
                out = io.BytesIO()
                picture.save(out, format=pillow_format, **options, **extra)
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,  # Pillow's PNG reader raises it for a broken chunk
    ) as exc:
        raise NotAnImage(str(exc)) from None
    return Picture(out.getvalue(), content_type)


@dataclass(frozen=True)
class CheckedPhoto:
    """An uploaded photo that passed check_uploads, re-encoded, ready to save under ``name``."""

    name: str
    picture: Picture


def check_uploads(uploads: list[Any], *, field: str = "photos") -> list[CheckedPhoto]:
    """Each upload read by its bytes and re-encoded (reencode); ServiceError naming ``field``
    for one missing (INVALID), over KEFU_MAX_UPLOAD_MB (TOO_LARGE) or not an image (INVALID).
    Nothing is written."""
    limit = settings.MAX_UPLOAD_MB * 1024 * 1024
    checked = []
    for upload in uploads:
        if upload is None or not getattr(upload, "name", ""):
            raise ServiceError(Code.INVALID, _("请选择照片"), field=field)
        if upload.size > limit:
            raise ServiceError(
                Code.TOO_LARGE, _("照片不能超过 %d MB") % settings.MAX_UPLOAD_MB, field=field
            )
        try:
            picture = reencode(upload)
        except NotAnImage:
            raise ServiceError(Code.INVALID, _("只能上传照片(JPEG、PNG 等)"), field=field)
        name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][:200] or "photo"
        checked.append(CheckedPhoto(name, picture))
    return checked
