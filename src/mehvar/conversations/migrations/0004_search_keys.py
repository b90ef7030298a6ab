"""Search keys on conversations (subject) and messages (text), backfilled in batches, and the
vendor's full-text index over each (core.fulltext: PostgreSQL GIN on to_tsvector('simple'),
SQLite FTS5 external-content tables kept in sync by triggers)."""

from typing import Any

from django.db import migrations, models

from mehvar.core.fulltext import install_sql, search_key, uninstall_sql

BATCH = 2000
INDEXED = (("conversations_conversation", "subject_key"), ("conversations_message", "search_text"))


def backfill(apps: Any, schema_editor: Any) -> None:
    alias = schema_editor.connection.alias
    for model_name, source, target in (("Conversation", "subject", "subject_key"),
                                       ("Message", "text", "search_text")):
        model = apps.get_model("conversations", model_name)
        last = 0
        while True:
            rows = list(model.objects.using(alias).filter(pk__gt=last).order_by("pk")
                        .only("pk", source)[:BATCH])
            if not rows:
                break
            for row in rows:
                setattr(row, target, search_key(getattr(row, source)))
            model.objects.using(alias).bulk_update(rows, [target], batch_size=500)
            last = rows[-1].pk


def install(apps: Any, schema_editor: Any) -> None:
    for table, column in INDEXED:
        for sql in install_sql(schema_editor.connection.vendor, table=table, column=column):
            schema_editor.execute(sql)


def uninstall(apps: Any, schema_editor: Any) -> None:
    for table, column in INDEXED:
        for sql in uninstall_sql(schema_editor.connection.vendor, table=table, column=column):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0003_mentions")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="subject_key",
            field=models.TextField(blank=True, default="", editable=False,
                                   verbose_name="subject search key"),
        ),
        migrations.AddField(
            model_name="message",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False,
                                   verbose_name="search text"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(install, uninstall),
    ]
