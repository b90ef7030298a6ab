"""Messages keep what a channel took off for display (quoted_text) and what it noticed about
the original (flags). SQLite adds these columns by rebuilding the table, which drops the
full-text triggers of 0004: they are installed again (the statements are idempotent)."""

from typing import Any

from django.db import migrations, models

from mehvar.core.fulltext import install_sql


def reinstall_search(apps: Any, schema_editor: Any) -> None:
    for sql in install_sql(schema_editor.connection.vendor, table="conversations_message",
                           column="search_text"):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_search_keys")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="flags",
            field=models.JSONField(blank=True, default=list, verbose_name="flags"),
        ),
        migrations.AddField(
            model_name="message",
            name="quoted_text",
            field=models.TextField(blank=True, default="", verbose_name="quoted text"),
        ),
        migrations.RunPython(reinstall_search, migrations.RunPython.noop),
    ]
