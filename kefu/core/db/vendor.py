"""Schema statements that differ by database (full-text indexes, triggers)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def execute_for_vendor(
    schema_editor: BaseDatabaseSchemaEditor, *, postgresql: Sequence[str], sqlite: Sequence[str]
) -> None:
    """Run the statements written for the editor's database, in order."""
    vendor = schema_editor.connection.vendor
    for sql in postgresql if vendor == "postgresql" else sqlite:
        schema_editor.execute(sql)
