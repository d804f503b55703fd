from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connections
from django.test import Client

from vchata_social import health


@pytest.mark.django_db
def test_healthy_service_answers_200():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_a_failing_cache_is_named_with_503(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "failing"}
    assert response.json()["message"] == "Unavailable: cache"


@pytest.mark.django_db
def test_a_failing_database_is_named_with_503(monkeypatch):
    unreachable = connections.create_connection("default")
    unreachable.settings_dict = {**unreachable.settings_dict, "PORT": "1"}
    monkeypatch.setattr(health, "connection", unreachable)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failing"


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_current_settings_give_no_warnings(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202607"
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["warnings"] == []


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False)
def test_a_stale_platform_setting_is_reported_without_503(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "202511"
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    [warning] = response.json()["warnings"]
    assert warning.startswith("accounts.W001: SOCIAL_LINKEDIN_API_VERSION 202511 is 12 months old")


@pytest.mark.django_db
def test_a_malformed_platform_setting_is_reported_without_503(settings):
    settings.SOCIAL_LINKEDIN_API_VERSION = "latest"
    response = Client().get("/healthz")
    assert response.status_code == 200
    [warning] = response.json()["warnings"]
    assert warning.startswith("accounts.E001: ")
