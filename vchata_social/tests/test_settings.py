import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What the test run sets (pytest.ini) and each test decides for itself.
DECIDED_BY_EACH_TEST = (
    "SECRET_KEY",
    "CRYPTOGRAPHY_KEY",
    "JWT_SIGNING_KEY",
    "DEBUG",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
)
REAL_KEYS = {"SECRET_KEY": "s" * 50, "CRYPTOGRAPHY_KEY": "c" * 50, "JWT_SIGNING_KEY": "j" * 50}
SERVICES = {
    "DATABASE_URL": "postgres://vchata@db.internal:5432/vchata",
    "REDIS_URL": "redis://cache.internal:6379/0",
}
PRODUCTION = {"DEBUG": "false", **REAL_KEYS, **SERVICES}


def import_settings(code: str = "import vchata_social.settings", **environment):
    env = {key: value for key, value in os.environ.items() if key not in DECIDED_BY_EACH_TEST}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def settings_values(*names: str, **environment) -> dict:
    """The named settings as the environment makes them, read in a fresh process."""
    code = (
        "import json, vchata_social.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {list(names)!r}}}, default=str))"
    )
    result = import_settings(code, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_refuses_the_example_keys():
    result = import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY, CRYPTOGRAPHY_KEY, JWT_SIGNING_KEY" in result.stderr


def test_production_refuses_one_remaining_example_key():
    result = import_settings(DEBUG="false", SECRET_KEY="s" * 50, JWT_SIGNING_KEY="j" * 50)
    assert result.returncode != 0
    assert "but CRYPTOGRAPHY_KEY still hold" in result.stderr


def test_production_starts_with_real_keys_a_database_and_redis():
    values = settings_values("DATABASES", "CACHES", **PRODUCTION)
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["CACHES"]["default"]["LOCATION"] == SERVICES["REDIS_URL"]


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (["DATABASE_URL"], "DATABASE_URL is not set"),
        (["REDIS_URL"], "REDIS_URL is not set"),
        (["DATABASE_URL", "REDIS_URL"], "DATABASE_URL, REDIS_URL are not set"),
    ],
)
def test_production_refuses_to_start_without_its_services(unset, named):
    environment = {name: value for name, value in PRODUCTION.items() if name not in unset}
    result = import_settings(**environment)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: DEBUG is off but {named}" in result.stderr


def test_production_takes_an_empty_service_variable_for_a_missing_one():
    result = import_settings(**{**PRODUCTION, "REDIS_URL": ""})
    assert result.returncode != 0
    assert "DEBUG is off but REDIS_URL is not set" in result.stderr


def test_production_sends_tasks_to_the_workers_through_redis():
    values = settings_values("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", **PRODUCTION)
    assert values == {"CELERY_BROKER_URL": SERVICES["REDIS_URL"], "CELERY_TASK_ALWAYS_EAGER": False}


def test_an_empty_broker_variable_falls_back_to_redis():
    values = settings_values(
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_TASK_ALWAYS_EAGER",
        **PRODUCTION,
        CELERY_BROKER_URL="",
        CELERY_RESULT_BACKEND="",
    )
    assert values == {
        "CELERY_BROKER_URL": SERVICES["REDIS_URL"],
        "CELERY_RESULT_BACKEND": SERVICES["REDIS_URL"],
        "CELERY_TASK_ALWAYS_EAGER": False,
    }


def test_an_explicit_eager_setting_is_honoured():
    values = settings_values(
        "CELERY_TASK_ALWAYS_EAGER", **PRODUCTION, CELERY_TASK_ALWAYS_EAGER="true"
    )
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True


def test_local_use_runs_on_the_embedded_defaults():
    values = settings_values(
        "DATABASES", "CACHES", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", DEBUG="true"
    )
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["CELERY_BROKER_URL"] == "memory://"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True


def test_local_use_with_a_broker_leaves_tasks_to_the_workers():
    values = settings_values(
        "CELERY_TASK_ALWAYS_EAGER", DEBUG="true", CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
    )
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_a_scheduled_sync_waits_less_than_redis_waits_before_delivering_it_again():
    # Redis delivers again a task not acknowledged within the visibility timeout, counted from
    # when it was sent: a scheduled sync's countdown must end well before.
    code = (
        "from vchata_social import settings as s; "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'] - s.SYNC_INTERVAL_SECONDS)"
    )

    answer = import_settings(code, **PRODUCTION)

    assert answer.returncode == 0, answer.stderr
    assert int(answer.stdout) >= 3600
