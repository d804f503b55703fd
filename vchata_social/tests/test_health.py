import pytest
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
