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
