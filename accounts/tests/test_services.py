"""The token services keep to the caller's organization on their own, whoever calls them."""

import pytest

from accounts.models import SocialAccount
from accounts.services import (
    SYSTEM,
    social_account_refresh_token,
    social_account_validate_token,
)
from vchata_social.errors import NotFound


@pytest.fixture
def foreign_account(account_factory, other_organization):
    return account_factory(
        organization=other_organization, platform="TIKTOK", access_token="act.globex-access"
    )


@pytest.mark.django_db
def test_refreshing_another_organizations_account_is_not_found(
    platforms, organization, foreign_account
):
    with pytest.raises(NotFound, match="^Social account not found$"):
        social_account_refresh_token(
            organization=organization, account_id=foreign_account.pk, actor=SYSTEM
        )

    untouched = SocialAccount.objects.get(pk=foreign_account.pk)
    assert untouched.token_refreshed_at is None
    assert untouched.access_token == "act.globex-access"


@pytest.mark.django_db
def test_validating_another_organizations_account_is_not_found(
    platforms, organization, foreign_account
):
    with pytest.raises(NotFound, match="^Social account not found$"):
        social_account_validate_token(
            organization=organization, account_id=foreign_account.pk, actor=SYSTEM
        )

    assert SocialAccount.objects.get(pk=foreign_account.pk).token_validated_at is None
