from django.utils.translation import gettext_lazy as _

from elearn.errors import DomainError


class PackageError(DomainError):
    """A course package that cannot be imported; the message names the file and line."""

    code = "invalid_package"
    default_message = _("The course package is not valid.")

    def __init__(self, message, *, file=None, line=None):
        self.file = file
        self.line = line
        where = ""
        if file:
            where = f"{file}, line {line}: " if line else f"{file}: "
        super().__init__(f"{where}{message}")


class EnrolmentClosed(DomainError):
    code = "enrolment_closed"
    status_code = 409
    default_message = _("Enrolment in this cohort is closed.")


class CohortFull(DomainError):
    code = "cohort_full"
    status_code = 409
    default_message = _("This cohort is full.")


class WrongEnrolmentKey(DomainError):
    code = "wrong_enrolment_key"
    status_code = 403
    default_message = _("The enrolment key is not right.")


class AlreadyEnrolled(DomainError):
    code = "already_enrolled"
    status_code = 409
    default_message = _("You are already enrolled in this course.")


class NotEnrolled(DomainError):
    code = "not_enrolled"
    status_code = 403
    default_message = _("Enrol in the course first.")


class NotAllowed(DomainError):
    code = "not_allowed"
    status_code = 403
    default_message = _("You are not allowed to do this.")


class EnrolmentCompleted(DomainError):
    """A move a completed enrolment cannot make (raised by Enrolment's model methods)."""

    code = "enrolment_completed"
    status_code = 409
    default_message = _("A completed enrolment cannot be withdrawn.")


class EnrolmentWithdrawn(DomainError):
    """A move a withdrawn enrolment cannot make (raised by Enrolment's model methods)."""

    code = "enrolment_withdrawn"
    status_code = 409
    default_message = _(
        "A withdrawn enrolment cannot be completed: enrol in the course again first."
    )


class InvalidUpload(DomainError):
    """A list of addresses that cannot be enrolled as it is; `problems` holds every bad line.

    Each problem is a (line, message) pair; line is None for a problem with the whole file.
    """

    code = "invalid_upload"
    status_code = 400
    default_message = _("The list has problems; nobody was enrolled.")

    def __init__(self, problems, message=None):
        self.problems = list(problems)
        super().__init__(message)


class UploadAlreadyApplied(DomainError):
    code = "already_applied"
    status_code = 409
    default_message = _("This list has already been enrolled.")


class InvalidExtension(DomainError):
    code = "invalid_extension"
    status_code = 400
    default_message = _("This due date cannot be given.")


class InvalidMessage(DomainError):
    """A message to participants that cannot be sent as it is; `field` names the input at fault
    (subject, body, audience or enrolments), for forms."""

    code = "invalid_message"
    status_code = 400
    default_message = _("This message cannot be sent as it is.")

    def __init__(self, message=None, *, field=None):
        self.field = field
        super().__init__(message)


class NoRecipients(DomainError):
    code = "no_recipients"
    status_code = 400
    default_message = _("Nobody would receive this message.")


class RequestKeyReused(DomainError):
    """The request key of a message already sent, given again with another message."""

    code = "request_key_reused"
    status_code = 422
    default_message = _(
        "This request key was used for another message: give a new key for a new message."
    )
