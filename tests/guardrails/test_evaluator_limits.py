"""A hostile rule stops an evaluator process, never the application: refused, or stopped and named."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from leitplanke.audit.models import Event
from leitplanke.guardrails import services
from leitplanke.guardrails.evaluators import RuleStopped
from leitplanke.guardrails.models import RuleBundle, Verdict

from .hostile import GUARDED_EXPONENTIAL, HOSTILE, RAW_STRING_BYPASS, RULE_ID, hostile_bundle
from .test_publish import _state, _zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def lifted(settings) -> None:
    """The static limits switched off, as for a rule they cannot see through, and a short time limit."""
    settings.GUARDRAILS_STATIC_LIMITS = False
    settings.GUARDRAILS_EVALUATOR_TIMEOUT_MS = 1000  # room for a busy CI machine to reach the rule


@pytest.fixture
def marketing_case(org, make_usecase) -> Any:
    """A use case of Marketing, the unit each hostile rule guards its costly part with."""
    make_usecase(title="Zusammenfassungen")
    return make_usecase(title="Kampagnentexte", unit=org.marketing)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_bundle_is_refused_at_publication_and_nothing_changes(org, marketing_case, name) -> None:
    before = _state()
    with pytest.raises(services.BundleRefused) as refused:
        services.bundle_publish(actor=org.role_holders["ai_governance"], files=hostile_bundle(HOSTILE[name]))
    assert refused.value.report.problems[0].file == "rules/99-hostile.yaml"
    assert _state() == before


def test_the_what_if_is_stopped_by_the_limit_and_names_the_rule(org, marketing_case, client_for, lifted) -> None:
    client = client_for(org.role_holders["ai_governance"])
    response = client.post(reverse("guardrails:publish"), {"archive": _zip(hostile_bundle(RAW_STRING_BYPASS))})
    assert response.status_code == 422
    html = response.content.decode()
    # The rule is named when the evaluator reached it; on a machine so busy that the request waited
    # for a free evaluator past its limit, the refusal says it stopped before any rule ran.
    named = f"<code>rules/99-hostile.yaml:2:1</code> Die Regel {RULE_ID} wurde" in html
    assert named or "angehalten, bevor eine Regel lief" in html
    assert "guardrails_candidate" not in client.session


def test_deep_nesting_is_refused_even_with_the_static_limits_lifted(org, marketing_case, client_for, lifted) -> None:
    client = client_for(org.role_holders["ai_governance"])
    response = client.post(reverse("guardrails:publish"), {"archive": _zip(hostile_bundle(HOSTILE["deep-nesting"]))})
    assert response.status_code == 422 and "deeper than 16" in response.content.decode()


def test_a_publication_stopped_by_the_limit_keeps_the_previous_bundle(org, marketing_case, lifted) -> None:
    before = _state()
    with pytest.raises(RuleStopped) as stopped:
        services.bundle_publish(actor=org.role_holders["ai_governance"], files=hostile_bundle(GUARDED_EXPONENTIAL))
    assert stopped.value.code == "rule_stopped" and RULE_ID in str(stopped.value.message)
    assert _state() == before


def test_a_later_verdict_stopped_by_the_limit_needs_review_by_ai_governance(
    org, make_usecase, client_for, lifted
) -> None:
    # Given a hostile bundle published while no use case of Marketing existed
    make_usecase(title="Zusammenfassungen")
    services.bundle_publish(actor=org.role_holders["ai_governance"], files=hostile_bundle(GUARDED_EXPONENTIAL))
    assert RuleBundle.objects.get(active=True).version == "2026.12.9"
    # when a member registers a use case in Marketing, it is saved, and its verdict was stopped by the limit
    usecase = make_usecase(title="Kampagnentexte", unit=org.marketing)
    verdict = Verdict.objects.get(usecase=usecase)
    assert (verdict.decision, verdict.summary["reviews"]) == ("review", ["ai_governance"])
    assert verdict.summary["stopped"] == "time" and verdict.summary["failed"] == [RULE_ID]
    # then the audit trail says why, in German and English
    event = Event.objects.get(action="guardrails.verdict.stopped", object_id=str(usecase.pk))
    assert event.after["rules"] == [RULE_ID] and event.after["limit"] == "time"
    assert "KI-Governance" in event.after["reason"]["de"] and "AI governance" in event.after["reason"]["en"]
    # and its page shows the stored verdict with the reason, without evaluating it again
    response = client_for(org.member).get(reverse("usecases:detail", args=[usecase.pk]))
    assert response.status_code == 200 and "Zeit- oder Speichergrenze" in response.content.decode()
