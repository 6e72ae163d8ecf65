"""The use-case registry: one KI-Steckbrief per AI use case, owned by the unit that runs it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock
from leitplanke.org.models import Membership, OrgUnit, Role, RoleAssignment
from leitplanke.org.selectors import has_role

from .facts import FACTS, FACTS_BY_NAME


class Stage(models.TextChoices):
    """How far a use case has come (codes are the guardrail contract)."""

    IDEA = "idea", _("Idea")
    PILOT = "pilot", _("Pilot")
    PRODUCTION = "production", _("Production")
    RETIRED = "retired", _("Retired")


class Status(models.TextChoices):
    """Where the use case stands on its way to a decision (``decisions`` moves it after submission).

    draft → submitted → blocked | awaiting approval | in review → approved; "changes requested"
    goes back to the owner like a draft; rejected is final for that version. An approval that
    expired (re-certification is due) also goes back to the owner, who submits the use case again.
    """

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    BLOCKED = "blocked", _("Blocked by the rules")
    IN_REVIEW = "in_review", _("In review")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the team lead's approval")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Re-certification due")


#: States in which the owner is still writing: questions may be left open until (re)submission.
WRITING = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED, Status.EXPIRED})
#: States from which submitting starts (again) the way to a decision.
SUBMITTABLE = frozenset(
    {Status.DRAFT, Status.CHANGES_REQUESTED, Status.BLOCKED, Status.SUBMITTED, Status.EXPIRED, Status.APPROVED}
)


def _single_fact_field(name: str) -> models.CharField[Any, Any]:
    fact = FACTS_BY_NAME[name]
    # A lazy translation is a valid verbose name; the stubs only know their own promise type.
    return models.CharField(fact.question, max_length=30, choices=fact.all_choices, blank=True, default="")  # type: ignore[arg-type]


def _multiple_fact_field(name: str) -> models.JSONField[Any, Any]:
    fact = FACTS_BY_NAME[name]
    return models.JSONField(fact.question, default=list, blank=True)  # type: ignore[arg-type]


class UseCaseQuerySet(models.QuerySet["UseCase"]):
    """Queries on use cases; ``visible_to`` is the one place that decides who sees which."""

    def visible_to(self, user: Any) -> UseCaseQuerySet:
        """What ``user`` may read: every non-confidential use case, confidential ones only for the
        owning unit (members, lead, deputy), owner and contributors, AI governance, auditors, the
        reviewers a review of it was routed to, and the team lead above the unit its approval
        escalated to (while it waits for them, and after they approved it) — the last two granted
        by the decision workflow (:func:`register_visibility_grant`)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        # Administrators run the system; they do not read confidential use cases for that reason.
        if has_role(user, Role.AUDITOR) or has_role(user, Role.AI_GOVERNANCE):
            return self.all()
        # Subqueries, not joins: no row can appear twice, so no DISTINCT over the whole table.
        own_units = OrgUnit.objects.filter(
            Q(pk__in=Membership.objects.filter(person=user).values("unit_id")) | Q(lead=user) | Q(deputy=user)
        ).values("pk")
        contributed = UseCase.contributors.through.objects.filter(user=user).values("usecase_id")
        governed = _units_where_role(user, Role.AI_GOVERNANCE).values("pk")
        visible = (
            Q(confidential=False)
            | Q(unit_id__in=own_units)
            | Q(owner=user)
            | Q(pk__in=contributed)
            | Q(unit_id__in=governed)
        )
        for grant in _VISIBILITY_GRANTS:  # the apps above: who decides about a use case reads it
            visible |= grant(user)
        return self.filter(visible)


#: Who else reads a confidential use case, granted by the apps above the registry (``grant(user)``
#: gives the condition on use cases), registered in their ``AppConfig.ready()``.
_VISIBILITY_GRANTS: list[Callable[[Any], Q]] = []


def register_visibility_grant(grant: Callable[[Any], Q]) -> None:
    """Let ``grant(user)`` widen what :meth:`UseCaseQuerySet.visible_to` gives ``user`` (once per grant)."""
    if grant not in _VISIBILITY_GRANTS:
        _VISIBILITY_GRANTS.append(grant)


def _units_where_role(user: Any, role: str) -> Any:
    """Units (with their sub-units) for which ``user`` holds ``role``."""
    paths = list(
        RoleAssignment.objects.filter(person=user, role=role, unit__isnull=False).values_list("unit__path", flat=True)
    )
    if not paths:
        return OrgUnit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return OrgUnit.objects.filter(condition)


class UseCase(models.Model):
    """A KI-Steckbrief: what an AI use case does, who owns it, which tools and facts it has."""

    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    problem = models.TextField(_("problem and goal"), blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="usecases"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="owned_usecases"
    )
    contributors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("contributors"), blank=True, related_name="contributed_usecases"
    )
    tools = models.ManyToManyField("catalog.Tool", verbose_name=_("tools"), blank=True, related_name="usecases")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.IDEA)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submission = models.PositiveIntegerField(
        _("submission"), default=0, editable=False, help_text=_("How often it was submitted for a decision.")
    )
    submitted_at = models.DateTimeField(
        _("submitted"), null=True, blank=True, editable=False, help_text=_("When the latest submission began.")
    )
    decided_at = models.DateTimeField(
        _("decided"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the latest submission was approved or rejected."),
    )
    decision_digest = models.CharField(
        _("verdict of the decision"),
        max_length=32,
        blank=True,
        editable=False,
        help_text=_("The fingerprint of the verdict the current way to a decision follows."),
    )
    expected_hours_per_month = models.DecimalField(
        _("expected hours saved per month"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    expected_euros_per_year = models.DecimalField(
        _("expected value in euros per year"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    expected_benefit = models.TextField(_("expected benefit"), blank=True)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only the owning unit, AI governance, reviewers and auditors can see it."),
    )

    purposes = _multiple_fact_field("purposes")
    affected_people = _multiple_fact_field("affected_people")
    interacts_with_people = _single_fact_field("interacts_with_people")
    generated_content = _single_fact_field("generated_content")
    personal_data = _single_fact_field("personal_data")
    data_classification = _single_fact_field("data_classification")
    monitors_employees = _single_fact_field("monitors_employees")
    decision_role = _single_fact_field("decision_role")
    human_review = _single_fact_field("human_review")
    scale = _single_fact_field("scale")
    prohibited_practices = _multiple_fact_field("prohibited_practices")

    source = models.CharField(_("imported from"), max_length=40, blank=True, default="")
    source_id = models.CharField(_("id in the source"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(_("updated"), default=clock.now, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = UseCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("use case")
        verbose_name_plural = _("use cases")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "-updated_at"], name="usecase_unit_updated"),
            models.Index(fields=["stage", "-updated_at"], name="usecase_stage_updated"),
            models.Index(fields=["status", "-updated_at"], name="usecase_status_updated"),
            models.Index(fields=["title"], name="usecase_title"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source=""),
                name="usecase_unique_source_record",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def facts(self) -> dict[str, Any]:
        """The answers to the risk questions, by fact name (empty: not answered yet)."""
        return {fact.name: getattr(self, fact.name) for fact in FACTS}

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events (relations by readable key)."""
        snapshot: dict[str, object] = {
            "title": self.title,
            "summary": self.summary,
            "problem": self.problem,
            "unit": self.unit.code if self.unit_id else None,
            "owner": self.owner.username if self.owner_id else None,
            "stage": self.stage,
            "status": self.status,
            "expected_hours_per_month": self.expected_hours_per_month,
            "expected_euros_per_year": self.expected_euros_per_year,
            "expected_benefit": self.expected_benefit,
            "confidential": self.confidential,
            **self.facts(),
        }
        if self.pk:
            snapshot["tools"] = sorted(self.tools.values_list("name", flat=True))
            snapshot["contributors"] = sorted(self.contributors.values_list("username", flat=True))
        return snapshot
