"""One uploaded file checked before it is stored: present, within KEFU_MAX_UPLOAD_MB."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from kefu.core.errors import Code, ServiceError


def checked_upload(
    upload: UploadedFile[bytes] | None, *, field: str = "file"
) -> tuple[UploadedFile[bytes], str, int]:
    """The file, its name to store (its last path part, at most 200 characters) and its size.
    Raises
    ServiceError INVALID when no file came, TOO_LARGE past the size limit."""
    if upload is None or not upload.name or upload.size is None:
        raise ServiceError(Code.INVALID, _("请选择文件"), field=field)
    if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
        raise ServiceError(
            Code.TOO_LARGE, _("附件不能超过 %d MB") % settings.MAX_UPLOAD_MB, field=field
        )
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    return upload, name, upload.size
