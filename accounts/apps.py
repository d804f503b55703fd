from django.apps import AppConfig
from django.core import checks

from accounts.checks import PLATFORMS_TAG, linkedin_api_version_check


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        checks.register(linkedin_api_version_check, PLATFORMS_TAG)
