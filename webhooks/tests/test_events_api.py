"""The events API: an account's or the organization's normalized events, newest first, a
page at a time, so that a product can catch up after downtime."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.tests.clients import client_for
from webhooks.models import SocialEvent

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def event(account, n: int, kind: str = "comment") -> SocialEvent:
    with time_machine.travel(START + timedelta(minutes=n), tick=False):
        return SocialEvent.objects.create(
            organization_id=account.organization_id,
            social_account=account,
            platform=account.platform,
            kind=kind,
            platform_event_id=f"{kind}-{n}",
            author_id="6543210987654321",
            author_name="Ada",
            text=f"event {n}",
            object_ids={"post_id": "104619372293045_1"},
        )


@pytest.mark.django_db
def test_an_accounts_events_come_newest_first_in_the_documented_shape(api, account_factory):
    account = account_factory(platform="FACEBOOK")
    older, newer = event(account, 1), event(account, 2)

    body = api.get(f"/social/accounts/{account.pk}/events").json()

    assert [item["id"] for item in body["events"]] == [newer.pk, older.pk]
    assert body["events"][0] == {
        "id": newer.pk,
        "socialAccountId": account.pk,
        "platform": "FACEBOOK",
        "kind": "comment",
        "platformEventId": "comment-2",
        "occurredAt": None,
        "author": {"id": "6543210987654321", "name": "Ada"},
        "text": "event 2",
        "objectIds": {"post_id": "104619372293045_1"},
        "receivedAt": "2026-11-20T09:02:00Z",
    }
    assert body["nextCursor"] is None
    assert body["message"] == "Events retrieved successfully"


@pytest.mark.django_db
def test_the_cursor_walks_every_event_once_even_when_new_ones_arrive(api, account_factory):
    account = account_factory(platform="FACEBOOK")
    events = [event(account, n) for n in range(5)]

    first = api.get("/social/events?limit=2").json()
    event(account, 10)  # arrives while the product is paging
    second = api.get(f"/social/events?limit=2&cursor={first['nextCursor']}").json()
    third = api.get(f"/social/events?limit=2&cursor={second['nextCursor']}").json()

    seen = [item["id"] for page in (first, second, third) for item in page["events"]]
    assert seen == [e.pk for e in reversed(events)]
    assert third["nextCursor"] is None


@pytest.mark.django_db
def test_events_filter_by_kind_and_since(api, account_factory):
    account = account_factory(platform="FACEBOOK")
    event(account, 1, "message")
    wanted = event(account, 5, "message")
    event(account, 6, "comment")

    body = api.get("/social/events", {"kind": "message", "since": "2026-11-20T09:03:00Z"}).json()

    assert [item["id"] for item in body["events"]] == [wanted.pk]


@pytest.mark.django_db
def test_another_organizations_events_are_never_listed(
    api, account_factory, other_organization, membership_with_role
):
    account = account_factory(platform="FACEBOOK")
    event(account, 1)
    outsider = client_for(membership_with_role(org=other_organization))

    assert outsider.get("/social/events").json()["events"] == []
    assert outsider.get(f"/social/accounts/{account.pk}/events").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "kind=likes",
            [
                "kind must be one of message, comment, mention, post, reaction, deauthorization, "
                "other"
            ],
        ),
        ("cursor=not-a-cursor", "cursor is not one this service gave"),
        ("limit=500", ["limit must be at most 200"]),
    ],
)
def test_bad_event_queries_are_400(api, query, message):
    response = api.get(f"/social/events?{query}")

    assert response.status_code == 400
    assert response.json()["message"] == message


@pytest.mark.django_db
def test_an_event_page_costs_a_bounded_number_of_queries(
    api, account_factory, django_assert_max_num_queries
):
    account = account_factory(platform="FACEBOOK")
    for n in range(30):
        event(account, n)

    with django_assert_max_num_queries(3):  # membership, account, the page
        api.get(f"/social/accounts/{account.pk}/events?limit=30")
