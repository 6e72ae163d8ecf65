"""Who may read the audit log page: auditors and administrators; everyone else gets "not found"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leitplanke.org.models import Role
from leitplanke.org.services import role_assign

from ..factories import PersonFactory

READERS = {Role.AUDITOR, Role.ADMINISTRATOR}


@pytest.mark.parametrize("role", [role for role in Role if role in READERS], ids=str)
def test_audit_log_is_shown_to_auditors_and_administrators(client, company, role):
    # Given a person holding the role company-wide
    reader = PersonFactory()
    role_assign(actor=None, person=reader, role=role)
    client.force_login(reader)
    # When they open the audit log
    response = client.get(reverse("audit:log"))
    # Then they see it, with the events so far
    assert response.status_code == 200
    assert b"org.role.assigned" in response.content


@pytest.mark.parametrize("role", [role for role in Role if role not in READERS], ids=str)
def test_audit_log_is_not_found_for_holders_of_other_roles(client, company, role):
    # Given a person holding another role company-wide
    holder = PersonFactory()
    role_assign(actor=None, person=holder, role=role)
    client.force_login(holder)
    # When they open the audit log
    response = client.get(reverse("audit:log"))
    # Then it does not exist for them
    assert response.status_code == 404


def test_audit_log_is_not_found_for_an_ordinary_employee(client, person):
    # Given a signed-in person without any role
    client.force_login(person)
    # When they open the audit log
    response = client.get(reverse("audit:log"))
    # Then it does not exist for them
    assert response.status_code == 404


def test_audit_log_sends_anonymous_visitors_to_sign_in(client, db):
    # Given nobody signed in
    # When the audit log is requested
    response = client.get(reverse("audit:log"))
    # Then the visitor is sent to the sign-in page, and back afterwards
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={reverse('audit:log')}"
