from django.conf import settings
from rest_framework import permissions


class ModelPermissionsOrPublicRead(permissions.DjangoModelPermissions):
    """Reads are open to anyone (unless `POLICYTRACKER_PUBLIC_READ` is off, when they need an
    authenticated user); writes need an authenticated user with the model permission.

    Unauthenticated writes are answered 401, authenticated ones without the permission 403.
    """

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return settings.POLICYTRACKER_PUBLIC_READ or bool(
                request.user and request.user.is_authenticated
            )
        return super().has_permission(request, view)


class PublicRead(permissions.BasePermission):
    """For read-only views without a model (analysis, health): the public-read rule alone."""

    def has_permission(self, request, view):
        return settings.POLICYTRACKER_PUBLIC_READ or bool(
            request.user and request.user.is_authenticated
        )
