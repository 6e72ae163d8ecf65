"""Every registered permission × every kind of actor: the predicate answers as the permission's row says.

The rows are in :data:`ROWS`, one per permission of ``leitplanke.common.permissions.registered()``;
a permission without its row fails :func:`test_every_registered_permission_has_a_row`, which says
what to add. The actors are those of the API's permission matrix (``tests/api/matrix``) plus a
deactivated account (which holds administrator and AI governance and belongs to the owning unit:
holding nothing is its account's doing) and the system (``actor=None``: commands, jobs, the demo).

The company is built once for the module; each check only reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from leitplanke.api import services as api_services
from leitplanke.catalog import services as catalog_services
from leitplanke.common.errors import PermissionDenied
from leitplanke.common.permissions import SYSTEM, allowed, check, registered, restrict
from leitplanke.decisions.models import Obligation, Review
from leitplanke.decisions.selectors import required_qualification
from leitplanke.impact import services as impact_services
from leitplanke.literacy import services as literacy_services
from leitplanke.literacy.models import Course
from leitplanke.org import services as org_services
from leitplanke.org.models import Role
from leitplanke.usecases import services as usecase_services
from leitplanke.usecases.models import UseCase

from ..api.matrix import VIEWERS
from ..factories import PersonFactory
from ..usecases.conftest import COMPLETE_FACTS, Org, make_tools

pytestmark = pytest.mark.django_db

#: The viewers of the API matrix, a deactivated account, and the system.
ACTORS = (*VIEWERS, "inactive", "system")


class World:
    """The API matrix's company (``Org`` and Marketing's lead), a deactivated account, and one object
    of every kind a permission is checked on."""

    def __init__(self) -> None:
        self.org = Org()
        org = self.org
        self.other_lead = PersonFactory(username="mara.marketinglead", display_name="Mara Marketing")
        org_services.unit_update(actor=SYSTEM, unit=org.marketing, lead=self.other_lead)
        org_services.membership_add(actor=SYSTEM, person=self.other_lead, unit=org.marketing)
        self.inactive = PersonFactory(username="ina.inactive", display_name="Ina Inactive")
        org_services.membership_add(actor=SYSTEM, person=self.inactive, unit=org.team)
        for role in (Role.ADMINISTRATOR, Role.AI_GOVERNANCE):
            org_services.role_assign(actor=SYSTEM, person=self.inactive, role=role)
        self.inactive = org_services.person_update(actor=SYSTEM, person=self.inactive, is_active=False)

        self.tool = make_tools()["Enterprise-Chat"]
        # A confidential draft of the owning unit: read by the unit, AI governance and auditors only.
        self.usecase = usecase_services.usecase_create(
            actor=org.member,
            title="Personalakten zusammenfassen",
            summary="Zusammenfassungen für die Personalabteilung.",
            unit=org.team,
            owner=org.member,
            confidential=True,
            **COMPLETE_FACTS,
        )
        qualification = required_qualification()  # the first evaluation published the shipped bundle
        today = timezone.localdate()
        if qualification:  # the team's lead is qualified, so the approval stays with the owning unit
            course = Course.objects.filter(code=qualification).first() or literacy_services.course_create(
                actor=SYSTEM, code=qualification, title="KI-Kompetenz für Führungskräfte"
            )
            literacy_services.completion_record(actor=SYSTEM, person=org.lead, course=course, completed_on=today)
        self.course = literacy_services.course_create(actor=SYSTEM, code="ki-basis", title="KI-Grundlagen")
        self.completion = literacy_services.completion_record(
            actor=SYSTEM, person=org.member, course=self.course, completed_on=today
        )
        self.tool_request = catalog_services.tool_request_create(
            actor=org.outsider, name="Transkriptions-Dienst", reason="Protokolle von Besprechungen"
        )
        self.token = api_services.token_create(actor=SYSTEM, user=org.member, name="Registry").token
        self.obligation = Obligation.objects.create(  # arranged directly: no decision is under test here
            usecase=self.usecase,
            code="doku",
            submission=1,
            title_de="Dokumentation",
            title_en="Documentation",
            owner=org.member,
            due_on=today,
        )
        self.objective = impact_services.objective_create(
            actor=SYSTEM,
            title="Durchlaufzeit halbieren",
            owner=org.lead,
            metric="Durchlaufzeit",
            target_value=5,
            target_date=today,
        )
        self.kpi = impact_services.kpi_create(
            actor=SYSTEM, usecase=self.usecase, name="Stunden", kind="hours_saved_per_month", baseline=0
        )
        # Routed to data protection company-wide (the predicate reads role and unit only).
        self.review = Review(usecase=self.usecase, role=Role.DATA_PROTECTION, unit=None)

    def actor(self, kind: str) -> Any:
        if kind == "system":
            return SYSTEM
        if kind == "anonymous":
            return AnonymousUser()
        if kind == "inactive":
            return self.inactive
        if kind == "other_lead":
            return self.other_lead
        return self.org.viewer(kind)


@dataclass(frozen=True)
class Row:
    """Which actors hold a permission, checked on ``obj(world)`` (``None``: without an object)."""

    obj: Callable[[World], Any]
    allowed: frozenset[str]
    system: bool = False


def row(obj: Callable[[World], Any], *actors: str, system: bool = False) -> Row:
    unknown = set(actors) - set(VIEWERS)
    if unknown:
        raise ValueError(f"unknown actors {sorted(unknown)}")
    return Row(obj=obj, allowed=frozenset(actors), system=system)


SIGNED_IN = tuple(viewer for viewer in VIEWERS if viewer != "anonymous")
ROLES = ("ai_governance", "auditor", "data_protection", "administrator")


def nothing(world: World) -> None:
    return None


ROWS: dict[str, Row] = {
    # org
    "org.view_unit": row(lambda w: w.org.team, *SIGNED_IN),
    "org.manage_unit": row(lambda w: w.org.team, "administrator", system=True),
    "org.view_person": row(lambda w: w.org.member, *SIGNED_IN),
    "org.manage_person": row(lambda w: w.org.member, "administrator", system=True),
    "org.manage_membership": row(lambda w: w.org.team, "administrator", system=True),
    "org.manage_role": row(nothing, "administrator", system=True),
    "audit.view_event": row(nothing, "auditor", "administrator"),
    # accounts
    "accounts.change_account": row(lambda w: w.org.member, "unit_member"),
    # use cases
    "usecases.view_usecase": row(lambda w: w.usecase, "unit_member", "unit_lead", "ai_governance", "auditor"),
    "usecases.add_usecase": row(lambda w: w.org.team, "unit_member", "unit_lead", "administrator", system=True),
    "usecases.change_usecase": row(lambda w: w.usecase, "unit_member", "unit_lead", "administrator", system=True),
    "usecases.submit_usecase": row(lambda w: w.usecase, "unit_member", "unit_lead"),
    # catalogue
    "catalog.view_tool": row(lambda w: w.tool, *SIGNED_IN),
    "catalog.manage_tool": row(lambda w: w.tool, "ai_governance", "administrator", system=True),
    "catalog.view_toolrequest": row(
        lambda w: w.tool_request, "other_unit", "ai_governance", "auditor", "administrator"
    ),
    "catalog.add_toolrequest": row(nothing, *SIGNED_IN),
    "catalog.decide_toolrequest": row(lambda w: w.tool_request, "ai_governance", "administrator", system=True),
    # AI literacy
    "literacy.view_course": row(lambda w: w.course, *SIGNED_IN),
    "literacy.manage_course": row(lambda w: w.course, "administrator", system=True),
    "literacy.view_completion": row(lambda w: w.completion, "unit_member", "ai_governance", "auditor", "administrator"),
    "literacy.record_completion": row(nothing, "administrator", system=True),
    # guardrails
    "guardrails.view_bundle": row(nothing, *SIGNED_IN),
    "guardrails.publish_bundle": row(nothing, "ai_governance", system=True),
    # decisions
    "decisions.decide_review": row(lambda w: w.review, "data_protection"),
    "decisions.approve_usecase": row(lambda w: w.usecase, "unit_lead"),
    "decisions.view_obligation": row(lambda w: w.obligation, "unit_member", "unit_lead", "ai_governance", "auditor"),
    "decisions.complete_obligation": row(lambda w: w.obligation, "unit_member", "unit_lead"),
    "decisions.move_usecase": row(lambda w: w.usecase, "unit_member", "unit_lead"),
    "decisions.expire_usecase": row(lambda w: w.usecase, system=True),
    # impact (leadership, who sets objectives, is none of the matrix's viewers: tests/impact covers it)
    "impact.view_objective": row(lambda w: w.objective, *SIGNED_IN),
    "impact.manage_objective": row(lambda w: w.objective, system=True),
    "impact.link_objective": row(lambda w: w.usecase, "unit_member", "unit_lead", "administrator", system=True),
    "impact.view_kpi": row(lambda w: w.kpi, "unit_member", "unit_lead", "ai_governance", "auditor"),
    "impact.manage_kpi": row(lambda w: w.kpi, "unit_member", "unit_lead", system=True),
    # webhooks
    "webhooks.manage_endpoint": row(nothing, "ai_governance"),
    # API tokens
    "api.view_token": row(lambda w: w.token, "unit_member"),
    "api.add_token": row(lambda w: w.org.member, "unit_member", system=True),
    "api.revoke_token": row(lambda w: w.token, "unit_member", "administrator", system=True),
}


def test_every_registered_permission_has_a_row() -> None:
    missing = sorted(set(registered()) - set(ROWS))
    stale = sorted(set(ROWS) - set(registered()))
    assert not missing, (
        f"permissions without a row: {missing}. Add to ROWS in tests/common/test_permission_registry.py, "
        'for example: "app.action_entity": row(lambda w: <the object it is checked on, or None>, '
        '"<each actor that holds it>", ..., system=<True if commands and jobs hold it>)'
    )
    assert not stale, f"rows for permissions nobody registers: {stale} (remove them from ROWS)"


def test_every_permission_describes_itself_and_one_a_service_checks_says_why_it_refuses() -> None:
    for name, permission in registered().items():
        assert str(permission.description).strip(), f"{name} has no description"
        if ".view_" not in name and set(VIEWERS) - ROWS.get(name, row(nothing)).allowed:
            assert permission.refusal, f"{name} refuses people but has no refusal message"


@pytest.fixture(scope="module")
def _kept_world(module_data: Any) -> World | None:
    return module_data.keep(World)


@pytest.fixture
def world(_kept_world: World | None, db: Any) -> World:
    """The module's company; the checks only read, so the objects built once serve every test."""
    return _kept_world if _kept_world is not None else World()


CASES = [pytest.param(name, actor, id=f"{name} {actor}") for name in ROWS for actor in ACTORS]


@pytest.mark.parametrize(("name", "actor"), CASES)
def test_the_permission_holds_exactly_for_the_actors_of_its_row(world: World, name: str, actor: str) -> None:
    expected = ROWS[name].system if actor == "system" else actor in ROWS[name].allowed
    obj = ROWS[name].obj(world)

    assert allowed(world.actor(actor), name, obj) is expected, (
        f"{name}: {actor} {'should' if expected else 'should not'} hold it"
    )


def test_a_refusal_is_permission_denied_with_the_permissions_message(world: World) -> None:
    with pytest.raises(PermissionDenied) as refused:
        check(world.org.outsider, "org.manage_unit", world.org.team)

    assert refused.value.code == "forbidden"
    assert str(refused.value.message) == str(registered()["org.manage_unit"].refusal)


def test_restrict_lists_what_the_check_allows_and_nothing_to_those_without_an_account(world: World) -> None:
    assert list(restrict(world.org.member, "usecases.view_usecase")) == [world.usecase]
    assert not restrict(world.org.outsider, "usecases.view_usecase").filter(pk=world.usecase.pk).exists()
    assert restrict(world.org.viewer("auditor"), "usecases.view_usecase").filter(pk=world.usecase.pk).exists()
    for nobody in (SYSTEM, AnonymousUser(), world.inactive):
        assert not restrict(nobody, "usecases.view_usecase").exists()
        assert not restrict(nobody, "org.view_unit").exists()
    assert UseCase.objects.filter(pk=world.usecase.pk).exists()


def test_an_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(LookupError, match=r"no permission 'usecases\.fly_usecase'"):
        allowed(None, "usecases.fly_usecase")
