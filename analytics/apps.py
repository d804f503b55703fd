from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "analytics"

    def ready(self):
        from django.db.models.signals import post_delete

        from accounts.models import SocialAccount
        from accounts.signals import account_disconnected
        from analytics.stats_cache import forget_account

        # A cached answer is served without reading the account again: one that is gone
        # takes its answers with it.
        account_disconnected.connect(forget_account, dispatch_uid="analytics.forget_account")
        post_delete.connect(
            forget_account, sender=SocialAccount, dispatch_uid="analytics.forget_deleted"
        )
