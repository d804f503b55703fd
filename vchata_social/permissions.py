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
