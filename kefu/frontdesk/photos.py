"""Photos of found items and the claimants' signatures: checked and re-encoded before they
are stored (kefu.core.images), served only to those who may see the item."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from kefu.core import images
from kefu.core.actor import Actor
from kefu.core.errors import Code, ServiceError
from kefu.frontdesk import access
from kefu.frontdesk.models import ClaimAttempt, FoundItem, FoundPhoto

MAX_PHOTOS = 6


CheckedPhoto = images.CheckedPhoto


def check_photos(uploads: list[Any], *, already: int = 0) -> list[CheckedPhoto]:
    """Each upload decoded and re-encoded (kefu.core.images); INVALID / TOO_LARGE naming
    ``photos`` otherwise. Nothing is written."""
    if already + len(uploads) > MAX_PHOTOS:
        raise ServiceError(Code.INVALID, _("每件物品最多 %d 张照片") % MAX_PHOTOS, field="photos")
    return images.check_uploads(uploads)


def save_photo(item: FoundItem, checked: CheckedPhoto, actor: Any) -> FoundPhoto:
    photo = FoundPhoto(
        item=item,
        name=checked.name,
        size=len(checked.picture.data),
        content_type=checked.picture.content_type,
        uploaded_by=actor,
    )
    photo.file.save(checked.name, ContentFile(checked.picture.data), save=False)
    photo.save()
    return photo


def open_photo(actor: Actor | None, photo_id: int) -> FoundPhoto:
    """The photo if ``actor`` may see its item; NOT_FOUND otherwise."""
    access.require_read(actor)
    photo = (
        FoundPhoto.objects.filter(pk=photo_id, item__in=access.visible_items(actor)).first()
        if 0 < photo_id < 2**62
        else None
    )
    if photo is None:
        raise ServiceError(Code.NOT_FOUND, _("文件不存在或无权查看"))
    return photo


def open_signature(actor: Actor | None, claim_id: int) -> ClaimAttempt:
    access.require_read(actor)
    claim = (
        ClaimAttempt.objects.filter(pk=claim_id, item__in=access.visible_items(actor))
        .exclude(signature="")
        .first()
        if 0 < claim_id < 2**62
        else None
    )
    if claim is None:
        raise ServiceError(Code.NOT_FOUND, _("文件不存在或无权查看"))
    return claim
