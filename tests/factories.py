"""Factories that create objects through the services, so tests see real audit events and paths."""

from __future__ import annotations

from typing import Any

import factory

from leitplanke.accounts.models import User
from leitplanke.org import services
from leitplanke.org.models import OrgUnit

DEFAULT_PASSWORD = "correct horse battery staple"


class PersonFactory(factory.django.DjangoModelFactory):
    """A person who can sign in with ``DEFAULT_PASSWORD``."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.Faker("name", locale="de_DE")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    preferred_language = "de"
    password = DEFAULT_PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        return services.person_create(actor=None, **kwargs)


class UnitFactory(factory.django.DjangoModelFactory):
    """A department below a new company unless told otherwise."""

    class Meta:
        model = OrgUnit

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Abteilung {n}")
    kind = "department"
    parent = factory.LazyFunction(
        lambda: (
            OrgUnit.objects.filter(kind="company").first()
            or services.unit_create(actor=None, code="company", name="Firma AG", kind="company")
        )
    )

    @classmethod
    def _create(cls, model_class: type[OrgUnit], *args: Any, **kwargs: Any) -> OrgUnit:
        return services.unit_create(actor=None, **kwargs)


def person_with(role: str | None = None, **kwargs: Any) -> Any:
    """A new person, holding ``role`` company-wide unless it is ``None`` or ``"employee"``."""
    person = PersonFactory(**kwargs)
    if role not in (None, "employee"):
        services.role_assign(actor=None, person=person, role=role)
    return person
