"""Enrolment of many people at once, by sub-domain: `reading` (the CSV of addresses and its
rules), `uploads` (the preview, applied all or nothing) and `invitations` (for addresses that
have no account yet: the email, its acceptance, the sweep).

Every public name is importable from here, as before the split. The reads for the facilitator
pages (list_managed_cohorts, offers_facilitation) live in courses.selectors.access.
"""

from ...selectors.access import list_managed_cohorts, offers_facilitation
from .invitations import (
    PENDING_AFTER,
    accept_invitations,
    resend_pending_invitations,
    send_invitation,
)
from .reading import (
    HEADER_CELLS,
    MAX_NAME_LENGTH,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_ROWS,
    UploadRow,
    parse_enrolment_csv,
)
from .uploads import (
    ACTIONS,
    ALREADY,
    ENROL,
    INVITE,
    MOVE,
    UploadPreview,
    UploadSummary,
    apply_enrolment_upload,
    describe_upload,
    preview_enrolment_upload,
)

__all__ = [
    "ACTIONS",
    "ALREADY",
    "ENROL",
    "HEADER_CELLS",
    "INVITE",
    "MAX_NAME_LENGTH",
    "MAX_UPLOAD_BYTES",
    "MAX_UPLOAD_ROWS",
    "MOVE",
    "PENDING_AFTER",
    "UploadPreview",
    "UploadRow",
    "UploadSummary",
    "accept_invitations",
    "apply_enrolment_upload",
    "describe_upload",
    "list_managed_cohorts",
    "offers_facilitation",
    "parse_enrolment_csv",
    "preview_enrolment_upload",
    "resend_pending_invitations",
    "send_invitation",
]
