"""Delivery logs written before the target check kept the text of each network error, which could
carry what the other side answered (an SSH banner in a bad status line); keep only that it failed."""

from __future__ import annotations

from typing import Any

from django.db import migrations

#: The text later versions write for a failure whose kind is not known any more.
FAILED = "The delivery failed."


def scrub(apps: Any, schema_editor: Any) -> None:
    # Exception texts were written as "ClassName: message"; "HTTP 500" and the deactivation notice have no colon.
    for model, field in (("Delivery", "last_error"), ("DeliveryAttempt", "error")):
        apps.get_model("webhooks", model).objects.filter(**{f"{field}__contains": ":"}).update(**{field: FAILED})


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_endpoint_previous_secret")]

    operations = [migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True)]
