import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vchata_social.settings")

app = Celery("vchata_social")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
