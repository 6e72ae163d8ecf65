"""Writes of notifications: tell people, send the e-mail, mark as read.

``notify`` is called inside the transaction of the change it reports; the e-mails are handed to
the background worker with that transaction (see :func:`~leitplanke.common.background.enqueue_with_change`),
so a rolled-back change tells nobody and a committed one always has its task.
Notifications are messages about audited changes, not changes themselves: they are not written
to the audit trail (their delivery log is the notification row).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.utils import translation

from leitplanke.common import clock
from leitplanke.common.actors import Actor
from leitplanke.common.background import enqueue_later, enqueue_with_change, retry_delay
from leitplanke.common.links import absolute
from leitplanke.common.transactions import write_atomic

from .content import content_for
from .models import EmailStatus, Kind, Notification
from .selectors import may_be_told

logger = logging.getLogger(__name__)


def notify(
    *,
    kind: Kind | str,
    recipients: Iterable[Any],
    key: str,
    usecase: Any = None,
    params: dict[str, Any] | None = None,
    link: str = "",
    actor: Actor = None,
) -> list[Notification]:
    """Tell each active recipient (but not ``actor`` themselves) once per ``key``; returns the new ones.

    Nobody is told about a use case they may not see (``selectors.may_be_told``).
    """
    seen: set[int] = set()
    created: list[Notification] = []
    for person in recipients:
        if person is None or not person.is_active or person.pk in seen:
            continue
        if actor is not None and getattr(actor, "pk", None) == person.pk:
            continue
        seen.add(person.pk)
        if not may_be_told(person, usecase):
            continue
        if Notification.objects.filter(recipient=person, key=key).exists():
            continue
        try:
            with write_atomic():
                created.append(
                    Notification.objects.create(
                        recipient=person,
                        kind=kind,
                        key=key,
                        usecase=usecase,
                        params=params or {},
                        link=link,
                        email_status=EmailStatus.PENDING if person.email else EmailStatus.NO_ADDRESS,
                    )
                )
        except IntegrityError:  # written by a concurrent run of the same job
            continue
    pending = [n.pk for n in created if n.email_status == EmailStatus.PENDING]
    if pending:
        enqueue_with_change(lambda: _enqueue(pending))
    return created


def _enqueue(ids: list[int], *, delay: dt.timedelta | None = None) -> None:
    from .tasks import deliver_email

    for pk in ids:
        enqueue_later(deliver_email, pk, delay=delay)


def email_for(notification: Notification) -> EmailMessage:
    """The e-mail of ``notification``, in the recipient's language."""
    from django.urls import reverse

    person = notification.recipient
    lang = person.preferred_language or settings.LANGUAGE_CODE
    with translation.override(lang):
        content = content_for(notification, lang)
        body = render_to_string(
            "notifications/email/message.txt",
            {
                "name": person.name,
                "content": content,
                "url": absolute(notification.link) if notification.link else "",
                "inbox_url": absolute(reverse("notifications:inbox")),
            },
        )
    message = EmailMessage(subject=f"[Leitplanke] {content.subject}", body=body, to=[person.email])
    message.extra_headers["Content-Language"] = lang
    return message


def email_deliver(notification_id: int) -> str:
    """Send the e-mail of one notification; on failure try again later, up to the configured attempts.

    No lock is held while the mail server is talked to (on SQLite that would stop every writer);
    the worker runs each task once, and the result is stored only if nobody recorded one meanwhile.
    Returns what happened (``sent``, ``retry``, ``failed`` or ``skipped``), for the task log.
    """
    notification = Notification.objects.select_related("recipient", "usecase").filter(pk=notification_id).first()
    if notification is None or notification.email_status != EmailStatus.PENDING:
        return "skipped"
    same = Notification.objects.filter(
        pk=notification_id, email_status=EmailStatus.PENDING, email_attempts=notification.email_attempts
    )
    if not notification.recipient.email or not notification.recipient.is_active:
        same.update(email_status=EmailStatus.NO_ADDRESS)
        return "skipped"
    if not may_be_told(notification.recipient, notification.usecase):  # they may no longer see it
        same.update(email_status=EmailStatus.FAILED, email_error="The recipient may no longer see this use case.")
        return "skipped"
    attempts = notification.email_attempts + 1
    try:
        email_for(notification).send()
    except Exception as exc:  # noqa: BLE001 - any delivery problem: SMTP refused, timeout, DNS, ...
        error = f"{type(exc).__name__}: {exc}"[:2000]
        last = attempts >= settings.NOTIFICATION_EMAIL_ATTEMPTS
        with write_atomic():  # the attempt and its retry are recorded together
            stored = same.update(
                email_attempts=attempts,
                email_error=error,
                email_status=EmailStatus.FAILED if last else EmailStatus.PENDING,
            )
            if stored and not last:
                enqueue_with_change(lambda: _enqueue([notification_id], delay=retry_delay(attempts)))
        logger.warning("E-mail of notification %s failed (attempt %s): %s", notification_id, attempts, error)
        if not stored:
            return "skipped"
        return "failed" if last else "retry"
    same.update(email_attempts=attempts, email_error="", email_status=EmailStatus.SENT, email_sent_at=clock.now())
    return "sent"


@write_atomic
def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all, or those in ``ids``) as read; returns how many.

    Reading is the recipient's own state, not a change of the company's data: like the delivery
    log, it is kept on the notification row and not written to the audit trail.
    """
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())
