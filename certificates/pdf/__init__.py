"""Certificate PDF renderer: a pure function from plain data to PDF bytes.

`render_certificate(CertificateData(...))` returns one landscape page whose text is real,
extractable text in embedded (subset) Noto fonts, in English, French, Spanish or Arabic, with
names in any of the scripts the fonts cover, and a QR code linking to the verification page.

The package is split by concern:

- `wording`: the printed phrases per language, dates and hours as written in each language;
- `ordering`: a line cut into runs of one direction, in the Unicode Bidirectional Algorithm's
  order (python-bidi);
- `shaping`: fonts, HarfBuzz shaping of those runs and the ToUnicode maps that keep text
  extractable;
- `fitting`: each element kept inside its box on the page, whatever the text: shrunk down to a
  legible minimum, then wrapped, then cut short with an ellipsis;
- `qr`: the verification QR code as vector rectangles;
- `layout`: where everything sits on the page, and writing the PDF.

Fonts are registered once per process, lazily. The renderer shares them across calls and is
meant for one thread per process (Celery prefork workers, gunicorn sync workers).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from .layout import PAPERS, Layout
from .wording import LANGUAGES, WORDING_KEYS

__all__ = ["LANGUAGES", "PAPERS", "WORDING_KEYS", "CertificateData", "render_certificate"]

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True, kw_only=True)
class CertificateData:
    """Everything printed on one certificate; validated on construction (ValueError)."""

    participant_name: str
    course_title: str
    language: str
    completion_date: date
    issuing_organisation: str
    signatory_name: str
    signatory_title: str
    verification_code: str
    verification_url: str
    cohort_name: str = ""
    hours: Decimal | None = None
    paper: str = "A4"
    logo_png: bytes | None = None
    primary_colour: str = "#1F3A5F"
    accent_colour: str = "#B08D57"
    wording: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in (
            "participant_name",
            "course_title",
            "issuing_organisation",
            "verification_code",
            "verification_url",
        ):
            if not str(getattr(self, name) or "").strip():
                raise ValueError(f"{name} must not be empty")
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")
        if self.paper not in PAPERS:
            raise ValueError(f"unknown paper {self.paper!r}; expected one of {tuple(PAPERS)}")
        if not isinstance(self.completion_date, date):
            raise ValueError("completion_date must be a date")
        if self.hours is not None and Decimal(self.hours) <= 0:
            raise ValueError("hours must be positive")
        for name in ("primary_colour", "accent_colour"):
            if not _HEX.match(getattr(self, name)):
                raise ValueError(f"{name} must be a #RRGGBB colour")
        unknown = set(self.wording) - WORDING_KEYS
        if unknown:
            raise ValueError(f"unknown wording keys: {sorted(unknown)}")
        if self.logo_png is not None and not self.logo_png.startswith(b"\x89PNG"):
            raise ValueError("logo_png must be PNG bytes")


def render_certificate(data: CertificateData) -> bytes:
    """Render one certificate to PDF bytes. Pure: no I/O besides reading the bundled fonts."""
    return Layout(data).render()
