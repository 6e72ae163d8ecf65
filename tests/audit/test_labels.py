"""History labels come from the models, else from the keys the apps register; never a raw key."""

from __future__ import annotations

from django.utils import translation

from leitplanke.audit.labels import field_label


def test_a_model_field_is_labelled_by_its_verbose_name() -> None:
    with translation.override("de"):
        label, choices = field_label("usecases.usecase", "stage")
    assert label == "Phase"
    assert choices["production"] == "Produktion"


def test_a_reverse_relation_is_not_a_field_of_the_history() -> None:
    # "reviews" and "obligations" are reverse relations of the use case, and keys of verdict events
    with translation.override("de"):
        assert field_label("usecases.usecase", "reviews")[0] == "Prüfungen"
        assert field_label("usecases.usecase", "obligations")[0] == "Auflagen"


def test_an_unknown_key_is_shown_as_it_is() -> None:
    assert field_label("usecases.usecase", "no_such_key") == ("no_such_key", {})
