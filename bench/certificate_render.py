"""Bare certificate render rate, single process: `python bench/certificate_render.py`.

Not part of `make bench` yet; prints certificates per second for a Latin and an Arabic
certificate.
"""

import sys
import time
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


def rate(data: CertificateData, seconds: float = 3.0) -> float:
    render_certificate(data)  # warm-up: fonts registered once per process
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        render_certificate(data)
        count += 1
    return count / elapsed


def main() -> None:
    for label, fields in CASES.items():
        data = CertificateData(**COMMON, **fields)
        print(f"certificate render {label:6s}: {rate(data):7.1f} per second (1 process)")


if __name__ == "__main__":
    main()
