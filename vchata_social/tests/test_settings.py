import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def import_settings(**environment) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "CRYPTOGRAPHY_KEY", "JWT_SIGNING_KEY", "DEBUG")
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", "import vchata_social.settings"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_the_example_keys():
    result = import_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY, CRYPTOGRAPHY_KEY, JWT_SIGNING_KEY" in result.stderr


def test_production_refuses_one_remaining_example_key():
    result = import_settings(DEBUG="false", SECRET_KEY="s" * 50, JWT_SIGNING_KEY="j" * 50)
    assert result.returncode != 0
    assert "but CRYPTOGRAPHY_KEY still hold" in result.stderr


def test_production_starts_with_real_keys():
    keys = {"SECRET_KEY": "s" * 50, "CRYPTOGRAPHY_KEY": "c" * 50, "JWT_SIGNING_KEY": "j" * 50}
    assert import_settings(DEBUG="false", **keys).returncode == 0


def test_local_use_runs_on_the_example_keys():
    assert import_settings(DEBUG="true").returncode == 0
