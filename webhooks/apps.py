from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self):
        from analytics.selectors import webhook_failure_counters
        from webhooks.selectors import webhook_failures

        # The organization metrics count webhook failures through this, never importing us.
        if webhook_failures not in webhook_failure_counters:
            webhook_failure_counters.append(webhook_failures)
