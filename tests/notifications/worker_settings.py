"""Test settings with the database task queue, for a ``leitplanke worker`` started as its own process."""

from leitplanke.config.test_settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
