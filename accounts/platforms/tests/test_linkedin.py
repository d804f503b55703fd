from datetime import UTC, date, datetime
from itertools import islice
from urllib.parse import urlsplit

import pytest
import time_machine
from responses import matchers

from accounts.platforms import get_client
from accounts.platforms import linkedin as linkedin_module
from accounts.platforms.base import DailyInsight, PlatformPage
from accounts.platforms.errors import (
    PlatformPermissionDenied,
    PlatformRequestRejected,
    ReauthRequired,
)
from accounts.platforms.linkedin import rest_headers
from accounts.platforms.tests.support import (
    ACCESS_TOKEN,
    REFRESH_TOKEN,
    client_id,
    client_secret,
    load_fixture,
)

OAUTH = "https://www.linkedin.com/oauth/v2"
linkedin = get_client("LINKEDIN")


def test_refresh_returns_what_linkedin_sends_back(mocked, credentials):
    mocked.post(
        f"{OAUTH}/accessToken",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "refresh_token",
                    "refresh_token": REFRESH_TOKEN,
                    "client_id": client_id("LINKEDIN"),
                    "client_secret": client_secret("LINKEDIN"),
                }
            )
        ],
        json=load_fixture("linkedin", "refresh_success"),
    )

    grant = linkedin.refresh_token(credentials)

    assert grant.access_token == "AQUvlL_DYEzvT2wz1QJiEPeLioeA"
    assert grant.expires_in == 5184000
    assert grant.refresh_token == "AQWAft_WjYZKwuWXLC5hQlghgTam"
    # The refresh token's lifetime does not slide: it is what is left of the first grant's.
    assert grant.refresh_expires_in == 26265600
    assert grant.scopes == ["openid", "profile", "email", "w_member_social"]


def test_an_expired_refresh_token_requires_reauth(mocked, credentials):
    mocked.post(f"{OAUTH}/accessToken", status=400, json=load_fixture("linkedin", "invalid_grant"))

    with pytest.raises(ReauthRequired):
        linkedin.refresh_token(credentials)


def test_validate_introspects_the_token(mocked, credentials):
    mocked.post(
        f"{OAUTH}/introspectToken",
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_id": client_id("LINKEDIN"),
                    "client_secret": client_secret("LINKEDIN"),
                    "token": ACCESS_TOKEN,
                }
            )
        ],
        json=load_fixture("linkedin", "introspect_active"),
    )

    validation = linkedin.validate_token(credentials)

    assert validation.is_valid
    assert validation.expires_at == datetime.fromtimestamp(1768729382, tz=UTC)
    assert validation.scopes == ["openid", "profile", "email", "w_member_social"]


def test_validate_of_an_expired_token(mocked, credentials):
    mocked.post(f"{OAUTH}/introspectToken", json=load_fixture("linkedin", "introspect_expired"))

    assert not linkedin.validate_token(credentials).is_valid


def test_validate_with_wrong_app_credentials_does_not_blame_the_token(mocked, credentials):
    mocked.post(
        f"{OAUTH}/introspectToken", status=401, json=load_fixture("linkedin", "invalid_client")
    )

    with pytest.raises(PlatformRequestRejected) as raised:
        linkedin.validate_token(credentials)

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == "The platform refused the token request (invalid_client)"


ACLS = "https://api.linkedin.com/rest/organizationAcls"


def test_fetch_profile_names_the_member_from_their_administrator_roles(
    mocked, credentials, platform_settings
):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202603"
    mocked.get(
        ACLS,
        match=[
            matchers.query_param_matcher(
                {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED", "count": "1"}
            ),
            matchers.header_matcher(
                {
                    "Authorization": f"Bearer {ACCESS_TOKEN}",
                    "LinkedIn-Version": "202603",
                    "X-Restli-Protocol-Version": "2.0.0",
                }
            ),
        ],
        json=load_fixture("linkedin", "organization_acls"),
    )

    profile = linkedin.fetch_profile(credentials)

    assert profile.platform_user_id == "782bbtaQ"


def test_a_member_who_administers_no_page_cannot_be_connected(mocked, credentials):
    mocked.get(ACLS, json=load_fixture("linkedin", "organization_acls_none"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        linkedin.fetch_profile(credentials)

    assert raised.value.message == (
        "The LinkedIn member administers no organization page; only page administrators "
        "can be connected"
    )


def test_fetch_profile_without_the_organization_scope_names_linkedins_reason(mocked, credentials):
    mocked.get(ACLS, status=403, json=load_fixture("linkedin", "access_denied"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        linkedin.fetch_profile(credentials)

    assert raised.value.message == (
        "The platform refused the operation: Not enough permissions to access: "
        "organizationAcls.FINDER-roleAssignee.20260301"
    )


def test_fetch_profile_with_a_revoked_token_requires_reauth(mocked, credentials):
    mocked.get(ACLS, status=401, json=load_fixture("linkedin", "unauthorized"))

    with pytest.raises(ReauthRequired):
        linkedin.fetch_profile(credentials)


def test_a_retired_api_version_names_the_setting_to_change(mocked, credentials, platform_settings):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202511"
    mocked.get(ACLS, status=426, json=load_fixture("linkedin", "version_retired"))

    with pytest.raises(PlatformRequestRejected) as raised:
        linkedin.fetch_profile(credentials)

    assert type(raised.value) is PlatformRequestRejected
    assert raised.value.message == (
        "LinkedIn no longer serves API version 202511: set SOCIAL_LINKEDIN_API_VERSION to a "
        "version LinkedIn currently serves"
    )


def test_rest_calls_pin_the_api_version_and_restli_protocol(platform_settings):
    platform_settings.SOCIAL_LINKEDIN_API_VERSION = "202510"

    assert rest_headers(ACCESS_TOKEN) == {
        "Authorization": f"Bearer {ACCESS_TOKEN}",
        "LinkedIn-Version": "202510",
        "X-Restli-Protocol-Version": "2.0.0",
    }


# --- Pages, posts and daily insights ------------------------------------------------------

API = "https://api.linkedin.com/rest"
ACME = "2414183"
ACME_URN_ENCODED = "urn%3Ali%3Aorganization%3A2414183"
REST_HEADERS = {
    "Authorization": f"Bearer {ACCESS_TOKEN}",
    "LinkedIn-Version": "202607",
    "X-Restli-Protocol-Version": "2.0.0",
}


def raw_query(expected: str):
    """The query string exactly as sent: Rest.li 2.0 reads literal brackets, colons and
    commas as structure, so decoding before comparing would hide a wrong encoding."""

    def match(request):
        query = urlsplit(request.url).query
        return query == expected, f"query {query!r} is not {expected!r}"

    return match


def acme_page(followers: int | None = 219145) -> PlatformPage:
    return PlatformPage(platform_page_id=ACME, name="Acme Corp", followers_count=followers)


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of two, so that a few fixture elements span several pages."""
    monkeypatch.setattr(linkedin_module, "ROLES_PER_PAGE", 2)
    monkeypatch.setattr(linkedin_module, "POSTS_PER_PAGE", 2)


def mock_role_pages(mocked):
    for start, case in ((None, "organization_acls_page1"), ("2", "organization_acls_page2")):
        params = {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED", "count": "2"}
        mocked.get(
            ACLS,
            match=[
                matchers.query_param_matcher({**params, **({"start": start} if start else {})}),
                matchers.header_matcher(REST_HEADERS),
            ],
            json=load_fixture("linkedin", case),
        )


def test_fetch_pages_lists_every_administered_organization(mocked, credentials, small_pages):
    mock_role_pages(mocked)
    for ids, case in (
        ("List(2414183,5515715)", "organizations_batch"),
        ("List(89758488)", "organizations_batch_showcase"),
    ):
        mocked.get(
            f"{API}/organizations",
            match=[raw_query(f"ids={ids}"), matchers.header_matcher(REST_HEADERS)],
            json=load_fixture("linkedin", case),
        )
    for organization_id, case in (
        ("2414183", "network_size"),
        ("5515715", "network_size_labs"),
        ("89758488", "network_size_careers"),
    ):
        mocked.get(
            f"{API}/networkSizes/urn%3Ali%3Aorganization%3A{organization_id}",
            match=[
                matchers.query_param_matcher({"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"}),
                matchers.header_matcher(REST_HEADERS),
            ],
            json=load_fixture("linkedin", case),
        )

    pages = linkedin.fetch_pages(credentials)

    assert [
        (page.platform_page_id, page.name, page.category, page.url, page.followers_count)
        for page in pages
    ] == [
        (
            "2414183",
            "Acme Corp",
            "Organization",
            "https://www.linkedin.com/company/acme-corp",
            219145,
        ),
        (
            "5515715",
            "Acme Labs",
            "Organization",
            "https://www.linkedin.com/company/acme-labs",
            3087,
        ),
        (
            "89758488",
            "Acme Careers",
            "Organization",
            "https://www.linkedin.com/company/acme-careers",
            412,
        ),
    ]
    assert all(page.access_token is None for page in pages)


def test_a_member_who_administers_no_organization_has_no_pages(mocked, credentials):
    mocked.get(ACLS, json=load_fixture("linkedin", "organization_acls_none"))

    assert linkedin.fetch_pages(credentials) == []


def test_fetch_pages_without_the_organization_scope_names_linkedins_reason(mocked, credentials):
    mocked.get(ACLS, status=403, json=load_fixture("linkedin", "access_denied"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        linkedin.fetch_pages(credentials)

    assert "organizationAcls.FINDER-roleAssignee" in raised.value.message


def mock_post_page(mocked, start: str, case: str, statistics_query: str, statistics_case: str):
    mocked.get(
        f"{API}/posts",
        match=[
            matchers.query_param_matcher(
                {
                    "q": "author",
                    "author": f"urn:li:organization:{ACME}",
                    "sortBy": "CREATED",
                    "start": start,
                    "count": "2",
                }
            ),
            matchers.header_matcher(REST_HEADERS),
        ],
        json=load_fixture("linkedin", case),
    )
    mocked.get(
        f"{API}/organizationalEntityShareStatistics",
        match=[
            raw_query(
                f"q=organizationalEntity&organizationalEntity={ACME_URN_ENCODED}&{statistics_query}"
            ),
            matchers.header_matcher(REST_HEADERS),
        ],
        json=load_fixture("linkedin", statistics_case),
    )


FIRST_PAGE_STATISTICS = (
    "shares=List(urn%3Ali%3Ashare%3A7213550198730719232)"
    "&ugcPosts=List(urn%3Ali%3AugcPost%3A7212172318871461888)"
)


def mock_first_post_page(mocked):
    mock_post_page(
        mocked, "0", "posts_page1", FIRST_PAGE_STATISTICS, "share_statistics_posts_page1"
    )


def test_fetch_posts_reads_every_page_with_one_statistics_call_each(
    mocked, credentials, small_pages
):
    mock_first_post_page(mocked)
    mock_post_page(
        mocked,
        "2",
        "posts_page2",
        "shares=List(urn%3Ali%3Ashare%3A7208826054231932928)",
        "share_statistics_posts_page2",
    )

    posts = list(linkedin.fetch_posts(credentials, acme_page(), since=None))

    assert [post.platform_post_id for post in posts] == [
        "urn:li:share:7213550198730719232",
        "urn:li:ugcPost:7212172318871461888",
        "urn:li:share:7208826054231932928",
    ]
    first = posts[0]
    assert first.published_at == datetime(2026, 7, 3, 9, 15, tzinfo=UTC)
    assert first.text == "Our summer release is out: faster sync and a new dashboard."
    assert first.url == "https://www.linkedin.com/feed/update/urn:li:share:7213550198730719232"
    assert (first.likes, first.comments, first.shares) == (84, 9, 12)
    assert (first.views, first.reach, first.clicks) == (4870, 3105, 97)
    assert (posts[1].likes, posts[1].reach, posts[1].clicks) == (26, 1520, 41)
    assert (posts[2].views, posts[2].reach, posts[2].engagement) == (9530, 6012, 188)
    assert len(mocked.calls) == 4


def test_fetch_posts_stops_at_the_first_post_older_than_since(mocked, credentials, small_pages):
    mock_first_post_page(mocked)

    since = datetime(2026, 7, 1, tzinfo=UTC)
    posts = list(linkedin.fetch_posts(credentials, acme_page(), since=since))

    assert [post.platform_post_id for post in posts] == ["urn:li:share:7213550198730719232"]
    assert len(mocked.calls) == 2  # the older post ended the list: no second page


def test_a_caller_that_takes_only_the_first_posts_asks_for_no_more_pages(
    mocked, credentials, small_pages
):
    mock_first_post_page(mocked)

    posts = list(islice(linkedin.fetch_posts(credentials, acme_page(), since=None), 2))

    assert len(posts) == 2
    assert len(mocked.calls) == 2


def test_fetch_posts_without_the_social_scope_names_linkedins_reason(mocked, credentials):
    mocked.get(f"{API}/posts", status=403, json=load_fixture("linkedin", "posts_access_denied"))

    with pytest.raises(PlatformPermissionDenied) as raised:
        list(linkedin.fetch_posts(credentials, acme_page(), since=None))

    assert raised.value.message == (
        "The platform refused the operation: Not enough permissions to access: "
        "partnerApiPostsExternal.FINDER-author.20260701"
    )


def test_fetch_posts_with_a_revoked_token_requires_reauth(mocked, credentials):
    mocked.get(f"{API}/posts", status=401, json=load_fixture("linkedin", "unauthorized"))

    with pytest.raises(ReauthRequired):
        list(linkedin.fetch_posts(credentials, acme_page(), since=None))


def daily_query(start_ms: int, end_ms: int) -> str:
    return (
        f"q=organizationalEntity&organizationalEntity={ACME_URN_ENCODED}"
        f"&timeIntervals=(timeRange:(start:{start_ms},end:{end_ms}),timeGranularityType:DAY)"
    )


def mock_daily_statistics(mocked, query: str):
    for path, case in (
        ("organizationalEntityShareStatistics", "share_statistics_daily"),
        ("organizationalEntityFollowerStatistics", "follower_statistics_daily"),
    ):
        mocked.get(
            f"{API}/{path}",
            match=[raw_query(query), matchers.header_matcher(REST_HEADERS)],
            json=load_fixture("linkedin", case),
        )


# Saturday 2026-07-04, midday UTC.
JULY_4TH = datetime(2026, 7, 4, 12, 0, tzinfo=UTC)
JULY_1ST_MS = 1782864000000  # 2026-07-01T00:00Z
JULY_5TH_MS = 1783209600000  # 2026-07-05T00:00Z: the end of today, exclusive


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_read_statistics_and_walk_followers_back(mocked, credentials):
    mock_daily_statistics(mocked, daily_query(JULY_1ST_MS, JULY_5TH_MS))

    insights = linkedin.fetch_daily_insights(
        credentials, acme_page(), since=date(2026, 7, 1), until=date(2026, 7, 3)
    )

    # Gains: 14 on the 1st, 2 on the 2nd, 41 + 6 on the 3rd, none reported yet for the 4th.
    assert insights == [
        DailyInsight(date(2026, 7, 1), followers=219096, engagement=22, reach=812, clicks=23),
        DailyInsight(date(2026, 7, 2), followers=219098, engagement=10, reach=655, clicks=11),
        DailyInsight(date(2026, 7, 3), followers=219145, engagement=105, reach=3105, clicks=97),
    ]


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_stay_inside_linkedins_twelve_months(mocked, credentials):
    # 364 days before today: 2025-07-05T00:00Z.
    mock_daily_statistics(mocked, daily_query(1751673600000, JULY_5TH_MS))

    insights = linkedin.fetch_daily_insights(
        credentials, acme_page(followers=None), since=date(2024, 7, 1), until=date(2026, 7, 4)
    )

    assert insights[0].day == date(2025, 7, 5)
    assert insights[-1] == DailyInsight(date(2026, 7, 4))  # nothing reported yet
    assert len(insights) == 365
    # No current total, no totals to walk back to.
    assert {insight.followers for insight in insights} == {None}
    assert insights[-2] == DailyInsight(date(2026, 7, 3), engagement=105, reach=3105, clicks=97)


@time_machine.travel(JULY_4TH, tick=False)
def test_daily_insights_without_the_admin_scope_name_linkedins_reason(mocked, credentials):
    mocked.get(
        f"{API}/organizationalEntityShareStatistics",
        status=403,
        json=load_fixture("linkedin", "access_denied"),
    )

    with pytest.raises(PlatformPermissionDenied):
        linkedin.fetch_daily_insights(
            credentials, acme_page(), since=date(2026, 7, 1), until=date(2026, 7, 3)
        )
