"""Full-text search of the knowledge base: an FTS5 table with its triggers on SQLite, GIN
indexes on PostgreSQL (kefu.knowledge.search)."""

from django.db import migrations

from kefu.knowledge import search


def install_search(apps, schema_editor):
    search.install(schema_editor)


def uninstall_search(apps, schema_editor):
    search.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(install_search, uninstall_search)]
