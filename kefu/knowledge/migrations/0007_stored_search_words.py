"""PostgreSQL keeps each article's search words as stored tsvectors (kefu.knowledge.search)
instead of indexing expressions that every ranked row had to compute again; SQLite's FTS5
table is unchanged. Going back keeps the stored columns (0002's reversal removes them)."""

from django.db import migrations

from kefu.core.db.vendor import execute_for_vendor
from kefu.knowledge import search


def stored_words(apps, schema_editor):
    execute_for_vendor(
        schema_editor,
        postgresql=[
            "DROP INDEX IF EXISTS knowledge_article_pinyin_gin",
            "DROP INDEX IF EXISTS knowledge_article_search_gin",
        ],
        sqlite=[],
    )
    search.install(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0006_question")]

    operations = [migrations.RunPython(stored_words, migrations.RunPython.noop)]
