"""E-mail goes out through Django's SMTP backend, in the recipient's language, and is retried when it fails."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from leitplanke.decisions.models import Review
from leitplanke.notifications.models import EmailStatus, Notification

from .conftest import WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def test_german_and_english_mail_reaches_a_real_smtp_server(
    make_usecase, reviewers, org, smtp_settings, django_capture_on_commit_callbacks
) -> None:
    # Given the works council member reads English and the data-protection person German
    council = reviewers.works_council
    council.preferred_language = "en"
    council.save(update_fields=["preferred_language"])

    # When a use case that monitors employees and handles personal data is submitted
    with django_capture_on_commit_callbacks(execute=True):
        usecase = make_usecase(title="Schichtplanung mit KI", **{**WORKS_COUNCIL_FACTS, "personal_data": "personal"})

    # Then the server received one mail per reviewer, each in the reader's language
    by_recipient = {received.recipients[0]: received.message for received in smtp_settings.messages}
    english = by_recipient[council.email]
    assert english["Subject"] == "[Leitplanke] Review requested: “Schichtplanung mit KI”"
    assert english["Content-Language"] == "en"
    assert english.get_content().startswith(f"Hello {council.name},")
    privacy = next(r for r in Review.objects.filter(usecase=usecase) if r.role == "data_protection")
    german_to = next(p.email for p in [reviewers.finance_privacy, reviewers.company_privacy] if p.email in by_recipient)
    german = by_recipient[german_to]
    assert german["Subject"] == "[Leitplanke] Prüfung erbeten: „Schichtplanung mit KI“"
    assert "Datenschutz" in german.get_content()
    assert f"/reviews/{privacy.pk}/" in german.get_content()
    assert german["Content-Language"] == "de"
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.SENT}


def test_a_refusing_server_is_retried_and_the_failure_logged(
    make_usecase, reviewers, smtp_settings, settings, django_capture_on_commit_callbacks
) -> None:
    # Given a mail server that answers every message with a temporary error
    smtp_settings.refuse = True
    settings.NOTIFICATION_EMAIL_ATTEMPTS = 3

    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**WORKS_COUNCIL_FACTS)

    # Then the e-mail was tried three times and marked failed with the server's answer; the inbox has it
    notification = Notification.objects.get(recipient=reviewers.works_council)
    assert (notification.email_status, notification.email_attempts) == (EmailStatus.FAILED, 3)
    assert "451" in notification.email_error


def test_a_server_that_comes_back_gets_the_mail_on_a_later_attempt(
    make_usecase, reviewers, smtp_settings, settings, django_capture_on_commit_callbacks
) -> None:
    from leitplanke.notifications.services import email_deliver

    smtp_settings.refuse = True
    settings.NOTIFICATION_EMAIL_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        make_usecase(**WORKS_COUNCIL_FACTS)
    notification = Notification.objects.get(recipient=reviewers.works_council)
    assert notification.email_status == EmailStatus.FAILED
    # an operator retries after the server is back (the worker does the same for pending ones)
    Notification.objects.filter(pk=notification.pk).update(email_status=EmailStatus.PENDING)
    settings.NOTIFICATION_EMAIL_ATTEMPTS = 5
    smtp_settings.refuse = False

    assert email_deliver(notification.pk) == "sent"
    notification.refresh_from_db()
    assert (notification.email_status, notification.email_attempts, notification.email_error) == (
        EmailStatus.SENT,
        2,
        "",
    )
    assert len(smtp_settings.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_what_the_database_queue_holds(make_usecase, reviewers, smtp_settings, settings) -> None:
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    # Given the database task backend (as in production) and a submitted use case
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends._connections = __import__("asgiref.local", fromlist=["Local"]).Local()  # type: ignore[attr-defined]
    make_usecase(**WORKS_COUNCIL_FACTS)
    assert DBTaskResult.objects.count() == 1
    assert smtp_settings.messages == []

    # When the worker works off the queue
    call_command("worker", "--batch", "--no-periodic", verbosity=0)

    # Then the mail is delivered and the task recorded as done
    assert [r.recipients for r in smtp_settings.messages] == [[reviewers.works_council.email]]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
