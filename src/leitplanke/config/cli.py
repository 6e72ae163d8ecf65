"""The ``leitplanke`` command: every Django management command, plus Leitplanke's own.

``leitplanke serve``, ``leitplanke demo``, ``leitplanke audit verify`` and the rest are management
commands of the apps; this entry point only chooses the settings module and hands over to Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command, as ``manage.py`` would."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leitplanke.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["leitplanke", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
