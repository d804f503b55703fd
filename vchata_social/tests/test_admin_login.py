"""The admin's login page is throttled per client address and per username (shared with
the API's sign-in), says so on the page, and is served on the path ADMIN_URL_PATH names."""

import importlib

import pytest
from django.test import Client
from django.urls import clear_url_caches
from rest_framework.test import APIClient

from accounts.tests.factories import TEST_PASSWORD, UserFactory
from vchata_social import urls
from vchata_social.tests.test_settings import import_settings, settings_values

ADDRESS_LIMIT = 10  # ADMIN_LOGIN_THROTTLE_RATE's default
USERNAME_LIMIT = 30  # AUTH_USERNAME_THROTTLE_RATE's default
LOGIN = "/admin/login/"


def log_in(client: Client, username: str, password: str = "wrong", **environ):
    return client.post(LOGIN, {"username": username, "password": password}, **environ)


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many sign-in attempts. Try again in" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


@pytest.fixture
def staff(db):
    return UserFactory(username="operator", is_staff=True)


@pytest.mark.django_db
def test_a_staff_member_signs_in(client, staff):
    response = log_in(client, "operator", TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


@pytest.mark.django_db
def test_one_address_is_throttled_whatever_the_username_or_forwarded_header(
    client, settings, staff
):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(ADDRESS_LIMIT):
        response = log_in(client, f"user-{attempt}", HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    # Past the limit even the right password is not checked.
    assert_throttled(log_in(client, "operator", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.1"))
    # Another address is not held back.
    assert log_in(Client(REMOTE_ADDR="203.0.113.9"), "operator", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_client_address_counts_alone(client, settings, staff):
    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for attempt in range(ADDRESS_LIMIT):
        assert log_in(client, f"user-{attempt}", **behind_proxy).status_code == 200
    assert_throttled(log_in(client, "user-last", **behind_proxy))
    other = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.8"}
    assert log_in(client, "operator", TEST_PASSWORD, **other).status_code == 302


@pytest.mark.django_db
def test_one_username_from_many_addresses_is_throttled(staff):
    for attempt in range(USERNAME_LIMIT):
        response = log_in(Client(REMOTE_ADDR=f"198.51.100.{attempt}"), "operator")
        assert response.status_code == 200
    assert_throttled(log_in(Client(REMOTE_ADDR="192.0.2.77"), "operator", TEST_PASSWORD))
    # Other staff are not locked out by it.
    other = UserFactory(username="other-operator", is_staff=True)
    assert (
        log_in(Client(REMOTE_ADDR="192.0.2.78"), other.username, TEST_PASSWORD).status_code == 302
    )


@pytest.mark.django_db
def test_the_api_and_the_admin_count_attempts_on_a_username_together(staff):
    for attempt in range(USERNAME_LIMIT):
        response = APIClient(REMOTE_ADDR=f"198.51.100.{attempt}").post(
            "/auth/token", {"username": "operator", "password": "wrong"}, format="json"
        )
        assert response.status_code == 401
    assert_throttled(log_in(Client(REMOTE_ADDR="192.0.2.77"), "operator", TEST_PASSWORD))


@pytest.mark.django_db
def test_the_login_page_itself_is_not_counted(client):
    for _ in range(ADDRESS_LIMIT + 1):
        assert client.get(LOGIN).status_code == 200
    assert log_in(client, "nobody").status_code == 200


@pytest.fixture
def admin_at(settings):
    """Mounts the admin at another path, as ADMIN_URL_PATH does when the service starts."""

    def mount(path: str) -> None:
        settings.ADMIN_URL_PATH = path
        importlib.reload(urls)
        clear_url_caches()

    yield mount
    settings.ADMIN_URL_PATH = "admin/"
    importlib.reload(urls)
    clear_url_caches()


@pytest.mark.django_db
def test_the_admin_is_served_where_admin_url_path_says(client, admin_at, staff):
    admin_at("ops-7f3k/")
    assert client.get("/ops-7f3k/login/").status_code == 200
    # The old path is an unknown API path now; an unknown page under the new one is the admin's.
    assert client.get("/admin/login/").json()["statusCode"] == 404
    assert client.get("/ops-7f3k/no/such/page/")["Content-Type"].startswith("text/html")
    response = client.post("/ops-7f3k/login/", {"username": "operator", "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_admin_url_path_is_read_with_one_trailing_slash():
    assert settings_values("ADMIN_URL_PATH", DEBUG="true") == {"ADMIN_URL_PATH": "admin/"}
    read = settings_values("ADMIN_URL_PATH", DEBUG="true", ADMIN_URL_PATH="/ops/console")
    assert read == {"ADMIN_URL_PATH": "ops/console/"}


@pytest.mark.parametrize("path", ["/", "  ", "ops//console"])
def test_an_admin_url_path_that_is_no_path_is_refused(path):
    result = import_settings(DEBUG="true", ADMIN_URL_PATH=path)
    assert result.returncode != 0
    assert "ADMIN_URL_PATH" in result.stderr
