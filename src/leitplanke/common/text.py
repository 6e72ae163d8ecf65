"""Names and titles people give things: visible text on one line, without tricks.

A title that is only spaces or zero-width characters looks empty in every list; a right-to-left
override (U+202E) makes ``Rechnung‮fdp.exe`` read as something it is not; control characters break
e-mails, CSV exports and terminals. :func:`clean_title` refuses all of these for every free-text
name a service stores (use-case titles, unit, tool and course names, webhook descriptions, token
names, people's display names): the services pass those fields to
:func:`leitplanke.common.errors.full_clean`, which forms, the API and the imports all go through.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

#: Characters that reorder the text around them (Unicode bidirectional formatting characters).
BIDI_CONTROLS = frozenset(
    "\u061c"  # Arabic letter mark
    "\u200e\u200f"  # left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides (U+202E: right-to-left override)
    "\u2066\u2067\u2068\u2069"  # isolates
)
#: What a title may not contain: the control characters (Unicode category Cc: C0, DEL, C1), the
#: line and paragraph separators (Zl, Zp) and the bidirectional formatting characters.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI_CONTROLS)) + "]")
#: Letters and symbols that render as nothing although Unicode does not class them as spaces.
_BLANK_LOOKING = frozenset("\u115f\u1160\u2800\u3164\uffa0\u034f")


def _invisible(char: str) -> bool:
    """Whether ``char`` shows nothing: a space, a format character (zero-width space, joiner, BOM,
    soft hyphen …) or a letter that renders blank."""
    return char.isspace() or unicodedata.category(char) == "Cf" or char in _BLANK_LOOKING


def clean_title(value: str) -> str:
    """``value`` without surrounding spaces; a ``ValidationError`` (code ``title``) when it has no
    visible character, a control character (C0, DEL, C1, line separators) or a text-direction mark.
    An empty value is returned as it is: whether it may be empty is the model's business (``blank``)."""
    if not isinstance(value, str):
        return value
    cleaned = value.strip()
    forbidden = _FORBIDDEN.search(cleaned)
    if forbidden is not None:
        raise ValidationError(
            _("Control characters and text-direction marks are not allowed here (found U+%(code)04X).")
            % {"code": ord(forbidden.group())},
            code="title",
        )
    if cleaned and all(_invisible(char) for char in cleaned):
        raise ValidationError(_("Enter visible characters, not only spaces or invisible ones."), code="title")
    return cleaned
