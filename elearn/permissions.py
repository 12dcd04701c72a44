"""API permissions shared by the apps."""

from rest_framework import exceptions, permissions


class StaffOnly(permissions.BasePermission):
    """Staff only. Signed-in users who are not staff get a 404, as on the pages, so that the
    endpoint's existence is not confirmed to them; anonymous clients get the usual 403
    not_authenticated."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if not request.user.is_staff:
            raise exceptions.NotFound()
        return True
