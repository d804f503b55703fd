"""Which organizations a staff member sees in the admin.

Superusers, and staff holding `accounts.view_all_organizations`, see every organization.
Any other staff member sees only the organizations chosen for them (StaffOrganizationAccess
rows, set on their user page by someone who sees everything), and none when none is chosen.
Every admin over organization data derives from OrganizationScopedAdmin, so its changelist,
change, history and delete pages and its actions (which act on the changelist's queryset)
all start from the same limited queryset; an object outside it is simply not found."""

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db.models import QuerySet

from accounts.models import StaffOrganizationAccess

VIEW_ALL_ORGANIZATIONS = "accounts.view_all_organizations"


def sees_every_organization(user) -> bool:
    return user.is_superuser or user.has_perm(VIEW_ALL_ORGANIZATIONS)


def visible_to_staff(queryset: QuerySet, *, user, organization_path: str) -> QuerySet:
    """`queryset` limited to the organizations `user` may see; `organization_path` leads from
    its model to the organization (`"organization"`, `"social_account__organization"`)."""
    if sees_every_organization(user):
        return queryset
    chosen = StaffOrganizationAccess.objects.filter(user=user).values("organization_id")
    return queryset.filter(**{f"{organization_path}__in": chosen})


class OrganizationScopedAdmin(admin.ModelAdmin):
    organization_path = "organization"

    def get_queryset(self, request):
        return visible_to_staff(
            super().get_queryset(request),
            user=request.user,
            organization_path=self.organization_path,
        )

    def has_act_permission(self, request) -> bool:
        """Whether `request.user` may run this admin's actions (refresh, sync, retry,
        disconnect…): the model's change permission, which a read-only admin page does not
        offer as a form but still grants or withholds; viewing alone never acts."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}")
