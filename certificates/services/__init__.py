"""Everything that changes certificates: issuing (record, PDF, exactly once; new completions
together, a batch at a time), changes to issued certificates (revoke, re-issue), the
participant's email, and work on a whole cohort at once (batches: issue what is missing,
re-issue, build a ZIP) in the background.
"""

from .batches import (
    can_start_batch,
    list_stalled_batches,
    run_certificate_batch,
    start_certificate_batch,
    summarise_cohort_certificates,
)
from .changes import reissue_certificate, revoke_certificate
from .email import (
    list_certificates_not_emailed,
    send_certificate_email,
    send_certificate_emails,
)
from .issuing import (
    certificate_data,
    issue_certificate,
    list_enrolments_missing_a_certificate,
    record_failure,
    verification_url,
)
from .storage import store_atomically
from .together import (
    claim_new_certificates,
    issue_claimed_certificates,
    wake_certificate_issuing,
)

__all__ = [
    "can_start_batch",
    "certificate_data",
    "claim_new_certificates",
    "issue_certificate",
    "issue_claimed_certificates",
    "list_certificates_not_emailed",
    "list_enrolments_missing_a_certificate",
    "list_stalled_batches",
    "record_failure",
    "reissue_certificate",
    "revoke_certificate",
    "run_certificate_batch",
    "send_certificate_email",
    "send_certificate_emails",
    "start_certificate_batch",
    "store_atomically",
    "summarise_cohort_certificates",
    "verification_url",
    "wake_certificate_issuing",
]
