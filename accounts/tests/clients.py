"""Clients for tests: the API signed in as a membership, and admin addresses."""

from django.contrib.admin.utils import quote
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.authentication import tokens_for_membership


def client_for(membership) -> APIClient:
    """A client whose requests carry an access token for `membership`'s organization and role."""
    client = APIClient()
    token = tokens_for_membership(membership)["accessToken"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def admin_url(model, view: str, obj=None) -> str:
    """An admin page of `model` ("changelist", "add") or of `obj` ("change", "history",
    "delete"). The admin escapes "_" in ids (org_5f… would read as org and a character), so
    the id is quoted the way the admin's own links quote it."""
    meta = model._meta
    args = [] if obj is None else [quote(obj.pk)]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def change_url(obj) -> str:
    """The admin's change page of `obj`."""
    return admin_url(type(obj), "change", obj)
