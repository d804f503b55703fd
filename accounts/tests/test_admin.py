from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditLog
from accounts.tests.clients import change_url


@pytest.mark.django_db
def test_admin_pages_never_show_tokens(staff_client, account_factory):
    account = account_factory(access_token="EAAB-visible-nowhere", refresh_token="EAAK-hidden-too")
    pages = [
        "/admin/accounts/socialaccount/",
        change_url(account),
        change_url(account.organization),
        "/admin/accounts/socialaccount/?platform__exact=FACEBOOK&is_active__exact=1",
        "/admin/accounts/socialaccount/?q=Page",
    ]
    for page in pages:
        response = staff_client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert "visible-nowhere" not in html and "hidden-too" not in html, page


def change_form(**fields) -> dict:
    """The account change form's fields, with the (empty) pages inline's management form."""
    inline = {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0", "MIN_NUM_FORMS": "0"}
    return {**fields, **{f"pages-{name}": value for name, value in inline.items()}}


@pytest.mark.django_db
def test_staff_edits_go_through_the_admin_without_touching_tokens(staff_client, account_factory):
    account = account_factory(access_token="EAAB-keep-me")
    response = staff_client.post(
        change_url(account),
        change_form(
            platform_user_name="Renamed",
            platform_user_email="",
            permissions='["pages_show_list"]',
            is_active="on",
        ),
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.platform_user_name == "Renamed"
    assert account.access_token == "EAAB-keep-me"


@pytest.mark.django_db
def test_a_staff_edit_is_audited_with_the_staff_user_and_address(staff_client, account_factory):
    account = account_factory(platform_user_name="Acme Page", permissions=["pages_show_list"])
    response = staff_client.post(
        change_url(account),
        change_form(
            platform_user_name="Acme Corp Page",
            platform_user_email="",
            permissions='["pages_show_list", "pages_read_engagement"]',
            is_active="on",
        ),
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 302
    entry = AuditLog.objects.get(action="social_account.update", target_id=account.pk)
    assert entry.actor.username == "staff"
    assert entry.ip_address == "203.0.113.7"
    assert entry.organization_id == account.organization_id
    assert entry.details == {"fields": ["platform_user_name", "permissions"]}
    account.refresh_from_db()
    assert account.platform_user_name == "Acme Corp Page"
    assert account.permissions == ["pages_show_list", "pages_read_engagement"]


@pytest.mark.django_db
def test_audit_log_is_read_only(staff_client, organization):
    log = AuditLog.objects.create(
        organization=organization,
        action="social_account.connect",
        target_type="SocialAccount",
        target_id="social_x",
    )
    assert staff_client.get("/admin/accounts/auditlog/").status_code == 200
    assert staff_client.get("/admin/accounts/auditlog/add/").status_code == 403
    assert (
        staff_client.post(f"/admin/accounts/auditlog/{log.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditLog.objects.filter(pk=log.pk).exists()


@pytest.mark.django_db
def test_staff_refresh_selected_accounts(staff_client, platforms, account_factory):
    from accounts.platforms.tests.support import REFRESH_CALLS, load_fixture

    good = account_factory(platform="YOUTUBE")
    dead = account_factory(platform="TIKTOK")
    platforms.post(REFRESH_CALLS["YOUTUBE"][1], json=load_fixture("youtube", "refresh_success"))
    platforms.post(
        REFRESH_CALLS["TIKTOK"][1], status=400, json=load_fixture("tiktok", "invalid_grant")
    )

    response = staff_client.post(
        "/admin/accounts/socialaccount/",
        {"action": "refresh_tokens", "_selected_action": [good.pk, dead.pk]},
        follow=True,
    )

    page = response.content.decode()
    assert "Token refreshed: 1 account(s)." in page
    assert f"{dead.pk}: The platform rejected".lower() in page.lower()
    good.refresh_from_db()
    dead.refresh_from_db()
    assert good.access_token == "ya29.a0AfH6SMBrefreshedAccessToken"
    assert dead.status == "REAUTH_REQUIRED"
    filtered = staff_client.get("/admin/accounts/socialaccount/?status__exact=REAUTH_REQUIRED")
    assert dead.pk in filtered.content.decode() and good.pk not in filtered.content.decode()


@pytest.mark.django_db
def test_staff_filter_by_token_expiry(staff_client, account_factory):
    soon = account_factory(token_expires_at=timezone.now() + timedelta(hours=3))
    later = account_factory(token_expires_at=timezone.now() + timedelta(days=30))
    page = staff_client.get("/admin/accounts/socialaccount/?token_expiry=1d").content.decode()
    assert soon.pk in page and later.pk not in page


@pytest.mark.django_db
def test_staff_refresh_of_a_disconnected_account_is_an_error_not_a_crash(
    staff_client, platforms, account_factory
):
    gone = account_factory(disconnected_at=timezone.now(), access_token="", refresh_token=None)

    response = staff_client.post(
        "/admin/accounts/socialaccount/",
        {"action": "validate_tokens", "_selected_action": [gone.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "social account not found" in response.content.decode().lower()


@pytest.mark.django_db
def test_staff_filter_finds_accounts_that_need_a_new_login_soon(staff_client, account_factory):
    now = timezone.now()
    data_access_ending = account_factory(data_access_expires_at=now + timedelta(days=6))
    refresh_token_dying = account_factory(refresh_token_expires_at=now + timedelta(days=2))
    fine = account_factory(
        data_access_expires_at=now + timedelta(days=60),
        refresh_token_expires_at=now + timedelta(days=300),
    )
    page = staff_client.get("/admin/accounts/socialaccount/?token_expiry=reauth_soon")
    shown = page.content.decode()
    assert data_access_ending.pk in shown and refresh_token_dying.pk in shown
    assert fine.pk not in shown
