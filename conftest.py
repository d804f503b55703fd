import pytest
import responses
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.platforms import http
from accounts.platforms.tests.support import BASE_URLS, SCOPES, client_id, client_secret
from accounts.tests.clients import client_for
from accounts.tests.factories import MembershipFactory, OrganizationFactory, SocialAccountFactory


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles and rate limits live in the (real Redis) cache, account list pages and stats
    answers in the process's memory: each test starts clean."""
    in_memory = [caches[django_settings.ACCOUNT_LIST_CACHE], caches[django_settings.STATS_CACHE]]
    for store in (cache, *in_memory):
        store.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="Acme Corp")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Globex")


@pytest.fixture
def membership_with_role(organization):
    def make(role: str = Role.ADMIN, org=None):
        return MembershipFactory(organization=org or organization, role=role)

    return make


@pytest.fixture
def admin_membership(membership_with_role):
    return membership_with_role(Role.ADMIN)


@pytest.fixture
def api(admin_membership) -> APIClient:
    """A client signed in as an admin of `organization`."""
    return client_for(admin_membership)


@pytest.fixture
def account_factory(organization):
    def make(**kwargs):
        kwargs.setdefault("organization", organization)
        return SocialAccountFactory(**kwargs)

    return make


@pytest.fixture
def platform_settings(settings):
    """Every platform's app configured on its documented host, and the LinkedIn API version
    pinned, so that no test depends on the environment. Returns the settings to adjust."""
    settings.SOCIAL_PLATFORMS = {
        platform: {
            "CLIENT_ID": client_id(platform),
            "CLIENT_SECRET": client_secret(platform),
            "SCOPES": SCOPES[platform],
            **urls,
        }
        for platform, urls in BASE_URLS.items()
    }
    settings.SOCIAL_LINKEDIN_API_VERSION = "202607"
    return settings


@pytest.fixture
def platforms(platform_settings, monkeypatch):
    """Configured platform apps on their documented hosts, no real waiting on retries, and
    the platforms' HTTP answers as the test registers them."""
    monkeypatch.setattr(http, "sleep", lambda seconds: None)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def staff_client(client, db):
    """A client signed in to the admin as a superuser."""
    staff = get_user_model().objects.create_superuser("staff", "staff@example.com", "pw-staff-1")
    client.force_login(staff)
    return client
