"""Serving a stored file to someone the caller has already checked may see it.

Files come from customers, staff, mail and integrators, so none is trusted: each is served as a
download (``Content-Disposition: attachment``), under a type that no browser runs — an HTML,
SVG or script file is ``application/octet-stream`` — with ``nosniff`` and a policy that lets it
run nothing even if opened. Only an image Kefu decoded and re-encoded itself
(``kefu.core.images``) is shown in the page, under its real image type.
"""

from __future__ import annotations

import mimetypes

from django.core.files import File
from django.http import FileResponse

# Types a browser shows or hands to another program but never runs as a page, a script or a
# style sheet; any other type is served as application/octet-stream.
DOWNLOAD_TYPES = (
    "application/pdf",
    "application/zip",
    "application/msword",
    "application/vnd.",  # Office documents (xlsx, docx, pptx, ...), WPS
    "application/x-rar",
    "application/x-7z",
    "audio/",
    "video/",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/heic",
    "image/tiff",
    "message/rfc822",
    "text/plain",
    "text/csv",
)
# Raster images a browser draws and nothing more: the types an inline image may have.
INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# A file opened on its own (a photo in a new tab) may run, load and submit nothing.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def download_type(name: str) -> str:
    """The type a file called ``name`` is served under: the usual one for its extension when
    that is a type browsers do not run (DOWNLOAD_TYPES), else application/octet-stream."""
    guessed, _encoding = mimetypes.guess_type(name, strict=False)
    if guessed and guessed.startswith(DOWNLOAD_TYPES):
        return guessed
    return "application/octet-stream"


def _guarded(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response


def attachment_response(file: File[bytes], name: str) -> FileResponse:
    """``file`` as a download called ``name`` (see the module's docstring)."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=name, content_type=download_type(name)
    )
    return _guarded(response)


def image_response(file: File[bytes], name: str, content_type: str) -> FileResponse:
    """An image shown in the page (``inline``) when ``content_type`` is one of the raster types
    Kefu re-encodes (INLINE_IMAGE_TYPES: the type was read from the file's bytes, not taken
    from the uploader); any other file as a download."""
    if content_type not in INLINE_IMAGE_TYPES:
        return attachment_response(file, name)
    response = FileResponse(file.open("rb"), filename=name, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return _guarded(response)
