"""API clients for tests: signed in as a given membership, the way a front end would be."""

from rest_framework.test import APIClient

from accounts.authentication import tokens_for_membership


def client_for(membership) -> APIClient:
    """A client whose requests carry an access token for `membership`'s organization and role."""
    client = APIClient()
    token = tokens_for_membership(membership)["accessToken"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
