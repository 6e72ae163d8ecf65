"""FastSelect renders exactly the HTML of Django's own Select, only faster."""

from __future__ import annotations

import pytest
from django import forms
from django.test.html import parse_html

from leitplanke.common.widgets import FastSelect

CHOICES = [("", "All units"), (1, "Finanzen (fin)"), (2, "– Buchhaltung <Kreditoren> (fin-buha)"), (3, "Personal")]


def _rendered(widget: forms.Select, value: object) -> object:
    return parse_html(str(widget.render("unit", value, attrs={"id": "id_unit", "required": True})))


@pytest.mark.parametrize("value", [None, "", 2, "2", "99"])
def test_a_fast_select_renders_the_same_options_and_selection_as_djangos_select(value: object) -> None:
    # Given the same choices and value, when both widgets render, then the HTML is the same.
    assert _rendered(FastSelect(choices=CHOICES), value) == _rendered(forms.Select(choices=CHOICES), value)


def test_a_fast_select_escapes_labels() -> None:
    html = str(FastSelect(choices=CHOICES).render("unit", None))
    assert "&lt;Kreditoren&gt;" in html
    assert "<Kreditoren>" not in html


def test_option_groups_fall_back_to_djangos_rendering() -> None:
    grouped = [("Finanzen", [(1, "Buchhaltung"), (2, "Controlling")]), (3, "Personal")]
    assert _rendered(FastSelect(choices=grouped), 2) == _rendered(forms.Select(choices=grouped), 2)
