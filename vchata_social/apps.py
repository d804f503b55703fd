from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin, served by our site (its login is throttled)."""

    default_site = "vchata_social.admin_site.AdminSite"
