from rest_framework.permissions import SAFE_METHODS, BasePermission


class HasOrganizationRole(BasePermission):
    """Every member reads; only members whose role may write (admin, owner) write.

    `request.auth` is the caller's membership of the organization in their token."""

    message = "Insufficient permissions for this operation"

    def has_permission(self, request, view) -> bool:
        membership = request.auth
        if membership is None:
            return False
        return request.method in SAFE_METHODS or membership.can_write


class ManagesOrganization(BasePermission):
    """Only members whose role may write (admin, owner), for reads too: what these endpoints
    show (where the organization's events go) is for those who manage it."""

    message = HasOrganizationRole.message

    def has_permission(self, request, view) -> bool:
        membership = request.auth
        return membership is not None and membership.can_write
