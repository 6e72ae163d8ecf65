"""The decision workflow tells people what concerns them, in the inbox and by e-mail in their language."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Review
from leitplanke.notifications.models import EmailStatus, Kind, Notification

from .conftest import WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def _submit(make_usecase, django_capture_on_commit_callbacks, **facts):
    with django_capture_on_commit_callbacks(execute=True):
        return make_usecase(title="Schichtplanung mit KI", **facts)


def test_the_reviewer_is_told_a_review_is_assigned_in_their_language(
    make_usecase, reviewers, django_capture_on_commit_callbacks
) -> None:
    # Given a works-council member who reads English
    council = reviewers.works_council
    council.preferred_language = "en"
    council.save(update_fields=["preferred_language"])

    # When a use case that monitors employees is submitted
    usecase = _submit(make_usecase, django_capture_on_commit_callbacks, **WORKS_COUNCIL_FACTS)

    # Then the council member has one notification and one English e-mail with the link to the review
    review = Review.objects.get(usecase=usecase)
    notification = Notification.objects.get(recipient=council)
    assert (notification.kind, notification.email_status) == (Kind.REVIEW_ASSIGNED, EmailStatus.SENT)
    assert notification.link == reverse("decisions:review_detail", args=[review.pk])
    [message] = [m for m in mail.outbox if m.to == [council.email]]
    assert message.subject == "[Leitplanke] Review requested: “Schichtplanung mit KI”"
    assert "as Works council by" in message.body or "as works council by" in message.body.lower()
    assert f"http://127.0.0.1:8000/reviews/{review.pk}/" in message.body
    assert message.extra_headers["Content-Language"] == "en"


def test_the_owner_is_told_in_german_when_a_reviewer_asks_for_changes(
    make_usecase, reviewers, org, django_capture_on_commit_callbacks
) -> None:
    usecase = _submit(make_usecase, django_capture_on_commit_callbacks, **WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        decisions.review_decide(
            actor=reviewers.works_council,
            review=review,
            outcome="changes_requested",
            comment="Bitte die Auswertung auf Teams beschränken.",
        )

    notification = Notification.objects.get(recipient=org.member)
    assert notification.kind == Kind.CHANGES_REQUESTED
    [message] = mail.outbox
    assert message.to == [org.member.email]
    assert message.subject == "[Leitplanke] Änderungen erbeten: „Schichtplanung mit KI“"
    assert "Bitte die Auswertung auf Teams beschränken." in message.body
    assert message.body.startswith(f"Hallo {org.member.name},")


def test_the_lead_is_told_what_waits_and_the_owner_of_the_approval(
    make_usecase, qualified_lead, org, django_capture_on_commit_callbacks
) -> None:
    usecase = _submit(make_usecase, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.usecase_approve(actor=qualified_lead, usecase=usecase)

    assert list(Notification.objects.filter(recipient=org.member).values_list("kind", "params__outcome")) == [
        (Kind.DECISION_MADE, "usecase_approved")
    ]
    # the lead was told it waits for them, and is not told of their own approval
    assert list(Notification.objects.filter(recipient=qualified_lead).values_list("kind", flat=True)) == [
        Kind.APPROVAL_WAITING
    ]


def test_a_lead_who_submits_their_own_use_case_is_not_told_it_waits_for_them_but_the_deputy_is(
    make_usecase, qualified_lead, org, django_capture_on_commit_callbacks
) -> None:
    from leitplanke.org import services as org_services

    from ..decisions.conftest import qualify

    # Given a qualified deputy beside the qualified lead of the team
    deputy = org.outsider
    qualify(deputy)
    org_services.unit_update(actor=None, unit=org.team, deputy=deputy)

    # When the lead registers and submits a use case of their own team
    with django_capture_on_commit_callbacks(execute=True):
        usecase = make_usecase(owner=qualified_lead)

    # Then only the deputy is told it waits for an approval
    waiting = Notification.objects.filter(usecase=usecase, kind=Kind.APPROVAL_WAITING)
    assert list(waiting.values_list("recipient__username", flat=True)) == [deputy.username]


def test_nothing_is_sent_when_the_change_is_rolled_back(
    make_usecase, reviewers, django_capture_on_commit_callbacks
) -> None:
    from django.db import transaction

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abort), transaction.atomic():
        make_usecase(**WORKS_COUNCIL_FACTS)
        raise Abort

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_a_person_without_an_address_still_finds_it_in_the_inbox(
    make_usecase, reviewers, django_capture_on_commit_callbacks
) -> None:
    council = reviewers.works_council
    council.email = ""
    council.save(update_fields=["email"])

    _submit(make_usecase, django_capture_on_commit_callbacks, **WORKS_COUNCIL_FACTS)

    notification = Notification.objects.get(recipient=council)
    assert notification.email_status == EmailStatus.NO_ADDRESS
    assert mail.outbox == []


def test_the_inbox_shows_my_notifications_in_my_language_and_opening_one_marks_it_read(
    make_usecase, reviewers, client_for, django_capture_on_commit_callbacks
) -> None:
    usecase = _submit(make_usecase, django_capture_on_commit_callbacks, **WORKS_COUNCIL_FACTS)
    council = reviewers.works_council
    client = client_for(council)

    page = client.get(reverse("notifications:inbox"))
    html = page.content.decode()
    assert "Prüfung erbeten: „Schichtplanung mit KI“" in html
    assert 'data-testid="inbox-link"' in html and ">1</span>" in html  # the unread count in the header

    notification = Notification.objects.get(recipient=council)
    target = reverse("decisions:review_detail", args=[Review.objects.get(usecase=usecase).pk])
    assert f'action="{reverse("notifications:open", args=[notification.pk])}"' in html  # opened by a POST form
    followed = client.get(reverse("notifications:open", args=[notification.pk]))  # an address typed in: no write
    assert (followed.status_code, followed["Location"]) == (302, target)
    notification.refresh_from_db()
    assert notification.read_at is None
    opened = Client(enforce_csrf_checks=True)
    opened.force_login(council)
    token = opened.get(reverse("notifications:inbox")).cookies["csrftoken"].value
    response = opened.post(reverse("notifications:open", args=[notification.pk]), {"csrfmiddlewaretoken": token})
    assert (response.status_code, response["Location"]) == (302, target)
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert ">1</span>" not in client.get(reverse("notifications:inbox")).content.decode()


def test_someone_elses_notification_is_not_found(
    make_usecase, reviewers, org, client_for, django_capture_on_commit_callbacks
) -> None:
    _submit(make_usecase, django_capture_on_commit_callbacks, **WORKS_COUNCIL_FACTS)
    notification = Notification.objects.get(recipient=reviewers.works_council)

    response = client_for(org.outsider).post(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(make_usecase, reviewers, client_for, django_capture_on_commit_callbacks) -> None:
    _submit(make_usecase, django_capture_on_commit_callbacks, **WORKS_COUNCIL_FACTS)
    client = client_for(reviewers.works_council)

    response = client.post(reverse("notifications:mark_all_read"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=reviewers.works_council, read_at__isnull=True).exists()
