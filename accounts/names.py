"""Names as certificates print them: one normal form, and what a name must have.

A full name is printed on certificates exactly as given, in any script, so it is kept as the
person wrote it except for what cannot print: control characters (BEL, ESC...), invisible
format characters (zero-width spaces, bidi embeddings, overrides and isolates, which would
reorder the rest of the certificate's line) and runs of whitespace. The zero-width joiner and
non-joiner stay: Persian, Arabic and Indic names need them to be shaped right.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Combining marks one letter may carry. Real names need up to three or four (an Arabic letter
# with shadda and a vowel; a Tibetan stack; a Devanagari conjunct's signs); dozens only stack
# marks over the lines around the name.
MAX_MARKS_PER_LETTER = 5

_JOINERS = {"\u200c", "\u200d"}  # zero-width non-joiner and joiner


def normalise_full_name(name: str) -> str:
    """The name in NFC, without control or invisible format characters (but the joiners),
    with each run of whitespace as one space and none at either end."""
    kept = []
    for character in unicodedata.normalize("NFC", name):
        category = unicodedata.category(character)
        if character.isspace():
            kept.append(" ")
        elif category == "Cc" or (category == "Cf" and character not in _JOINERS):
            continue
        else:
            kept.append(character)
    return " ".join("".join(kept).split())


def validate_full_name(name: str) -> None:
    """Refuse a name with no letter, or with more than MAX_MARKS_PER_LETTER combining marks
    on one letter."""
    if not any(unicodedata.category(c).startswith("L") for c in name):
        raise ValidationError(_("A name needs at least one letter."), code="no_letter")
    marks = 0
    for character in name:
        marks = marks + 1 if unicodedata.category(character).startswith("M") else 0
        if marks > MAX_MARKS_PER_LETTER:
            raise ValidationError(
                _("Too many accents or marks on one letter (at most %(limit)d)."),
                code="too_many_marks",
                params={"limit": MAX_MARKS_PER_LETTER},
            )
