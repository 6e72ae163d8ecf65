"""The full-text search index of use cases (see ``leitplanke.usecases.search``), built for existing rows.

PostgreSQL: a ``tsvector`` column with a GIN index on ``usecases_usecase``; SQLite: a terms table, an
FTS5 table over it and the triggers between them. Neither is a model field, so the model state does
not change; both are created and filled here.
"""

from django.db import migrations


def install(apps, schema_editor):
    from leitplanke.usecases.search import index_rebuild, schema_install

    schema_install(schema_editor.connection)
    # Only a database that already holds use cases needs filling; a new one (and every test
    # database) skips it, so this migration keeps working when later ones change the columns.
    if apps.get_model("usecases", "UseCase").objects.using(schema_editor.connection.alias).exists():
        index_rebuild(using=schema_editor.connection.alias)


def remove(apps, schema_editor):
    from leitplanke.usecases.search import schema_remove

    schema_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("usecases", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
