"""Sign-in throttles: per client address (as TRUSTED_PROXY_COUNT reads it, never a header the
client writes) and per username (from any number of addresses)."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

ADDRESS_LIMIT = 20  # AUTH_THROTTLE_RATE's default
USERNAME_LIMIT = 30  # AUTH_USERNAME_THROTTLE_RATE's default
PROXY = "10.0.0.1"


def sign_in(username: str, **environ):
    return APIClient().post(
        "/auth/token", {"username": username, "password": "wrong"}, format="json", **environ
    )


def assert_throttled(response) -> None:
    assert response.status_code == 429
    body = response.json()
    assert body == {
        "success": False,
        "statusCode": 429,
        "message": body["message"],
        "error": "Too Many Requests",
    }
    assert body["message"].startswith("Request was throttled")
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_a_new_x_forwarded_for_on_each_attempt_is_still_throttled(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A different username each time, so that only the address can be what is counted.
    for attempt in range(ADDRESS_LIMIT):
        response = sign_in(f"user-{attempt}", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
        assert response.status_code == 401
    assert_throttled(sign_in("user-last", HTTP_X_FORWARDED_FOR="198.51.100.250"))


@pytest.mark.django_db
def test_behind_one_proxy_the_address_it_adds_is_what_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(ADDRESS_LIMIT):
        response = sign_in(
            f"user-{attempt}",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}, 203.0.113.7",
        )
        assert response.status_code == 401
    spoofed = f"192.0.2.{ADDRESS_LIMIT}, 203.0.113.7"
    assert_throttled(sign_in("user-last", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=spoofed))
    # Another client behind the same proxy has its own count.
    other_client = sign_in("user-last", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other_client.status_code == 401


@pytest.mark.django_db
def test_one_username_from_many_addresses_is_throttled(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    target = UserFactory()
    for attempt in range(USERNAME_LIMIT):
        response = sign_in(target.username, REMOTE_ADDR=f"198.51.100.{attempt}")
        assert response.status_code == 401
    assert_throttled(sign_in(target.username, REMOTE_ADDR="198.51.100.250"))
    # Other users are not locked out by it.
    assert sign_in("someone-else", REMOTE_ADDR="198.51.100.251").status_code == 401


@pytest.mark.django_db
def test_token_refresh_is_throttled_per_client_address_too(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient()
    for attempt in range(ADDRESS_LIMIT):
        response = client.post(
            "/auth/token/refresh",
            {"refreshToken": "garbage"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
        assert response.status_code == 401
    assert_throttled(
        client.post(
            "/auth/token/refresh",
            {"refreshToken": "garbage"},
            format="json",
            HTTP_X_FORWARDED_FOR="198.51.100.250",
        )
    )
