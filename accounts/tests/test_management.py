import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import AuditLog, Membership, Organization, Role


@pytest.mark.django_db
def test_create_organization_prints_its_id_and_makes_the_owner(capsys):
    call_command(
        "create_organization", "Acme Corp", owner_username="alice", owner_password="s3cret-pass!"
    )
    organization_id = capsys.readouterr().out.strip()
    organization = Organization.objects.get(pk=organization_id)
    assert organization.name == "Acme Corp"
    alice = get_user_model().objects.get(username="alice")
    assert alice.check_password("s3cret-pass!")
    assert Membership.objects.get(user=alice, organization=organization).role == Role.OWNER
    assert AuditLog.objects.filter(action="organization.create", target_id=organization_id).exists()


@pytest.mark.django_db
def test_create_organization_needs_a_password_for_a_new_user():
    with pytest.raises(CommandError, match="give --owner-password"):
        call_command("create_organization", "Acme Corp", owner_username="nobody")
    assert not Organization.objects.exists()
