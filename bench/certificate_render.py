"""Bare certificate render rate, single process: `python bench/certificate_render.py`.

Not part of `make bench` yet; prints certificates per second for a Latin and an Arabic
certificate. Each render has its own participant name and verification code, as in production:
the renderer caches what repeats across a course's certificates (wording, organisation, course
title), and a benchmark drawing one certificate over and over would measure a cache instead.
Each figure is the median of a few rounds, because one noisy round says little.
"""

import itertools
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from certificates.pdf import CertificateData, render_certificate

COMMON = {
    "completion_date": date(2025, 3, 12),
    "hours": Decimal("12.5"),
    "cohort_name": "Spring 2025",
    "issuing_organisation": "Public Procurement and Human Rights Learning Lab",
    "signatory_name": "Amina Okafor",
    "signatory_title": "Programme Director",
    "verification_code": "7KQ2-M9XD-4HTP-WC3A",
    "verification_url": "https://learn.example.org/certificates/verify/7KQ2-M9XD-4HTP-WC3A/",
}
CASES = {
    "latin": {
        "participant_name": "José Núñez",
        "course_title": "Human Rights Due Diligence in Public Procurement",
        "language": "en",
    },
    "arabic": {
        "participant_name": "محمد عبد الله",
        "course_title": "العناية الواجبة بحقوق الإنسان في المشتريات العامة",
        "language": "ar",
    },
}
ROUNDS = 3
# Participants are numbered across rounds so that no round finds names shaped by the last.
_PARTICIPANTS = itertools.count()


def participant(data: CertificateData, n: int) -> CertificateData:
    """The same certificate for the n-th participant: another name, code and URL."""
    code = f"{n:04d}-{n * 7919 % 10_000:04d}-{n * 104_729 % 10_000:04d}-WC3A"
    return replace(
        data,
        participant_name=f"{data.participant_name} {n}",
        verification_code=code,
        verification_url=f"https://learn.example.org/certificates/verify/{code}/",
    )


def rate(data: CertificateData, seconds: float = 3.0) -> float:
    render_certificate(data)  # warm-up: fonts registered once per process
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        render_certificate(participant(data, next(_PARTICIPANTS)))
        count += 1
    return count / elapsed


def main() -> None:
    for label, fields in CASES.items():
        data = CertificateData(**COMMON, **fields)
        per_second = statistics.median(rate(data) for _ in range(ROUNDS))
        print(
            f"certificate render {label:6s}: {per_second:7.1f} per second "
            f"({1000 / per_second:.2f} ms each; 1 process, median of {ROUNDS} rounds)"
        )


if __name__ == "__main__":
    main()
