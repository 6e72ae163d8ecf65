"""Obligations come with an approval (the verdict's and the reviewers' conditions); the owner proves them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from leitplanke.audit.models import Event
from leitplanke.common.errors import DomainError, PermissionDenied
from leitplanke.decisions import services as decisions
from leitplanke.decisions.models import Obligation, ObligationStatus, Review

from .conftest import COMPLETE_FACTS, WORKS_COUNCIL_FACTS

pytestmark = pytest.mark.django_db


def _approve_with_conditions(make_usecase, reviewers, lead):
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)
    decisions.review_decide(
        actor=reviewers.works_council,
        review=review,
        outcome="approved_with_conditions",
        conditions="Keine Auswertung einzelner Beschäftigter.",
    )
    usecase.refresh_from_db()
    decisions.usecase_approve(actor=lead, usecase=usecase)
    return usecase


def test_an_approval_hands_the_verdicts_obligations_and_the_conditions_to_the_owner(
    make_usecase, reviewers, qualified_lead, org
) -> None:
    usecase = _approve_with_conditions(make_usecase, reviewers, qualified_lead)

    obligations = {o.code: o for o in Obligation.objects.filter(usecase=usecase)}
    assert set(usecase.verdict.summary["obligations"]) <= set(obligations)
    condition = next(o for code, o in obligations.items() if code.startswith("review-"))
    assert condition.description_de == "Keine Auswertung einzelner Beschäftigter."
    assert condition.blocking
    assert condition.title_de == "Auflagen der Prüfung durch Betriebsrat"
    assert condition.title_en.startswith("Conditions of the review by")
    assert {o.owner for o in obligations.values()} == {org.member}
    assert all(o.due_on >= timezone.localdate() for o in obligations.values())


def test_the_owner_completes_an_obligation_with_evidence(make_usecase, qualified_lead, org) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    obligation = Obligation.objects.filter(usecase=usecase).first()
    assert obligation is not None  # the AI-literacy duty of Art. 4 comes with every use case

    done = decisions.obligation_complete(
        actor=org.member, obligation=obligation, evidence="Schulung am 1.12. für alle fünf Beteiligten."
    )

    assert (done.status, done.completed_by) == (ObligationStatus.DONE, org.member)
    assert Event.objects.filter(action="decisions.obligation.completed", object_id=str(usecase.pk)).exists()


def test_an_obligation_needs_evidence_and_the_owning_unit(make_usecase, qualified_lead, org) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    obligation = Obligation.objects.filter(usecase=usecase).first()

    with pytest.raises(DomainError) as caught:
        decisions.obligation_complete(actor=org.member, obligation=obligation, evidence=" ")
    assert caught.value.field == "evidence"
    with pytest.raises(PermissionDenied):
        decisions.obligation_complete(actor=org.outsider, obligation=obligation, evidence="Erledigt")
    obligation.refresh_from_db()
    assert obligation.status == ObligationStatus.OPEN


def test_the_evidence_form_records_it_and_others_cannot_post(make_usecase, qualified_lead, org, client_for) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    obligation = Obligation.objects.filter(usecase=usecase).first()
    url = reverse("decisions:obligation_done", args=[obligation.pk])

    assert client_for(org.outsider).get(url).context["form"] is None
    assert client_for(org.outsider).post(url, {"evidence": "x", "version": obligation.version}).status_code == 404
    response = client_for(org.member).post(url, {"evidence": "", "evidence_link": "", "version": obligation.version})
    assert response.status_code == 400
    response = client_for(org.member).post(
        url, {"evidence": "", "evidence_link": "intranet.example/schulung", "version": obligation.version}
    )
    assert response.status_code == 302
    obligation.refresh_from_db()
    assert (obligation.status, obligation.evidence_link) == ("done", "https://intranet.example/schulung")


def test_approving_again_in_the_same_submission_does_not_duplicate_obligations(
    make_usecase, qualified_lead, org
) -> None:
    from leitplanke.usecases import services as usecases

    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    count = Obligation.objects.filter(usecase=usecase).count()
    usecase.refresh_from_db()
    usecases.usecase_update(
        actor=org.member, usecase=usecase, expected_version=usecase.version, monitors_employees="yes"
    )  # needs the works council now: back in review
    review = Review.objects.get(usecase=usecase, status="open")
    from leitplanke.org import services as org_services
    from leitplanke.org.models import Role

    from ..factories import PersonFactory

    council = PersonFactory()
    org_services.role_assign(actor=None, person=council, role=Role.WORKS_COUNCIL)
    decisions.review_decide(actor=council, review=review, outcome="approved")
    usecase.refresh_from_db()
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)

    codes = list(Obligation.objects.filter(usecase=usecase).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) >= count


def test_conditions_are_the_owners_obligation_before_the_lead_decides(make_usecase, reviewers, org) -> None:
    usecase = make_usecase(**WORKS_COUNCIL_FACTS)
    review = Review.objects.get(usecase=usecase)

    decisions.review_decide(
        actor=reviewers.works_council,
        review=review,
        outcome="approved_with_conditions",
        conditions="Betriebsvereinbarung abschließen.",
    )

    condition = Obligation.objects.get(usecase=usecase)
    assert (condition.code, condition.blocking, condition.owner) == (f"review-{review.pk}", True, org.member)
    done = decisions.obligation_complete(
        actor=org.member, obligation=condition, evidence="Betriebsvereinbarung Nr. 7 vom 1.12."
    )
    assert done.status == ObligationStatus.DONE


def test_an_obligation_page_is_shown_under_use_cases_in_the_navigation(
    make_usecase, qualified_lead, org, client_for
) -> None:
    usecase = make_usecase(**COMPLETE_FACTS)
    decisions.usecase_approve(actor=qualified_lead, usecase=usecase)
    obligation = Obligation.objects.filter(usecase=usecase).first()

    response = client_for(org.member).get(reverse("decisions:obligation_done", args=[obligation.pk]))
    reviews = client_for(org.member).get(reverse("decisions:review_list"))

    current = [entry["url"] for entry in response.context["nav_entries"] if entry["current"]]
    assert current == [reverse("usecases:library")]
    assert [entry["url"] for entry in reviews.context["nav_entries"] if entry["current"]] == [
        reverse("decisions:review_list")
    ]
