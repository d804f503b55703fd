"""The account list with and without the encrypted columns: what deferring them saves."""

import timeit

from accounts.models import Organization, SocialAccount
from accounts.serializers import SocialAccountWithStatsSerializer
from accounts.services import SYSTEM, social_account_connect

ACCOUNTS = 50
ROUNDS = 200


def _seed() -> Organization:
    organization = Organization.objects.create(name="Bench")
    for n in range(ACCOUNTS):
        social_account_connect(
            organization=organization,
            actor=SYSTEM,
            platform="FACEBOOK",
            platform_user_id=str(n),
            access_token=f"EAAB{'x' * 200}{n}",
            refresh_token=f"EAAK{'y' * 200}{n}",
            expires_in=3600,
        )
    return organization


def _serve(queryset) -> None:
    SocialAccountWithStatsSerializer(list(queryset[:ACCOUNTS]), many=True).data  # noqa: B018


def run() -> None:
    organization = _seed()
    every_column = SocialAccount.objects.for_organization(organization)
    read_path = every_column.without_secrets()
    baseline = min(timeit.repeat(lambda: _serve(every_column), number=ROUNDS // 10, repeat=5))
    deferred = min(timeit.repeat(lambda: _serve(read_path), number=ROUNDS // 10, repeat=5))
    print(
        f"account list, {ACCOUNTS} accounts: deferring the encrypted columns takes "
        f"{deferred / baseline:.2f}x the time of loading them "
        f"({baseline / deferred:.1f}x faster)"
    )
