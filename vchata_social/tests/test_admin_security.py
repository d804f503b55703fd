"""The admin never shows a token or secret, and a staff member limited to chosen
organizations sees, opens and acts on nothing of any other, in every admin."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from accounts.admin_scope import OrganizationScopedAdmin
from accounts.models import Organization, SocialAccount, StaffOrganizationAccess
from accounts.tests.clients import admin_url
from accounts.tests.factories import OrganizationFactory, UserFactory
from vchata_social.tests.admin_data import limited_staff, seed_organization_data

SCOPED_MODELS = [
    model
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, OrganizationScopedAdmin)
]


def object_pages(obj, user) -> list[str]:
    """The object's change and history pages, and its delete page where `user` may delete it
    (read-only admins refuse theirs)."""
    request = RequestFactory().get("/")
    request.user = user
    views = ["change", "history"]
    if admin.site._registry[type(obj)].has_delete_permission(request, obj):
        views.append("delete")
    return [admin_url(type(obj), view, obj) for view in views]


@pytest.fixture
def acme(organization):
    return seed_organization_data(organization, tag="acme")


@pytest.fixture
def zeta(db):
    return seed_organization_data(OrganizationFactory(name="Zeta Industries"), tag="zeta")


def test_every_admin_over_organization_data_is_limited_to_the_staff_members_organizations():
    unscoped = set(admin.site._registry) - set(SCOPED_MODELS)
    # Users and groups are the staff themselves, not an organization's data.
    assert unscoped == {get_user_model(), Group}


@pytest.mark.django_db
def test_no_admin_page_shows_a_token_or_secret(staff_client, acme, leak_watch):
    staff = get_user_model().objects.get(username="staff")
    pages = [reverse("admin:index"), reverse("admin:accounts_socialaccount_dashboard")]
    for model in admin.site._registry:
        pages.append(admin_url(model, "changelist"))
        for obj in model._default_manager.all():
            pages += object_pages(obj, staff)
    for page in pages:
        response = staff_client.get(page)
        assert response.status_code == 200, page
        html = response.content.decode()
        assert not [secret for secret in acme.secrets if secret in html], page
    # Every seeded object's own page was among them (the inlines' through their parents').
    for obj in acme.objects.values():
        if admin.site.is_registered(type(obj)):
            assert admin_url(type(obj), "change", obj) in pages


@pytest.mark.django_db
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda model: model._meta.label)
def test_limited_staff_see_only_their_organizations(client, model, acme, zeta):
    client.force_login(limited_staff(organizations=[acme.organization]))
    mine, theirs = acme.objects[model], zeta.objects[model]

    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert admin_url(model, "change", mine) in html
    assert admin_url(model, "change", theirs) not in html
    assert "zeta" not in html.lower()  # not even in a filter's choices
    assert client.get(admin_url(model, "change", mine)).status_code == 200
    for page in object_pages(theirs, get_user_model().objects.get(username="limited")):
        response = client.get(page)
        assert response.status_code in (302, 403), page
        assert "zeta" not in response.content.decode().lower(), page


@pytest.mark.django_db
def test_staff_with_no_organization_chosen_see_none(client, acme):
    client.force_login(limited_staff(organizations=[]))
    html = client.get(admin_url(SocialAccount, "changelist")).content.decode()
    assert "0 social accounts" in html
    assert acme.account.pk not in html


@pytest.mark.django_db
def test_the_permission_to_see_every_organization_shows_every_one(client, acme, zeta):
    staff = limited_staff(organizations=[])
    staff.user_permissions.add(Permission.objects.get(codename="view_all_organizations"))
    client.force_login(staff)
    html = client.get(admin_url(SocialAccount, "changelist")).content.decode()
    assert acme.account.pk in html and zeta.account.pk in html


def snapshot(data) -> dict:
    """Every row of an organization's data, as stored, and how many of each kind it has."""
    rows = {
        model: list(model._base_manager.filter(pk=obj.pk).values())
        for model, obj in data.objects.items()
    }
    counts = {model: model._base_manager.count() for model in data.objects}
    return {"rows": rows, "counts": counts}


# Every action of every admin over organization data, Django's delete included.
ACTIONS = [
    (model, name)
    for model in SCOPED_MODELS
    for name in [
        "delete_selected",
        *(action.__name__ for action in admin.site._registry[model].actions),
    ]
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "action"), ACTIONS, ids=[f"{model._meta.label}.{name}" for model, name in ACTIONS]
)
def test_limited_staff_cannot_act_on_another_organizations_objects(
    client, platforms, model, action, acme, zeta
):
    client.force_login(limited_staff(organizations=[acme.organization]))
    before = snapshot(zeta)

    response = client.post(
        admin_url(model, "changelist"),
        # Confirmed, for the actions that ask first.
        {
            "action": action,
            "_selected_action": [zeta.objects[model].pk],
            "confirmed": "yes",
            "post": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert snapshot(zeta) == before
    assert len(platforms.calls) == 0
    assert "zeta" not in response.content.decode().lower()


@pytest.mark.django_db
def test_only_staff_who_see_every_organization_choose_what_others_see(client, acme):
    limited = limited_staff(organizations=[acme.organization])
    inline_prefix = "staff_organizations-TOTAL_FORMS"
    own_page = admin_url(get_user_model(), "change", limited)

    client.force_login(limited)
    assert client.get(own_page).status_code == 200
    assert inline_prefix not in client.get(own_page).content.decode()

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert inline_prefix in client.get(own_page).content.decode()
    assert StaffOrganizationAccess.objects.filter(user=limited).count() == 1


@pytest.mark.django_db
def test_the_dashboard_counts_only_the_staff_members_organizations(client, acme, zeta):
    def attention_counts() -> dict[str, int]:
        response = client.get(reverse("admin:accounts_socialaccount_dashboard"))
        assert response.status_code == 200
        return {figure.key: figure.count for figure in response.context["attention"]}

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    everything = attention_counts()
    client.force_login(limited_staff(organizations=[acme.organization]))
    mine = attention_counts()

    # Each organization has one failed sync, one dead-lettered receipt and one delivery.
    for key in ("last_sync_failed", "webhook_dead_letters", "deliveries_failing"):
        assert (everything[key], mine[key]) == (2, 1), key


@pytest.mark.django_db
def test_limited_staff_cannot_add_an_organization_they_would_not_see(client, acme):
    add_page = admin_url(Organization, "add")
    client.force_login(limited_staff(organizations=[acme.organization]))
    assert client.get(add_page).status_code == 403
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get(add_page).status_code == 200


def view_only_staff():
    """A staff member who sees every organization and may view everything, change nothing."""
    user = UserFactory(username="viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
        | Permission.objects.filter(codename="view_all_organizations")
    )
    return user


# The actions that call a service: Django's own delete has its own permission.
SERVICE_ACTIONS = [(model, name) for model, name in ACTIONS if name != "delete_selected"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "action"),
    SERVICE_ACTIONS,
    ids=[f"{model._meta.label}.{name}" for model, name in SERVICE_ACTIONS],
)
def test_staff_who_may_only_view_are_not_offered_an_action_and_cannot_run_it(
    client, platforms, model, action, acme
):
    client.force_login(view_only_staff())
    listing = client.get(admin_url(model, "changelist")).content.decode()
    before = snapshot(acme)

    response = client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [acme.objects[model].pk], "confirmed": "yes"},
        follow=True,
    )

    assert f'value="{action}"' not in listing
    assert response.status_code == 200
    assert snapshot(acme) == before
    assert len(platforms.calls) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "action"),
    SERVICE_ACTIONS,
    ids=[f"{model._meta.label}.{name}" for model, name in SERVICE_ACTIONS],
)
def test_staff_who_may_change_are_offered_the_action(client, model, action, acme):
    client.force_login(limited_staff(organizations=[acme.organization]))
    listing = client.get(admin_url(model, "changelist")).content.decode()
    assert f'value="{action}"' in listing
