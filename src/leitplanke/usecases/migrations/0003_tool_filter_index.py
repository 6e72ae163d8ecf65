"""An index for the library's tool filter: which use cases use a tool, answered from the index alone.

The link table of ``UseCase.tools`` is Django's own, so its indexes cannot be declared on a model;
(tool_id, usecase_id) covers "use cases of tool X" without reading the table (same SQL on SQLite
and PostgreSQL).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("usecases", "0002_search_index")]

    operations = [
        migrations.RunSQL(
            'CREATE INDEX IF NOT EXISTS "usecase_tools_tool_usecase" ON "usecases_usecase_tools" ("tool_id", "usecase_id")',
            'DROP INDEX IF EXISTS "usecase_tools_tool_usecase"',
            elidable=False,
        )
    ]
