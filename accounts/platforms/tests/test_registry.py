import pytest

from accounts.platforms import get_client
from accounts.platforms.base import PlatformClient

REFRESH_MODELS = {
    "FACEBOOK": "extend",
    "INSTAGRAM": "extend",
    "TIKTOK": "rotating",
    "TWITTER": "rotating",
    "LINKEDIN": "non_rotating",
    "YOUTUBE": "non_rotating",
}


@pytest.mark.parametrize(("platform", "refresh_model"), REFRESH_MODELS.items())
def test_every_platform_has_a_client(platform, refresh_model):
    client = get_client(platform)

    assert isinstance(client, PlatformClient)
    assert client.platform == platform
    assert client.refresh_model == refresh_model


def test_the_name_is_not_case_sensitive():
    assert get_client("tiktok") is get_client("TIKTOK")


def test_an_unknown_platform_is_a_key_error():
    with pytest.raises(KeyError, match="MYSPACE"):
        get_client("MYSPACE")
