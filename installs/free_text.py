"""
Free text typed by people (reasons, notes, names): the one rule for what it
may contain.

NUL and the other control characters are refused everywhere: PostgreSQL
refuses NUL in text (a 500 if it reached the database), and an invisible
character in an audit reason makes the trail lie about what was written. The
bidirectional overrides (U+202A–U+202E, U+2066–U+2069) are refused too: they
make a reason read differently from what is stored.

A reason is one line (a text input): no line breaks or tabs either. A
multi-line field (a textarea, e.g. the grid's paste box) keeps tab, line feed
and carriage return, because pasted table rows are made of them.

Forms use ``OneLineTextValidator`` (installs.forms.OneLineTextField); the
grid's paste box calls ``text_error(..., multiline=True)``; the services call
``text_error`` again, so a command or any other caller cannot bypass it.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

LINE_BREAKS = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def forbidden_character(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first character free text may not contain, as (1-based position, character); else None."""
    for position, char in enumerate(text, start=1):
        if multiline and char in LINE_BREAKS:
            continue
        # Cc: C0/C1 controls (NUL, tab, line breaks, DEL, ...); Cs: lone surrogates;
        # Zl/Zp: the Unicode line and paragraph separators (a line break by another name).
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp") or char in BIDI_CONTROLS:
            return position, char
    return None


def text_error(text: str, *, multiline: bool = False) -> str | None:
    """The message (in the user's language) for text that may not be stored, else None."""
    found = forbidden_character(text or "", multiline=multiline)
    if found is None:
        return None
    position, char = found
    params = {"position": position, "code": f"U+{ord(char):04X}"}
    if char in LINE_BREAKS:
        return _("Write it on one line: character %(position)d is a line break or tab.") % params
    return (
        _(
            "Character %(position)d is an invisible control character (%(code)s); "
            "delete it and type the text again."
        )
        % params
    )


def is_blank(text: str) -> bool:
    """
    True when the text shows nothing: only spaces and invisible format characters
    (a zero-width space, a word joiner, a byte-order mark). Such a reason would read
    as blank in the audit trail, so where a reason is needed it counts as none.
    """
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text or "")


@deconstructible
class OneLineTextValidator:
    """For a text input: no control characters, no line breaks."""

    code = "control_character"

    def __call__(self, value) -> None:
        message = text_error(str(value))
        if message:
            raise ValidationError(message, code=self.code)

    def __eq__(self, other) -> bool:
        return type(self) is type(other)
