"""Every use case carries its current verdict: stored with the bundle and input, refreshed on every change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.catalog import services as catalog_services
from leitplanke.guardrails.models import RuleBundle, Verdict
from leitplanke.usecases import services

pytestmark = pytest.mark.django_db


def _verdict_events(usecase):
    return list(
        Event.objects.filter(
            object_type="usecases.usecase", object_id=str(usecase.pk), action__startswith="guardrails."
        )
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_the_first_evaluation_publishes_the_shipped_bundle_as_the_system(make_usecase) -> None:
    assert not RuleBundle.objects.exists()
    make_usecase()
    bundle = RuleBundle.objects.get()
    assert bundle.active and bundle.bundle_id == "leitplanke-default" and bundle.published_by is None
    event = Event.objects.get(action="guardrails.bundle.published")
    assert event.actor_id is None and event.after["digest"] == bundle.digest


def test_a_new_use_case_carries_its_verdict_with_bundle_and_exact_input(make_usecase, tools) -> None:
    usecase = make_usecase(tools=[tools["Enterprise-Chat"]])
    verdict = Verdict.objects.get(usecase=usecase)
    assert (verdict.risk_class, verdict.decision) == ("minimal", "team_lead")
    assert verdict.bundle.active
    assert verdict.input["unit"] == "fin-buha" and verdict.input["stage"] == "idea"
    assert [tool["name"] for tool in verdict.input["tools"]] == ["Enterprise-Chat"]
    assert verdict.input["facts"]["purposes"] == ["productivity"]
    assert _verdict_events(usecase) == ["guardrails.verdict.recorded"]


def test_changing_the_answers_evaluates_again_and_records_the_change(org, make_usecase) -> None:
    usecase = make_usecase()
    services.usecase_update(
        actor=org.member,
        usecase=usecase,
        purposes=["recruiting"],
        affected_people=["applicants"],
        personal_data="personal",
        decision_role="prepares",
    )
    verdict = Verdict.objects.get(usecase=usecase)
    assert (verdict.risk_class, verdict.decision) == ("high", "review")
    assert "ai_governance" in verdict.summary["reviews"]
    event = Event.objects.filter(action="guardrails.verdict.changed", object_id=str(usecase.pk)).get()
    assert (event.before["risk_class"], event.after["risk_class"]) == ("minimal", "high")
    assert event.actor_id == org.member.pk


def test_a_change_the_rules_do_not_read_leaves_the_verdict_alone(org, make_usecase) -> None:
    usecase = make_usecase()
    evaluated = Verdict.objects.get(usecase=usecase).evaluated_at
    services.usecase_update(actor=org.member, usecase=usecase, title="Ein neuer Titel")
    assert Verdict.objects.get(usecase=usecase).evaluated_at == evaluated
    assert _verdict_events(usecase) == ["guardrails.verdict.recorded"]


def test_a_tool_that_is_no_longer_allowed_blocks_every_use_case_that_uses_it(org, make_usecase, tools) -> None:
    chat = tools["Enterprise-Chat"]
    using, other = make_usecase(tools=[chat]), make_usecase(title="Ohne Chat")
    governance = org.role_holders["ai_governance"]
    catalog_services.tool_update(actor=governance, tool=chat, status="not_allowed")
    assert Verdict.objects.get(usecase=using).decision == "blocked"
    assert Verdict.objects.get(usecase=other).decision == "team_lead"
    event = Event.objects.get(action="guardrails.verdict.changed", object_id=str(using.pk))
    assert event.actor_id == governance.pk and event.after["decision"] == "blocked"
    assert Verdict.objects.get(usecase=using).input["tools"][0]["status"] == "not_allowed"


def test_the_profile_explains_the_verdict_in_german(org, make_usecase, client_for, tools) -> None:
    usecase = make_usecase(
        tools=[tools["Enterprise-Chat"]],
        interacts_with_people="external",
        affected_people=["consumers"],
        purposes=["customer_interaction"],
    )
    html = client_for(org.outsider).get(reverse("usecases:detail", args=[usecase.pk])).content.decode()
    assert 'data-testid="verdict"' in html
    assert "Begrenztes Risiko" in html
    assert "Offenlegen, dass Menschen mit einer KI sprechen" in html
    assert "EU AI Act Art. 50(1)" in html


def test_the_live_verdict_follows_the_answers_in_the_form(org, make_usecase, client_for) -> None:
    usecase = make_usecase()
    client = client_for(org.member)
    answers = {
        "purposes": ["recruiting"],
        "affected_people": ["applicants"],
        "decision_role": "prepares",
        "personal_data": "personal",
    }
    response = client.post(reverse("guardrails:preview", args=[usecase.pk]), answers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hohes Risiko" in html and 'data-rule="ai-act-annex3-4a-recruiting"' in html
    # nothing was saved by looking
    assert Verdict.objects.get(usecase=usecase).risk_class == "minimal"


def test_the_live_verdict_says_so_when_answers_are_invalid(org, make_usecase, client_for) -> None:
    usecase = make_usecase()
    response = client_for(org.member).post(reverse("guardrails:preview", args=[usecase.pk]), {"scale": "huge"})
    assert "nicht gültig" in response.content.decode()


@pytest.mark.parametrize("viewer", ["other_unit", "anonymous", "data_protection"])
def test_only_editors_see_the_live_verdict(org, make_usecase, client_for, viewer) -> None:
    usecase = make_usecase(confidential=True)
    response = client_for(org.viewer(viewer)).post(reverse("guardrails:preview", args=[usecase.pk]), {})
    assert response.status_code in (404, 302)
    if viewer != "anonymous":
        assert response.status_code == 404
