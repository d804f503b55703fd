from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self):
        from accounts.signals import account_reauth_required
        from analytics.selectors import webhook_failure_counters
        from analytics.signals import sync_finished
        from webhooks.selectors import webhook_failures
        from webhooks.services import notify_account_reauth_required, notify_sync_finished

        # The organization metrics count webhook failures through this, never importing us.
        if webhook_failures not in webhook_failure_counters:
            webhook_failure_counters.append(webhook_failures)
        # Our own events reach the product's endpoints as the platforms' do.
        account_reauth_required.connect(
            notify_account_reauth_required, dispatch_uid="webhooks.notify_reauth"
        )
        sync_finished.connect(notify_sync_finished, dispatch_uid="webhooks.notify_sync")
