"""A confidential use case whose approval escalates up the org tree: the lead it reaches reads and
approves it; its title appears nowhere for anybody else who may not see it (pages, API, inbox,
e-mail, counts); when the approval no longer waits for that lead, they stop seeing it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from leitplanke.notifications import services as notifications
from leitplanke.notifications.models import Kind, Notification
from leitplanke.org.models import OrgUnit
from leitplanke.usecases.models import Status

from ..factories import PersonFactory
from .conftest import qualify

pytestmark = pytest.mark.django_db

TITLE = "Gehaltsbänder vertraulich prüfen"
SUMMARY = "Vergleicht Gehaltsbänder mit dem Markt."


@pytest.fixture
def finance_lead(org) -> Any:
    """The qualified lead of Finanzen, the unit above the team whose lead is not qualified."""
    lead = PersonFactory(username="bea.boss", display_name="Bea Boss")
    OrgUnit.objects.filter(pk=org.finance.pk).update(lead=lead)
    qualify(lead)
    return lead


@pytest.fixture
def marketing_lead(org) -> Any:
    """The lead of a sibling unit, who has nothing to do with the team's use case."""
    lead = PersonFactory(username="mia.marketing", display_name="Mia Marketing")
    OrgUnit.objects.filter(pk=org.marketing.pk).update(lead=lead)
    qualify(lead)
    return lead


@pytest.fixture
def escalated(make_usecase, finance_lead, django_capture_on_commit_callbacks) -> Any:
    """A confidential use case of the team, submitted; its approval waits for the Finanzen lead."""
    with django_capture_on_commit_callbacks(execute=True):
        usecase = make_usecase(title=TITLE, summary=SUMMARY, confidential=True)
    assert usecase.status == Status.AWAITING_APPROVAL
    return usecase


def _shows_title(client, path: str) -> tuple[int, bool]:
    response = client.get(path)
    return response.status_code, TITLE in response.content.decode()


def test_the_lead_the_approval_escalated_to_is_told_reads_and_approves_it(
    escalated, finance_lead, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(finance_lead)

    # They were told, in the inbox and by e-mail, and their start page lists it
    assert Notification.objects.filter(recipient=finance_lead, usecase=escalated, kind=Kind.APPROVAL_WAITING).exists()
    assert [m.subject for m in mail.outbox if m.to == [finance_lead.email] and TITLE in m.subject]
    for path in (reverse("web:home"), reverse("notifications:inbox"), reverse("usecases:detail", args=[escalated.pk])):
        assert _shows_title(client, path) == (200, True), path

    # When they approve it from its page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("decisions:usecase_approve", args=[escalated.pk]),
            {"scope": "pilot", "confirm": "on", "version": escalated.version},
        )

    # Then it is approved, and they still read what they took responsibility for
    escalated.refresh_from_db()
    assert (response.status_code, escalated.status) == (302, Status.APPROVED)
    assert _shows_title(client, reverse("usecases:detail", args=[escalated.pk])) == (200, True)


@pytest.mark.parametrize("viewer", ["other_unit", "administrator", "sibling_lead"])
def test_the_confidential_title_appears_nowhere_for_those_who_may_not_see_it(
    escalated, org, marketing_lead, client_for, viewer
) -> None:
    person = marketing_lead if viewer == "sibling_lead" else org.viewer(viewer)
    client = client_for(person)
    detail = reverse("usecases:detail", args=[escalated.pk])

    shown = {
        path: _shows_title(client, path)
        for path in (
            reverse("web:home"),
            reverse("notifications:inbox"),
            reverse("usecases:library"),
            f"{reverse('usecases:library')}?q=Gehaltsbänder",
            "/api/v1/usecases",
            f"/api/v1/usecases/{escalated.pk}",
            detail,
        )
    }

    assert shown == {
        reverse("web:home"): (200, False),
        reverse("notifications:inbox"): (200, False),
        reverse("usecases:library"): (200, False),
        f"{reverse('usecases:library')}?q=Gehaltsbänder": (200, False),
        "/api/v1/usecases": (200, False),
        f"/api/v1/usecases/{escalated.pk}": (404, False),
        detail: (404, False),
    }
    assert client.get(reverse("web:home")).context["nav_unread"] == 0
    assert not Notification.objects.filter(recipient=person).exists()
    assert not [m for m in mail.outbox if m.to == [person.email]]
    # ... and they cannot approve it
    response = client.post(
        reverse("decisions:usecase_approve", args=[escalated.pk]), {"scope": "pilot", "confirm": "on", "version": 1}
    )
    escalated.refresh_from_db()
    assert (response.status_code, escalated.status) == (404, Status.AWAITING_APPROVAL)


def test_the_lead_above_a_qualified_team_lead_does_not_see_the_teams_confidential_use_case(
    make_usecase, org, finance_lead, client_for, django_capture_on_commit_callbacks
) -> None:
    qualify(org.lead)
    with django_capture_on_commit_callbacks(execute=True):
        usecase = make_usecase(title=TITLE, confidential=True)

    client = client_for(finance_lead)
    assert _shows_title(client, reverse("usecases:detail", args=[usecase.pk])) == (404, False)
    assert _shows_title(client, reverse("web:home")) == (200, False)
    assert not Notification.objects.filter(recipient=finance_lead).exists()
    assert Notification.objects.filter(recipient=org.lead, usecase=usecase, kind=Kind.APPROVAL_WAITING).exists()


def test_a_lead_the_approval_no_longer_waits_for_loses_the_notification_and_its_unsent_e_mail(
    make_usecase, org, finance_lead, client_for, django_capture_on_commit_callbacks
) -> None:
    # Given the escalated lead was told, but the e-mail is not sent yet
    with django_capture_on_commit_callbacks(execute=False):
        usecase = make_usecase(title=TITLE, confidential=True)
    [told] = Notification.objects.filter(recipient=finance_lead, usecase=usecase)

    # When the team's own lead qualifies, so the approval waits for them instead
    qualify(org.lead)

    # Then the Finanzen lead no longer reads the use case, its notification or its e-mail
    client = client_for(finance_lead)
    assert _shows_title(client, reverse("notifications:inbox")) == (200, False)
    assert client.get(reverse("web:home")).context["nav_unread"] == 0
    assert client.get(reverse("notifications:open", args=[told.pk])).status_code == 404
    assert notifications.email_deliver(told.pk) == "skipped"
    assert not [m for m in mail.outbox if m.to == [finance_lead.email]]
