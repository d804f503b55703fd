"""Limiting staff to chosen organizations takes nothing from staff who existed before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0005_scheduled_task_run")]
AFTER = [("accounts", "0006_staff_organization_access")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_staff_from_before_keep_seeing_every_organization():
    try:
        check_staff_from_before_keep_seeing_every_organization()
    finally:
        # The tests after this one expect every table, those of later migrations included.
        migrate_to_latest()


def check_staff_from_before_keep_seeing_every_organization():
    old_apps = migrate(BEFORE)
    User = old_apps.get_model("auth", "User")
    User.objects.create(username="old-staff", is_staff=True)
    User.objects.create(username="old-member")
    User.objects.create(username="old-root", is_staff=True, is_superuser=True)
    new_apps = migrate(AFTER)
    granted = new_apps.get_model("auth", "User").objects.filter(
        user_permissions__codename="view_all_organizations"
    )
    assert list(granted.values_list("username", flat=True)) == ["old-staff"]
