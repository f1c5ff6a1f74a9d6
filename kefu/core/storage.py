"""Where uploaded files (attachments, photos, signatures) are stored: the media folder.

Django's file system storage, with one promise more: a full disk (or a spent quota) is a
clear, localized error to the person uploading (ServiceError NO_SPACE, HTTP 507), never a
server error, and leaves neither a half-written file nor a row behind (every caller saves the
file before its row, inside the row's transaction: the error undoes both).
"""

from __future__ import annotations

import errno
import logging
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

from kefu.core.errors import Code, ServiceError

logger = logging.getLogger(__name__)

FULL = {errno.ENOSPC, errno.EDQUOT}


class MediaStorage(FileSystemStorage):
    def _save(self, name: str, content: Any) -> str:
        try:
            saved: str = super()._save(name, content)  # type: ignore[misc]
            return saved
        except OSError as exc:
            if exc.errno not in FULL:
                raise
            logger.error("attachment storage full, %s not stored: %s", name, exc)
            # What was written of it before the disk filled: the file at ``name`` is this one
            # (the name was free a moment ago) unless another upload of the same name raced it
            # there, and then that file is whole, not shorter than this one.
            try:
                if self.exists(name) and self.size(name) < (content.size or 0):
                    self.delete(name)
            except OSError:
                logger.exception("could not remove the partial file %s", name)
            raise ServiceError(
                Code.NO_SPACE, _("附件存储空间已满,文件未保存;请联系系统管理员"), field="file"
            ) from exc
