"""Template tags of the decision pages: an obligation's texts in the viewer's language."""

from __future__ import annotations

from django import template
from django.utils import translation

from leitplanke.decisions.models import Obligation

register = template.Library()


@register.simple_tag
def obligation_title(obligation: Obligation) -> str:
    """The title of ``obligation`` in the current language."""
    return obligation.title(translation.get_language() or "de")


@register.simple_tag
def obligation_description(obligation: Obligation) -> str:
    """The description of ``obligation`` in the current language."""
    return obligation.description(translation.get_language() or "de")
