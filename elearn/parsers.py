"""The API's request parsers: DRF's, refusing what must not be stored (elearn.input).

A body nested deeper than elearn.input.MAX_JSON_DEPTH, or deep enough to exhaust Python's JSON
parser, is a parse error (400); text the database cannot hold is a validation error (400)
naming the field. The body's size is limited by Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which DRF
applies when it reads the body (errors.api_exception_handler turns it into a 400).
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from .input import find_unstorable_fields, find_unstorable_text


def _too_deep() -> ParseError:
    return ParseError(_("The request body is nested too deeply."))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise _too_deep() from None
        try:
            errors = find_unstorable_text(data)
        except ValueError:
            raise _too_deep() from None
        if errors:
            raise ValidationError(errors)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if errors := find_unstorable_fields(data.lists()):
            raise ValidationError(errors)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        if errors := find_unstorable_fields(parsed.data.lists()):
            raise ValidationError(errors)
        return parsed
