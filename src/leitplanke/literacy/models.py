"""AI literacy: the courses a company offers and who completed them, with a validity period.

This is the minimal model that approvals need ("the team lead holds the qualification the rule
bundle names"); coverage per unit and requirements per role build on it later.
"""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from leitplanke.common import clock


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 January + 1 month is the last day of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class Course(models.Model):
    """A course or training that teaches people to work with AI; its code is what rule bundles name."""

    code = models.SlugField(
        _("code"),
        max_length=60,
        unique=True,
        help_text=_("A short, stable key such as “ai-literacy-basics”; rule bundles name courses by it."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long a completion counts. Leave empty if it never expires."),
    )
    active = models.BooleanField(
        _("offered"), default=True, help_text=_("Courses no longer offered keep their completions.")
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "code": self.code,
            "title": self.title,
            "description": self.description,
            "validity_months": self.validity_months,
            "active": self.active,
        }

    def valid_until(self, completed_on: dt.date) -> dt.date | None:
        """The last day a completion on ``completed_on`` counts (``None``: it never expires)."""
        if self.validity_months is None:
            return None
        return add_months(completed_on, self.validity_months) - dt.timedelta(days=1)


class Completion(models.Model):
    """A person completed a course on a day; it counts until ``valid_until`` (inclusive)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="completions"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("completed on"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: the completion does not expire.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("For example the certificate number."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "completed_on"], name="literacy_completion_once_per_day"
            ),
        ]
        indexes = [models.Index(fields=["course", "person", "valid_until"], name="literacy_completion_valid")]

    def __str__(self) -> str:
        return f"{self.person} – {self.course} ({self.completed_on})"

    def audit_snapshot(self) -> dict[str, object]:
        """The fields recorded in audit events."""
        return {
            "person": self.person.username if self.person_id else None,
            "course": self.course.code if self.course_id else None,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "note": self.note,
        }

    def is_valid_on(self, day: dt.date) -> bool:
        """Whether the completion counts on ``day``."""
        return self.completed_on <= day and (self.valid_until is None or day <= self.valid_until)
