"""The organisation: units as a tree, who belongs where, and who holds which role."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UnitKind(models.TextChoices):
    """The level of a unit in the tree."""

    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")
    TEAM = "team", _("Team")


class Role(models.TextChoices):
    """Roles of the product, assignable company-wide or for one unit (and its sub-units).

    Team leads are not a role here: a unit's ``lead`` and ``deputy`` lead it. Every person is an
    employee. The review roles' codes are the ones the guardrail rules route to.
    """

    DATA_PROTECTION = "data_protection", _("Data protection")
    INFORMATION_SECURITY = "information_security", _("Information security")
    WORKS_COUNCIL = "works_council", _("Works council")
    LEGAL = "legal", _("Legal and compliance")
    AI_GOVERNANCE = "ai_governance", _("AI governance")
    LEADERSHIP = "leadership", pgettext_lazy("role", "Leadership")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


#: The roles the guardrail rules route reviews to (the verdict's ``reviews`` codes), in display order.
REVIEW_ROLES = (Role.DATA_PROTECTION, Role.INFORMATION_SECURITY, Role.WORKS_COUNCIL, Role.LEGAL, Role.AI_GOVERNANCE)

#: Roles that only make sense for the whole company.
COMPANY_WIDE_ONLY = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})


class OrgUnit(models.Model):
    """A company, department or team, with a lead and an optional deputy.

    ``path`` holds the ids from the root down (``/1/4/9/``) so that "this unit and everything
    below it" is one indexed prefix query; services keep it current.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_units",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy_units",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    path = models.CharField(max_length=500, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "parent": self.parent.code if self.parent_id and self.parent else None,
            "lead": self.lead.username if self.lead_id and self.lead else None,
            "deputy": self.deputy.username if self.deputy_id and self.deputy else None,
        }

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, this unit included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class Membership(models.Model):
    """A person belongs to a unit (people may belong to several)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["person", "unit"], name="org_membership_unique")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"


class RoleAssignment(models.Model):
    """A person holds a role company-wide (``unit`` empty) or for one unit and its sub-units."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        help_text=_("Leave empty for the whole company."),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["person", "role", "unit"], name="org_role_unique_per_unit"),
            models.UniqueConstraint(
                fields=["person", "role"],
                condition=models.Q(unit__isnull=True),
                name="org_role_unique_company_wide",
            ),
        ]
        indexes = [models.Index(fields=["role", "unit"], name="org_role_by_unit")]

    def __str__(self) -> str:
        scope = self.unit.name if self.unit_id and self.unit else _("whole company")
        return f"{self.get_role_display()} ({scope})"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "person": self.person.username,
            "role": self.role,
            "unit": self.unit.code if self.unit_id and self.unit else None,
        }
