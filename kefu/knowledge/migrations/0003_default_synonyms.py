"""Synonym groups most centers share (a center edits them on the synonyms page)."""

from django.db import migrations

GROUPS = [
    "停水 没水 断水 不出水 不来水 停了水 无水",
    "水费 水钱 账单",
    "水压低 水压小 水小 水压不足",
    "发黄 黄水 水浑 浑浊",
    "水表 表具",
    "缴费 交费 充值 付费",
    "过户 更名",
    "报修 维修 修理",
    "快递 快件 包裹",
    "取件 揽件 上门收件",
    "理赔 赔偿 索赔",
    "派送 配送 送货",
    "退款 退钱",
    "发票 开票",
]


def add_groups(apps, schema_editor):
    SynonymGroup = apps.get_model("knowledge", "SynonymGroup")
    if not SynonymGroup.objects.exists():
        SynonymGroup.objects.bulk_create(SynonymGroup(words=words) for words in GROUPS)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search")]

    operations = [migrations.RunPython(add_groups, migrations.RunPython.noop)]
