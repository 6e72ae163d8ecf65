"""``leitplanke token create|revoke``: personal access tokens for automation, from the command line."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from leitplanke.api import services
from leitplanke.api.models import AccessToken, Scope
from leitplanke.common.errors import DomainError


class Command(BaseCommand):
    help = "Create or revoke personal access tokens for the REST API."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (it is shown only this once).")
        create.add_argument("--user", required=True, metavar="USERNAME", help="The person the token acts as.")
        create.add_argument("--scope", required=True, choices=[str(s) for s in Scope], help="read or read-write.")
        create.add_argument(
            "--expires",
            type=int,
            default=services.DEFAULT_EXPIRY_DAYS,
            metavar="DAYS",
            help=f"Days until it expires (default {services.DEFAULT_EXPIRY_DAYS}, at most {services.MAX_EXPIRY_DAYS}).",
        )
        create.add_argument("--name", default="CLI", help="What the token is for (default: CLI).")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix (lp_ and 8 characters).")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "revoke":
            token = AccessToken.objects.filter(prefix=options["prefix"]).first()
            if token is None:
                raise CommandError("No token has this prefix.")
            services.token_revoke(actor=None, token=token)
            self.stdout.write(f"Revoked {token.prefix}.")
            return
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No person has the user name {options['user']!r}.")
        try:
            created = services.token_create(
                actor=None, user=user, name=options["name"], scope=options["scope"],
                expires_in_days=options["expires"],
            )  # fmt: skip
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        # Only the token on stdout, so that scripts can capture it; the rest goes to stderr.
        self.stdout.write(created.plain)
        self.stderr.write(
            f"Token {created.token.prefix} for {user.username}, scope {created.token.scope}, "
            f"expires {created.token.expires_at:%Y-%m-%d}. Store it now: it cannot be shown again."
        )
