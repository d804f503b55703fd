"""A real Celery worker for tests: a subprocess on the test database, fed through Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from vchata_social.tests.leaks import leaks_in, stored_secrets

ROOT = Path(__file__).resolve().parents[2]


def start_worker(broker_url: str, **environment: str) -> subprocess.Popen:
    """A solo-pool worker consuming `broker_url`; `environment` adds settings (a platform's
    base URL pointing at a stand-in server, say)."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **environment,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "vchata_social",
        "worker",
        "--pool",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def stop_worker(worker: subprocess.Popen) -> str:
    """Stop the worker; its output, for the assertion message. What it logged must hold no
    secret and no stack trace."""
    worker.terminate()
    try:
        output = worker.communicate(timeout=30)[0].decode()
    except subprocess.TimeoutExpired as stuck:
        # A task stuck past the warm shutdown: killed, so that no worker outlives its test
        # and holds the test database.
        worker.kill()
        output = worker.communicate()[0].decode()
        raise AssertionError(
            f"the worker did not stop within 30 s of SIGTERM:\n{output}"
        ) from stuck
    assert leaks_in([output], also=stored_secrets()) == [], output
    return output


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
