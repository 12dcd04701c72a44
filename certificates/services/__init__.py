"""Everything that changes certificates: issuing (issue_certificates: records, PDFs, marked
issued, exactly once; also re-issuing), new completions asking a worker once for a burst
(waiting), revocation, the participant's email, and work on a whole cohort at once (batches:
issue what is missing, re-issue, build a ZIP) in the background.
"""

from .batches import (
    build_certificate_archive,
    enqueue_certificate_batch,
    issue_batch_chunk,
    list_stalled_batches,
    start_certificate_batch,
    summarise_cohort_certificates,
)
from .changes import revoke_certificate
from .email import list_certificates_not_emailed, send_certificate_emails
from .issuing import (
    MAX_ATTEMPTS,
    IssuingOutcome,
    certificate_data,
    issue_certificates,
    list_enrolments_missing_a_certificate,
    verification_url,
)
from .storage import store_atomically
from .waiting import request_certificate, take_waiting_completions

__all__ = [
    "MAX_ATTEMPTS",
    "IssuingOutcome",
    "build_certificate_archive",
    "certificate_data",
    "enqueue_certificate_batch",
    "issue_batch_chunk",
    "issue_certificates",
    "list_certificates_not_emailed",
    "list_enrolments_missing_a_certificate",
    "list_stalled_batches",
    "request_certificate",
    "revoke_certificate",
    "send_certificate_emails",
    "start_certificate_batch",
    "store_atomically",
    "summarise_cohort_certificates",
    "take_waiting_completions",
    "verification_url",
]
