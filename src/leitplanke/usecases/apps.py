from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsecasesConfig(AppConfig):
    """The use-case registry: the KI-Steckbrief, its owners, the library, import and export."""

    name = "leitplanke.usecases"
    verbose_name = _("Use cases")

    def ready(self) -> None:
        from leitplanke.audit.labels import register_actions, register_fields
        from leitplanke.audit.selectors import register_hidden

        from . import permissions  # noqa: F401  (registers the use cases' permissions)
        from .facts import FACTS
        from .selectors import usecases_hidden_from

        register_actions(
            {
                "usecase.created": _("Use case created"),
                "usecase.updated": _("Use case changed"),
                "usecase.submitted": _("Use case submitted"),
            }
        )
        # Multi-select facts are JSON lists without model choices: name their answers for histories.
        register_fields({fact.name: (fact.question, fact.choices) for fact in FACTS if fact.multiple})
        # The audit log seals the events of a confidential use case for readers who may not see it.
        register_hidden("usecases.usecase", usecases_hidden_from)
