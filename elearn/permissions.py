"""API permissions shared by the apps."""

from rest_framework import exceptions, permissions


class StaffOnly(permissions.BasePermission):
    """Staff only. Signed-in users who are not staff get a 404, as on the pages, so that the
    endpoint's existence is not confirmed to them; anonymous clients get the usual 401
    not_authenticated. A method the view does not handle is let through to the view's 405:
    the schema already names the path, and a 404 there would wrongly say the method might
    exist for someone else."""

    def has_permission(self, request, view):
        method = request.method.lower()
        if method not in view.http_method_names or not hasattr(view, method):
            return True  # the view answers 405 Method Not Allowed
        if not request.user or not request.user.is_authenticated:
            return False
        if not request.user.is_staff:
            raise exceptions.NotFound()
        return True
