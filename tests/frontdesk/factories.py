"""Found items, loss reports and claims for the lost-and-found tests."""

from __future__ import annotations

import base64
import datetime as dt
import io

from django.utils import timezone
from PIL import Image

from kefu.frontdesk import services


def png_bytes(size=(40, 20), colour=(20, 20, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def signature_url() -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes()).decode()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def found_item(actor, **over):
    fields = dict(
        source="visitor",
        category="wallet",
        description="黑色皮质钱包,内有银行卡和一张地铁卡",
        found_place="游客中心东门长椅",
        found_at=timezone.now() - dt.timedelta(hours=1),
        finder_name="陈先生",
        finder_phone="13900001111",
    )
    fields.update(over)
    photos = fields.pop("photos", ())
    return services.register_found_item(actor, services.FoundItemIn(**fields), photos=photos)


def loss_report(actor, **over):
    fields = dict(
        channel="phone",
        owner_name="张三丰",
        owner_phone="13812345678",
        category="wallet",
        description="丢了一个黑色钱包,皮的,里面有银行卡",
        lost_place="游客中心东门",
        lost_at=timezone.now() - dt.timedelta(hours=3),
    )
    fields.update(over)
    return services.create_loss_report(actor, services.LossReportIn(**fields))


def claim(**over) -> services.ClaimIn:
    fields = dict(
        claimant_name="张三丰",
        claimant_phone="13812345678",
        description="黑色皮钱包,有银行卡",
        description_matched=True,
        id_type="id_card",
        id_number="110101199003071234",
        signature=signature_url(),
    )
    fields.update(over)
    return services.ClaimIn(**fields)
