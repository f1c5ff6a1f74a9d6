"""Photos taken on site, and serving them (and the customer's signature) to those who may
see the order. A photo is read by its bytes, not by the type the phone claims, and stored
re-encoded (kefu.core.images), so it may be shown in the page."""

from __future__ import annotations

import base64
import binascii
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core import images
from kefu.core.errors import Code, ServiceError
from kefu.dispatch import access
from kefu.dispatch.models import FIELD_STATUSES, Photo, Status, TrackingRecord, WorkOrder
from kefu.dispatch.tracking import record_tracking

MAX_PHOTOS = 12
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
DATA_URL_PREFIX = "data:image/png;base64,"


CheckedPhoto = images.CheckedPhoto


def check_photos(order: WorkOrder, uploads: list) -> list[CheckedPhoto]:
    """The uploads, each decoded and re-encoded; INVALID / TOO_LARGE (field ``photos``) for
    any that is missing, too big, not an image, or one too many for the order. Nothing is
    written."""
    if order.photos.count() + len(uploads) > MAX_PHOTOS:
        raise ServiceError(Code.INVALID, _("每张派工单最多 %d 张照片") % MAX_PHOTOS, field="photos")
    return images.check_uploads(uploads)


def save_photo(order: WorkOrder, checked: CheckedPhoto, actor) -> Photo:
    """Store one photo check_photos returned as a photo of ``order``."""
    photo = Photo(
        order=order,
        name=checked.name,
        size=len(checked.picture.data),
        content_type=checked.picture.content_type,
        uploaded_by=actor,
    )
    photo.file.save(checked.name, ContentFile(checked.picture.data), save=False)
    photo.save()
    return photo


def signature_file(png: bytes) -> ContentFile:
    """A signature's PNG re-encoded, to store; INVALID (field ``signature``) for anything
    that is not a PNG of at most 2 MB."""
    if len(png) > SIGNATURE_MAX_BYTES:
        raise ServiceError(Code.INVALID, _("签名图片无效"), field="signature")
    try:
        picture = images.reencode(io.BytesIO(png), only="image/png")
    except images.NotAnImage:
        raise ServiceError(Code.INVALID, _("签名图片无效"), field="signature")
    return ContentFile(picture.data)


@transaction.atomic
def add_photo(serial: str, *, actor, upload) -> Photo:
    """A photo taken on site, by the order's field staff (or its department) while it is out
    or just completed. Locks the order row."""
    order = access.access_order(actor, serial, for_update=True)
    allowed = (*FIELD_STATUSES, Status.COMPLETED)
    if not access.may_take(order, actor, "arrive") or order.status not in allowed:
        raise ServiceError(Code.FORBIDDEN, _("无权上传照片"), field="photos")
    (checked,) = check_photos(order, [upload])
    photo = save_photo(order, checked, actor)
    record_tracking(
        order,
        actor=actor,
        kind=TrackingRecord.Kind.PHOTO,
        data={"photo_id": photo.id, "name": photo.name},
    )
    return photo


def open_photo(actor, path: str) -> Photo | WorkOrder:
    """The photo (or the order whose signature) stored at ``path`` if ``actor`` may see the
    order, else NOT_FOUND."""
    photo = Photo.objects.filter(file=path).select_related("order").first()
    order_id = photo.order_id if photo else None
    order = None
    if photo is None:
        order = WorkOrder.objects.filter(signature=path).first()
        order_id = order.pk if order else None
    found = photo or order
    if (
        found is None
        or order_id is None
        or not access.visible_orders(actor).filter(pk=order_id).exists()
    ):
        raise ServiceError(Code.NOT_FOUND, _("文件不存在或无权查看"))
    return found


def order_photo(actor, photo_id: int) -> Photo:
    """A photo by its id, if ``actor`` may see its order and the retention job has not
    destroyed its file; else NOT_FOUND (the same for a photo that does not exist)."""
    photo = (
        Photo.objects.filter(
            pk=photo_id, purged_at__isnull=True, order__in=access.visible_orders(actor)
        ).first()
        if 0 < photo_id < 2**62
        else None
    )
    if photo is None:
        raise ServiceError(Code.NOT_FOUND, _("文件不存在或无权查看"))
    return photo


def order_signature(actor, serial: str) -> WorkOrder:
    """The order whose customer signed on site, if ``actor`` may see it; else NOT_FOUND."""
    order = access.access_order(actor, serial)
    if not order.signature:
        raise ServiceError(Code.NOT_FOUND, _("该派工单没有客户签名"))
    return order


def signature_png(value: str, *, field: str = "signature") -> bytes | None:
    """The PNG of a signature sent as a ``data:image/png;base64,`` URL (the phone page's pad)
    or as bare base64 (the API); None when nothing was drawn. INVALID naming ``field`` for
    anything that is not a PNG of at most 2 MB."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith(DATA_URL_PREFIX):
        value = value[len(DATA_URL_PREFIX) :]
    refused = ServiceError(Code.INVALID, _("签名图片无效"), field=field)
    if len(value) > SIGNATURE_MAX_BYTES * 4 // 3 + 4:
        raise refused
    try:
        png = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise refused from None
    if not png.startswith(b"\x89PNG"):
        raise refused
    return png
