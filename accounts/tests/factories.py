import factory
from django.contrib.auth import get_user_model

from accounts.models import Membership, Organization, Platform, Role, SocialAccount

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def saved(user, create, extracted, **kwargs):
        if create:
            user.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.ADMIN


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SocialAccount

    organization = factory.SubFactory(OrganizationFactory)
    platform = Platform.FACEBOOK
    platform_user_id = factory.Sequence(lambda n: str(100000 + n))
    platform_user_name = factory.Sequence(lambda n: f"Page {n}")
    permissions = factory.LazyFunction(lambda: ["pages_manage_posts", "pages_read_engagement"])
    access_token = factory.Sequence(lambda n: f"EAAB-access-token-{n:06d}")
    refresh_token = factory.Sequence(lambda n: f"EAAK-refresh-token-{n:06d}")
