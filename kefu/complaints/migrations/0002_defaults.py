"""Default complaint categories, nationwide utility hotlines and the complaint rules (all
editable in the admin afterwards)."""

from django.db import migrations

CATEGORIES = [
    ("attitude", "服务态度"),
    ("supply", "供水中断"),
    ("pressure", "水压不足"),
    ("water-quality", "水质问题"),
    ("billing", "抄表收费"),
    ("repair-quality", "维修质量"),
    ("timeliness", "办理时效"),
    ("other", "其他"),
]
# Only numbers that are the same all over the mainland; a center adds its city's water, gas,
# heating and cable TV hotlines.
HOTLINES = [
    ("power", "国家电网供电服务热线", "95598"),
    ("telephone", "中国电信客服", "10000"),
    ("telephone", "中国联通客服", "10010"),
    ("telephone", "中国移动客服", "10086"),
    ("other", "政务服务便民热线", "12345"),
]


def add_defaults(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    MunicipalHotline = apps.get_model("complaints", "MunicipalHotline")
    Settings = apps.get_model("complaints", "Settings")
    for order, (code, name) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    if not MunicipalHotline.objects.exists():
        for order, (kind, name, number) in enumerate(HOTLINES):
            MunicipalHotline.objects.create(kind=kind, name=name, number=number, order=order)
    if not Settings.objects.exists():
        Settings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
