"""``leitplanke demo``: load the demo company "Beispiel AG" and print the logins."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from leitplanke.catalog import demo as catalog_demo
from leitplanke.common import clock
from leitplanke.decisions import demo as decisions_demo
from leitplanke.impact import demo as impact_demo
from leitplanke.literacy import demo as literacy_demo
from leitplanke.org import demo as org_demo

DEFAULT_PASSWORD = "Leitplanke-Demo-2026"  # noqa: S105 - published demo password, refused in production


class Command(BaseCommand):
    help = "Load the demo company Beispiel AG (safe to run again) and print the demo logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--password",
            default=os.environ.get("LEITPLANKE_DEMO_PASSWORD", DEFAULT_PASSWORD),
            help="Password for every demo person (default: %(default)s).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load the demo even in production mode (it creates people with a known password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["allow_production"]:
            raise CommandError(
                "Refusing to load demo people with a known password in production mode. "
                "Use LEITPLANKE_MODE=development, or --allow-production if you really mean it."
            )
        # The company as it began to use Leitplanke, then its history since, step by step at the
        # times it happened (see decisions.demo).
        founded = decisions_demo.founded()
        impact_before = impact_demo.totals()
        new_story = not decisions_demo.story_told()
        with clock.frozen_at(founded):
            created = org_demo.load(password=options["password"])
            tools = catalog_demo.load()
            literacy = literacy_demo.load(until=timezone.localdate(founded))
            if new_story:  # leadership sets the direction first (later runs add missing ones now)
                impact_demo.objectives_load()
        story = decisions_demo.load(since=founded, more=impact_demo.steps)
        impact_demo.load()
        impact = {name: count - impact_before[name] for name, count in impact_demo.totals().items()}
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo company Beispiel AG ready ({created['units']} units, {created['people']} people, "
                f"{tools['tools']} tools, {story['usecases']} use cases, {literacy['courses']} courses, "
                f"{literacy['completions'] + story['completions']} course completions, {story['reviews']} reviews "
                f"decided and {story['approvals']} approvals new; {impact['objectives']} objectives, "
                f"{impact['kpis']} KPIs and {impact['measurements']} measurements new)."
            )
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for everyone: {options['password']}):")
        width = max(len(org_demo.username_for(name)) for name, _ in org_demo.SHOWCASE)
        for name, what in org_demo.SHOWCASE:
            self.stdout.write(f"  {org_demo.username_for(name).ljust(width)}  {name} – {what}")
