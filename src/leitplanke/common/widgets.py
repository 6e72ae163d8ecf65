"""Form widgets shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


class FastSelect(forms.Select):
    """A single-choice select rendered in Python.

    Django renders each option through a template include, which costs tens of milliseconds for
    the hundreds of units of a large organisation; this widget produces the same HTML directly.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        selected = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):  # option groups: Django's own rendering
                return super().render(name, value, attrs, renderer)
            text = "" if option_value is None else str(option_value)
            options.append((text, " selected" if text in selected else "", label))
        built = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            built["multiple"] = True
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt({key: val for key, val in built.items() if val not in (None, False)}),
            format_html_join("", '<option value="{}"{}>{}</option>', options),
        )
