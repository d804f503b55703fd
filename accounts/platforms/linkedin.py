"""LinkedIn client for a Community Management API app: programmatic refresh tokens, token
introspection, and the member's identity from the organizations they administer.

The refresh token does not slide: it lives a fixed time (365 days) from the first grant, and
each refresh only mints a new 60-day access token, so refresh_token_expires_in shrinks.

The Community Management API must be the only product on its app, so the app cannot also
offer Sign In with OpenID Connect (/v2/userinfo). The member's id is read instead from their
own organization role assignments, which the same app's r_organization_admin scope allows:
what the service manages on LinkedIn is organization pages, so a member who administers
none has nothing to connect.

Documentation followed:
- Refresh: https://learn.microsoft.com/en-us/linkedin/shared/authentication/programmatic-refresh-tokens
- Introspection: https://learn.microsoft.com/en-us/linkedin/shared/authentication/token-introspection
- Organization access control by role (GET /organizationAcls?q=roleAssignee):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-access-control-by-role
- Versioned REST API (LinkedIn-Version header, base /rest; a retired version answers 426):
  https://learn.microsoft.com/en-us/linkedin/marketing/versioning
- Rest.li protocol 2.0 header:
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/protocol-version
- Rest.li 2.0 query syntax (List(...) and (key:value) structures keep their brackets, colons
  and commas literal; the values inside, URNs included, are percent-encoded):
  https://linkedin.github.io/rest.li/spec/protocol
- start/count paging (the end is a page shorter than count):
  https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/pagination
- Organization lookup (batch get administered organizations, GET /organizations?ids=List(...);
  follower count, GET /networkSizes/{organization urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
- Posts API, find posts by authors (GET /posts?q=author&author=...; sortBy CREATED or
  LAST_MODIFIED): https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
- Organization share statistics (organic only; lifetime figures per share or ugcPost, or
  daily figures with timeIntervals; only the past 12 months, rolling):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/share-statistics
- Organization follower statistics (daily followerGains with timeIntervals):
  https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/follower-statistics
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
from django.conf import settings

from accounts.platforms.base import (
    Credentials,
    DailyInsight,
    PlatformPage,
    PlatformPost,
    Profile,
    TokenValidation,
    each_day,
    end_of_day_totals,
    newer_than,
    paginate,
)
from accounts.platforms.errors import (
    PlatformError,
    PlatformPermissionDenied,
    PlatformRequestRejected,
)
from accounts.platforms.http import (
    bearer,
    classify_by_status,
    from_timestamp,
    int_or_none,
    json_body,
    required,
    split_scopes,
)
from accounts.platforms.oauth2 import OAuth2Client, oauth2_error

PERSON_URN_PREFIX = "urn:li:person:"
ORGANIZATION_URN_PREFIX = "urn:li:organization:"
SHARE_URN_PREFIX = "urn:li:share:"
UGC_POST_URN_PREFIX = "urn:li:ugcPost:"
# The token's member's approved administrator roles: the organizations they may manage.
ADMINISTRATOR_ROLES = {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}
# The Rest.li paging default is 10; larger pages mean fewer calls on the member's budget.
ROLES_PER_PAGE = 100
# One page of posts is also one share-statistics call naming every post of the page.
POSTS_PER_PAGE = 50
# The total follower count of an organization (networkSizes); the older camel-case
# CompanyFollowedByMember belongs to the retired unversioned API.
FOLLOWER_EDGE_TYPE = "COMPANY_FOLLOWED_BY_MEMBER"
PAGE_CATEGORY = "Organization"
# Public links for people, not addresses this client calls.
COMPANY_PAGE_URL = "https://www.linkedin.com/company/{vanity_name}"
POST_URL = "https://www.linkedin.com/feed/update/{urn}"
# Share statistics reach back 12 rolling months; starting a day inside that window keeps a
# request near the edge from being refused (a year may have 366 days).
STATISTICS_LOOKBACK_DAYS = 364


def linkedin_error(response: requests.Response) -> PlatformError:
    """Classify a REST answer: a retired API version is our setting to fix, the rest by status."""
    if response.status_code == 426:
        return PlatformRequestRejected(
            f"LinkedIn no longer serves API version {settings.SOCIAL_LINKEDIN_API_VERSION}: "
            "set SOCIAL_LINKEDIN_API_VERSION to a version LinkedIn currently serves"
        )
    return classify_by_status(response)


def rest_headers(access_token: str) -> dict[str, str]:
    """Headers of every call to the versioned REST API ({API_URL}/...): pin the monthly API
    version and Rest.li protocol 2.0, whose syntax the REST endpoints expect."""
    return {
        **bearer(access_token),
        "LinkedIn-Version": settings.SOCIAL_LINKEDIN_API_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }


class LinkedInClient(OAuth2Client):
    platform = "LINKEDIN"
    refresh_model = "non_rotating"
    classify_error = staticmethod(linkedin_error)

    @property
    def token_url(self) -> str:
        # Programmatic refresh tokens: POST {OAUTH_URL}/accessToken as a form.
        return self.config["OAUTH_URL"] + "/accessToken"

    def inspect_token(self, credentials: Credentials) -> TokenValidation:
        client_id, client_secret = self.app_credentials()
        # Token introspection: POST {OAUTH_URL}/introspectToken with the app's credentials.
        # A 401 here means our app credentials are wrong: oauth2_error does not call that
        # a dead user token.
        response = self.call(
            credentials,
            "POST",
            self.config["OAUTH_URL"] + "/introspectToken",
            data={
                "client_id": client_id,
                "client_secret": client_secret,
                "token": credentials.access_token,
            },
            classify_error=oauth2_error,
        )
        return _validation_from(json_body(response))

    def fetch_profile(self, credentials: Credentials) -> Profile:
        # One approved administrator role is enough to name the member.
        roles = self._administrator_roles(credentials, start=0, count=1)
        return Profile(platform_user_id=_member_id(roles), user_name="")

    def fetch_pages(self, credentials: Credentials) -> list[PlatformPage]:
        """The organizations the member administers, with their names, public addresses and
        follower counts. A member who administers none has no pages."""
        organization_ids = list(dict.fromkeys(self._administered_organization_ids(credentials)))
        pages: list[PlatformPage] = []
        for batch in _chunks(organization_ids, ROLES_PER_PAGE):
            organizations = self._organizations(credentials, batch)
            pages.extend(
                _organization_page(
                    organization_id,
                    organizations.get(organization_id) or {},
                    self._follower_count(credentials, organization_id),
                )
                for organization_id in batch
            )
        return pages

    def fetch_posts(
        self, credentials: Credentials, page: PlatformPage, *, since: datetime | None
    ) -> Iterator[PlatformPost]:
        """The organization's posts, newest created first, each page with its statistics.
        The Posts API has no "since", so the list is read until the first older post."""
        organization = ORGANIZATION_URN_PREFIX + page.platform_page_id
        pages = paginate(lambda cursor: self._post_page(credentials, organization, cursor))
        return newer_than(pages, since)

    def fetch_daily_insights(
        self, credentials: Credentials, page: PlatformPage, *, since: date, until: date
    ) -> list[DailyInsight]:
        """Daily engagement, reach and clicks of the organization's posts, and end-of-day
        follower totals walked back from the current total through the daily gains. LinkedIn
        serves the past 12 months only, so earlier days are left out. One request each: the
        12-month window is the only bound the statistics pages document."""
        today = datetime.now(UTC).date()
        first = max(since, today - timedelta(days=STATISTICS_LOOKBACK_DAYS))
        last = min(until, today)
        if first > last:
            return []
        organization = ORGANIZATION_URN_PREFIX + page.platform_page_id
        # Through today, whatever `until` is: the walk back from the current total needs
        # every gain since the last day asked for.
        window = _day_intervals(first, today + timedelta(days=1))
        statistics = self._daily_share_statistics(credentials, organization, window)
        gains = self._daily_follower_gains(credentials, organization, window)
        followers = end_of_day_totals(page.followers_count, gains, first, today)
        return [
            _daily_insight(day, followers.get(day), statistics.get(day))
            for day in each_day(first, last)
        ]

    def _administrator_roles(
        self, credentials: Credentials, *, start: int, count: int
    ) -> dict[str, Any]:
        params = {**ADMINISTRATOR_ROLES, "count": str(count)}
        if start:  # 0 is LinkedIn's default: the first page is asked for without it
            params["start"] = str(start)
        # Organization access control by role: GET /organizationAcls?q=roleAssignee lists the
        # token's member's approved roles, each naming the member as roleAssignee and the
        # organization; start/count paging.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/organizationAcls",
            params=params,
            headers=rest_headers(credentials.access_token),
        )
        return json_body(response)

    def _administered_organization_ids(self, credentials: Credentials) -> Iterator[str]:
        def role_page(cursor: str | None) -> tuple[list[str], str | None]:
            start = int(cursor or 0)
            roles = self._administrator_roles(credentials, start=start, count=ROLES_PER_PAGE)
            elements = roles.get("elements") or []
            return _organization_ids(elements), _next_cursor(
                roles, start, ROLES_PER_PAGE, len(elements)
            )

        return paginate(role_page)

    def _organizations(
        self, credentials: Credentials, organization_ids: list[str]
    ) -> dict[str, dict[str, Any]]:
        # Organization lookup, batch get administered organizations:
        # GET /organizations?ids=List(id,id) (Rest.li 2.0 syntax, written out so that the
        # brackets stay literal) -> {"results": {id: organization}, "statuses", "errors"}.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/organizations",
            params=_rest_li_query([("ids", _rest_li_list(organization_ids))]),
            headers=rest_headers(credentials.access_token),
        )
        return json_body(response).get("results") or {}

    def _follower_count(self, credentials: Credentials, organization_id: str) -> int | None:
        urn = _encoded(ORGANIZATION_URN_PREFIX + organization_id)
        # Organization lookup, follower count: GET /networkSizes/{encoded organization urn}
        # ?edgeType=COMPANY_FOLLOWED_BY_MEMBER -> {"firstDegreeSize": n}.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + f"/networkSizes/{urn}",
            params={"edgeType": FOLLOWER_EDGE_TYPE},
            headers=rest_headers(credentials.access_token),
        )
        return int_or_none(json_body(response).get("firstDegreeSize"))

    def _post_page(
        self, credentials: Credentials, organization: str, cursor: str | None
    ) -> tuple[list[PlatformPost], str | None]:
        start = int(cursor or 0)
        # Posts API, find posts by authors: GET /posts?q=author&author={organization urn}
        # &sortBy=CREATED (newest created first; the default, LAST_MODIFIED, would move an
        # edited old post to the front) with start/count paging.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/posts",
            params={
                "q": "author",
                "author": organization,
                "sortBy": "CREATED",
                "start": str(start),
                "count": str(POSTS_PER_PAGE),
            },
            headers=rest_headers(credentials.access_token),
        )
        answer = json_body(response)
        elements = answer.get("elements") or []
        published = [post for post in elements if post.get("lifecycleState") != "DRAFT"]
        statistics = self._post_statistics(
            credentials, organization, [required(post, "id") for post in published]
        )
        posts = [_post_from(post, statistics.get(post["id"]) or {}) for post in published]
        return posts, _next_cursor(answer, start, POSTS_PER_PAGE, len(elements))

    def _post_statistics(
        self, credentials: Credentials, organization: str, post_urns: list[str]
    ) -> dict[str, dict[str, Any]]:
        """Lifetime statistics of a page of posts in one call, by post URN. Shares and
        ugcPosts are named in two lists; other kinds of post have no statistics here."""
        shares = [urn for urn in post_urns if urn.startswith(SHARE_URN_PREFIX)]
        ugc_posts = [urn for urn in post_urns if urn.startswith(UGC_POST_URN_PREFIX)]
        if not (shares or ugc_posts):
            return {}
        query = [("q", "organizationalEntity"), ("organizationalEntity", _encoded(organization))]
        query += [("shares", _rest_li_list(shares))] if shares else []
        query += [("ugcPosts", _rest_li_list(ugc_posts))] if ugc_posts else []
        # Organization share statistics for specific posts: GET
        # /organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity=...
        # &shares=List(...)&ugcPosts=List(...) -> one element per post, naming it as share or
        # ugcPost, with totalShareStatistics.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/organizationalEntityShareStatistics",
            params=_rest_li_query(query),
            headers=rest_headers(credentials.access_token),
        )
        return {
            element.get("share") or element.get("ugcPost"): element.get("totalShareStatistics")
            for element in json_body(response).get("elements") or []
        }

    def _daily_share_statistics(
        self, credentials: Credentials, organization: str, window: str
    ) -> dict[date, dict[str, Any]]:
        # Organization share statistics, time-bound: timeIntervals=(timeRange:(start:ms,
        # end:ms),timeGranularityType:DAY) -> one element per day with its timeRange and
        # totalShareStatistics.
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/organizationalEntityShareStatistics",
            params=_time_bound_query(organization, window),
            headers=rest_headers(credentials.access_token),
        )
        return _by_day(json_body(response), "totalShareStatistics")

    def _daily_follower_gains(
        self, credentials: Credentials, organization: str, window: str
    ) -> dict[date, int]:
        # Organization follower statistics, time-bound: the same timeIntervals -> one element
        # per day with its timeRange and followerGains (organicFollowerGain, paidFollowerGain).
        response = self.call(
            credentials,
            "GET",
            self.config["API_URL"] + "/organizationalEntityFollowerStatistics",
            params=_time_bound_query(organization, window),
            headers=rest_headers(credentials.access_token),
        )
        return {
            day: _count(gains, "organicFollowerGain") + _count(gains, "paidFollowerGain")
            for day, gains in _by_day(json_body(response), "followerGains").items()
        }


def _member_id(acls: dict[str, Any]) -> str:
    """The person id of `urn:li:person:{id}`, the roleAssignee of the member's own roles."""
    elements = acls.get("elements") or []
    if not elements:
        raise PlatformPermissionDenied(
            "The LinkedIn member administers no organization page; only page administrators "
            "can be connected"
        )
    assignee = required(elements[0], "roleAssignee")
    if not assignee.startswith(PERSON_URN_PREFIX):
        raise PlatformRequestRejected("LinkedIn's answer names no member as roleAssignee")
    return assignee.removeprefix(PERSON_URN_PREFIX)


def _validation_from(introspection: dict[str, Any]) -> TokenValidation:
    """Read introspectToken: active, expires_at (epoch seconds), scope (comma-separated)."""
    return TokenValidation(
        is_valid=bool(introspection.get("active")),
        expires_at=from_timestamp(introspection.get("expires_at")),
        scopes=split_scopes(introspection.get("scope")) or [],
    )


def _organization_ids(roles: Iterable[Mapping[str, Any]]) -> list[str]:
    """The organizations the roles are held on; a role on anything else (a brand page,
    urn:li:organizationBrand) is no organization page of ours."""
    urns = (str(role.get("organization") or "") for role in roles)
    return [
        urn.removeprefix(ORGANIZATION_URN_PREFIX)
        for urn in urns
        if urn.startswith(ORGANIZATION_URN_PREFIX)
    ]


def _organization_page(
    organization_id: str, organization: Mapping[str, Any], followers: int | None
) -> PlatformPage:
    vanity_name = organization.get("vanityName")
    return PlatformPage(
        platform_page_id=organization_id,
        name=organization.get("localizedName") or "",
        category=PAGE_CATEGORY,
        url=COMPANY_PAGE_URL.format(vanity_name=vanity_name) if vanity_name else "",
        followers_count=followers,
    )


def _post_from(post: Mapping[str, Any], statistics: Mapping[str, Any]) -> PlatformPost:
    urn = required(post, "id")
    return PlatformPost(
        platform_post_id=urn,
        published_at=_published_at(post),
        text=post.get("commentary") or "",
        url=POST_URL.format(urn=urn),
        likes=_count(statistics, "likeCount"),
        comments=_count(statistics, "commentCount"),
        shares=_count(statistics, "shareCount"),
        views=_count(statistics, "impressionCount"),
        # The unique members who saw the post (uniqueImpressionsCount), not impressions.
        reach=_count(statistics, "uniqueImpressionsCount"),
        clicks=_count(statistics, "clickCount"),
    )


def _published_at(post: Mapping[str, Any]) -> datetime:
    """publishedAt, or createdAt where a post has none; both in epoch milliseconds."""
    milliseconds = int_or_none(post.get("publishedAt")) or int_or_none(post.get("createdAt"))
    if milliseconds is None:
        raise PlatformRequestRejected("LinkedIn's answer gives a post no publication time")
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def _daily_insight(
    day: date, followers: int | None, statistics: Mapping[str, Any] | None
) -> DailyInsight:
    if statistics is None:
        return DailyInsight(day=day, followers=followers)
    return DailyInsight(
        day=day,
        followers=followers,
        engagement=sum(
            _count(statistics, key) for key in ("likeCount", "commentCount", "shareCount")
        ),
        # Unique members reached that day, not impressions.
        reach=_count(statistics, "uniqueImpressionsCount"),
        clicks=_count(statistics, "clickCount"),
    )


def _by_day(answer: Mapping[str, Any], figures: str) -> dict[date, dict[str, Any]]:
    """The time-bound elements by the UTC day their timeRange starts."""
    by_day: dict[date, dict[str, Any]] = {}
    for element in answer.get("elements") or []:
        start = int_or_none((element.get("timeRange") or {}).get("start"))
        if start is not None:
            by_day[datetime.fromtimestamp(start / 1000, tz=UTC).date()] = element.get(figures) or {}
    return by_day


def _next_cursor(answer: Mapping[str, Any], start: int, count: int, received: int) -> str | None:
    """The next page's start: the one a "next" link gives where LinkedIn sends one (it may
    have skipped elements it did not show), else the end is a total reached or a page
    shorter than asked for."""
    paging = answer.get("paging") or {}
    for link in paging.get("links") or []:
        if link.get("rel") == "next":
            href_start = parse_qs(urlsplit(link.get("href") or "").query).get("start")
            return href_start[0] if href_start else str(start + count)
    total = int_or_none(paging.get("total"))
    if total is not None:
        return str(start + count) if start + count < total else None
    return str(start + count) if received >= count else None


def _time_bound_query(organization: str, window: str) -> str:
    return _rest_li_query(
        [
            ("q", "organizationalEntity"),
            ("organizationalEntity", _encoded(organization)),
            ("timeIntervals", window),
        ]
    )


def _day_intervals(start: date, end: date) -> str:
    """Rest.li 2.0 timeIntervals for whole UTC days: start inclusive, end exclusive, in
    epoch milliseconds at midnight."""
    return (
        f"(timeRange:(start:{_epoch_milliseconds(start)},end:{_epoch_milliseconds(end)}),"
        "timeGranularityType:DAY)"
    )


def _epoch_milliseconds(day: date) -> int:
    return int(datetime.combine(day, time(0), UTC).timestamp() * 1000)


def _encoded(value: str) -> str:
    """A value inside a Rest.li 2.0 query: every reserved character percent-encoded."""
    return quote(value, safe="")


def _rest_li_list(values: Iterable[str]) -> str:
    return "List(" + ",".join(_encoded(value) for value in values) + ")"


def _rest_li_query(pairs: Iterable[tuple[str, str]]) -> str:
    """A query string written out as is: requests would percent-encode the brackets, colons
    and commas that Rest.li 2.0 reads as structure. The values come encoded already."""
    return "&".join(f"{name}={value}" for name, value in pairs)


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for index in range(0, len(values), size):
        yield values[index : index + size]


def _count(figures: Mapping[str, Any], key: str) -> int:
    return int_or_none(figures.get(key)) or 0
