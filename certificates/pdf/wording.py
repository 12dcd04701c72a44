"""What a certificate says: the default wording per language and how dates and hours are written.

Kept apart from the drawing so that translators and reviewers find every printed phrase in one
place. `WORDING_KEYS` is the set of phrases a course may override (`CertificateData.wording`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

LANGUAGES = ("en", "fr", "es", "ar")

# Wording per language. Placeholders: {date}, {hours}, {cohort}. Arabic uses a construction that
# needs no grammatical gender ("this certificate is awarded to ... for completing ...").
DEFAULT_WORDING: dict[str, dict[str, str]] = {
    "en": {
        "title": "Certificate of Completion",
        "before_name": "This is to certify that",
        "after_name": "has successfully completed the course",
        "cohort": "Cohort: {cohort}",
        "hours": "Duration: {hours} hours",
        "hours_one": "Duration: 1 hour",
        "date": "Completed on {date}",
        "code": "Verification code",
    },
    "fr": {
        "title": "Certificat de réussite",
        "before_name": "Le présent certificat atteste que",
        "after_name": "a terminé avec succès le cours",
        "cohort": "Cohorte\u00a0: {cohort}",
        "hours": "Durée\u00a0: {hours} heures",
        "hours_one": "Durée\u00a0: 1 heure",
        "date": "Achevé le {date}",
        "code": "Code de vérification",
    },
    "es": {
        "title": "Certificado de finalización",
        "before_name": "Se certifica que",
        "after_name": "ha completado satisfactoriamente el curso",
        "cohort": "Cohorte: {cohort}",
        "hours": "Duración: {hours} horas",
        "hours_one": "Duración: 1 hora",
        "date": "Finalizado el {date}",
        "code": "Código de verificación",
    },
    "ar": {
        "title": "شهادة إتمام",
        "before_name": "تُمنح هذه الشهادة إلى",
        "after_name": "لإتمام الدورة التدريبية بنجاح",
        "cohort": "الدفعة: {cohort}",
        "hours": "عدد الساعات: {hours}",
        "hours_one": "عدد الساعات: 1",
        "date": "تاريخ الإتمام: {date}",
        "code": "رمز التحقق",
    },
}
WORDING_KEYS = frozenset(DEFAULT_WORDING["en"])

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    ),
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}


def format_date(value: date, language: str) -> str:
    """The completion date as written in running text in `language` ("1er mars 2025")."""
    month = _MONTHS[language].split()[value.month - 1]
    if language == "en":
        return f"{value.day} {month} {value.year}"
    if language == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year}"
    if language == "es":
        return f"{value.day} de {month} de {value.year}"
    return f"{value.day} {month} {value.year}"


def format_hours(hours: Decimal, language: str) -> str:
    """Hours without trailing zeros, with the language's decimal separator ("12,5")."""
    text = format(Decimal(hours).normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if language in ("fr", "es") else text
