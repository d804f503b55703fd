import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms.errors import (
    PlatformPermissionDenied,
    PlatformRateLimited,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.tests.support import (
    ACCESS_TOKEN,
    assert_no_secrets,
    client_id,
    client_secret,
    load_fixture,
)

GRAPH = "https://graph.facebook.com/v23.0"
facebook = get_client("FACEBOOK")


def test_refresh_exchanges_the_token_for_a_long_lived_one(mocked, credentials):
    mocked.get(
        f"{GRAPH}/oauth/access_token",
        match=[
            matchers.query_param_matcher(
                {
                    "grant_type": "fb_exchange_token",
                    "client_id": client_id("FACEBOOK"),
                    "client_secret": client_secret("FACEBOOK"),
                    "fb_exchange_token": ACCESS_TOKEN,
                }
            )
        ],
        json=load_fixture("facebook", "refresh_success"),
    )

    grant = facebook.refresh_token(credentials)

    assert grant.access_token == "EAAGm0PX4ZCpsBAL0ng1iv3dUs3rT0k3n"
    assert grant.expires_in == 5183944
    assert grant.refresh_token is None  # nothing to rotate: the token itself is extended
    assert grant.token_type == "bearer"


def test_refresh_of_an_expired_token_requires_reauth(mocked, credentials):
    mocked.get(
        f"{GRAPH}/oauth/access_token", status=400, json=load_fixture("facebook", "token_expired")
    )

    with pytest.raises(ReauthRequired) as raised:
        facebook.refresh_token(credentials)

    assert "190" in raised.value.message
    assert_no_secrets(str(raised.value), repr(raised.value))


def test_validate_reads_debug_token(mocked, credentials):
    mocked.get(
        f"{GRAPH}/debug_token",
        match=[
            matchers.query_param_matcher(
                {
                    "input_token": ACCESS_TOKEN,
                    "access_token": f"{client_id('FACEBOOK')}|{client_secret('FACEBOOK')}",
                }
            )
        ],
        json=load_fixture("facebook", "debug_token_valid"),
    )

    validation = facebook.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at == datetime.fromtimestamp(1768800000, tz=UTC)
    assert validation.scopes == [
        "pages_show_list",
        "pages_read_engagement",
        "email",
        "public_profile",
    ]
    assert validation.platform_user_id == "10215241773831025"


def test_validate_of_a_token_that_never_expires(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_never_expires"))

    validation = facebook.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at is None  # expires_at 0 means never


def test_validate_of_an_invalidated_token(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_invalid"))

    validation = facebook.validate_token(credentials)

    assert not validation.is_valid
    assert validation.scopes == []


def test_validate_with_a_refused_app_token_blames_our_configuration(mocked, credentials):
    # A top-level error from debug_token is about the app token, not the user's.
    mocked.get(
        f"{GRAPH}/debug_token", status=400, json=load_fixture("facebook", "app_token_invalid")
    )

    with pytest.raises(PlatformRequestRejected) as raised:
        facebook.validate_token(credentials)

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == (
        "Facebook refused the app access token: check SOCIAL_FACEBOOK_CLIENT_ID and "
        "SOCIAL_FACEBOOK_CLIENT_SECRET"
    )
    assert_no_secrets(str(raised.value), repr(raised.value))


def test_fetch_profile_signs_the_user_token_with_appsecret_proof(mocked, credentials):
    # Securing requests: hex HMAC-SHA256 of the access token, keyed with the app secret.
    proof = hmac.new(
        client_secret("FACEBOOK").encode(), ACCESS_TOKEN.encode(), hashlib.sha256
    ).hexdigest()
    mocked.get(
        f"{GRAPH}/me",
        match=[
            matchers.query_param_matcher(
                {"fields": "id,name,email", "access_token": ACCESS_TOKEN, "appsecret_proof": proof}
            )
        ],
        json=load_fixture("facebook", "me"),
    )

    profile = facebook.fetch_profile(credentials)

    assert (profile.platform_user_id, profile.user_name, profile.email) == (
        "10215241773831025",
        "Acme Corp",
        "acme@example.com",
    )


@pytest.mark.parametrize(
    ("case", "status", "expected"),
    [
        ("rate_limited", 400, PlatformRateLimited),
        ("permission_missing", 403, PlatformPermissionDenied),
        ("token_expired", 400, ReauthRequired),
    ],
)
def test_graph_errors_are_classified_by_code(mocked, credentials, sleeps, case, status, expected):
    mocked.get(f"{GRAPH}/me", status=status, json=load_fixture("facebook", case))

    with pytest.raises(expected) as raised:
        facebook.fetch_profile(credentials)

    assert type(raised.value) is expected
    assert sleeps == []  # a Graph error code is an answer, not a transient failure


def test_a_business_use_case_limit_waits_as_long_as_meta_estimates(mocked, credentials, sleeps):
    # Rate-limiting page: estimated_time_to_regain_access is in minutes, per business object.
    usage = {
        "112233445566778": [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 25,
                "total_time": 25,
                "estimated_time_to_regain_access": 19,
            }
        ],
        "10153848260347724": [
            {
                "type": "pages",
                "call_count": 97,
                "total_cputime": 23,
                "total_time": 23,
                "estimated_time_to_regain_access": 0,
            }
        ],
    }
    mocked.get(
        f"{GRAPH}/me",
        status=400,
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
        json=load_fixture("facebook", "page_rate_limited"),
    )

    with pytest.raises(PlatformRateLimited) as raised:
        facebook.fetch_profile(credentials)

    assert raised.value.retry_after == 19 * 60
    assert raised.value.message == "Meta Graph API error 80001 (fbtrace_id AmFGcW_3hwDB7qFbl_QdebZ)"
    assert len(mocked.calls) == 1
    assert sleeps == []


@pytest.mark.parametrize("code", [80000, 80002, 80006, 80014])
def test_every_business_use_case_code_is_a_rate_limit(mocked, credentials, code):
    body = load_fixture("facebook", "page_rate_limited")
    body["error"]["code"] = code
    mocked.get(f"{GRAPH}/me", status=400, json=body)

    with pytest.raises(PlatformRateLimited):
        facebook.fetch_profile(credentials)


def test_a_full_hourly_app_usage_pauses_for_part_of_the_hour(mocked, credentials):
    mocked.get(
        f"{GRAPH}/me",
        status=400,
        headers={"X-App-Usage": '{"call_count": 100, "total_time": 25, "total_cputime": 25}'},
        json=load_fixture("facebook", "rate_limited"),
    )

    with pytest.raises(PlatformRateLimited) as raised:
        facebook.fetch_profile(credentials)

    assert raised.value.retry_after == 600


def test_a_throttled_answer_without_usage_headers_leaves_the_wait_to_the_caller(
    mocked, credentials
):
    mocked.get(f"{GRAPH}/me", status=400, json=load_fixture("facebook", "rate_limited"))

    with pytest.raises(PlatformRateLimited) as raised:
        facebook.fetch_profile(credentials)

    assert raised.value.retry_after is None


def test_validate_reads_when_data_access_expires(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_valid"))

    validation = facebook.validate_token(credentials)

    assert validation.data_access_expires_at == datetime.fromtimestamp(1771400000, tz=UTC)


def test_calls_made_with_the_app_credentials_carry_no_appsecret_proof(mocked, credentials):
    mocked.get(f"{GRAPH}/debug_token", json=load_fixture("facebook", "debug_token_valid"))

    facebook.validate_token(credentials)

    assert "appsecret_proof" not in mocked.calls[0].request.url
