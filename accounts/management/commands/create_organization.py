from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.services import organization_create


class Command(BaseCommand):
    help = "Create an organization and its owner (a new or existing user); prints the id."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner-username", required=True)
        parser.add_argument(
            "--owner-password",
            help="Password for a new owner (required when the user does not exist yet)",
        )
        parser.add_argument("--owner-email", default="")

    @transaction.atomic
    def handle(self, *args, name, owner_username, owner_password, owner_email, **options):
        if not name.strip():
            raise CommandError("The organization name must not be empty.")
        owner = self._owner(owner_username, owner_password, owner_email)
        organization = organization_create(name=name.strip(), owner=owner)
        self.stdout.write(organization.pk)

    def _owner(self, username: str, password: str | None, email: str):
        user_model = get_user_model()
        existing = user_model.objects.filter(username=username).first()
        if existing is not None:
            return existing
        if not password:
            raise CommandError(f"User {username!r} does not exist; give --owner-password.")
        return user_model.objects.create_user(username=username, password=password, email=email)
