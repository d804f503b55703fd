from django.apps import AppConfig
from django.core import checks

from accounts.checks import PLATFORMS_TAG, linkedin_api_version_check


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun

        from accounts.schedule import record_scheduled_task_finish, record_scheduled_task_start

        checks.register(linkedin_api_version_check, PLATFORMS_TAG)
        task_prerun.connect(record_scheduled_task_start, dispatch_uid="accounts.schedule.start")
        task_postrun.connect(record_scheduled_task_finish, dispatch_uid="accounts.schedule.finish")
