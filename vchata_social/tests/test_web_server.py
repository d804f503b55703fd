"""The production web line (the Procfile's `web`, with gunicorn.conf.py) keeps answering while
clients stall in the middle of sending a body."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.db import connection

from vchata_social.tests.leaks import leaks_in, stored_secrets

ROOT = Path(__file__).resolve().parents[2]
# Headers that promise a body which never comes, as the proxy passes an https request on (a
# plain HTTP one would be redirected before its body is read).
STALLED_REQUEST = (
    b"POST /auth/token HTTP/1.1\r\n"
    b"Host: 127.0.0.1\r\n"
    b"X-Forwarded-Proto: https\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: 1000\r\n"
    b"\r\n"
    b'{"username": '
)
TIMED_OUT_BODY = (
    b'{"success":false,"statusCode":408,'
    b'"message":"Request body was not received in time","error":"Request Timeout"}'
)
STARTUP_SECONDS = 60


def procfile_web_command() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == "web":
            return command.strip()
    raise AssertionError("the Procfile has no web line")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_environment(port: int, **overrides: str) -> dict[str, str]:
    """DEBUG off with real-looking keys, on the test database and this run's Redis."""
    database = connection.settings_dict
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "DEBUG": "false",
        "SECRET_KEY": "s" * 50,
        "CRYPTOGRAPHY_KEY": "c" * 50,
        "JWT_SIGNING_KEY": "j" * 50,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "ALLOWED_HOSTS": "127.0.0.1",
        **overrides,
    }


def healthz(port: int, timeout: float) -> float:
    """Seconds /healthz took to answer 200; raises when it did not answer within `timeout`."""
    started = time.monotonic()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request("GET", "/healthz")
        response = client.getresponse()
        response.read()
    finally:
        client.close()
    assert response.status == 200
    return time.monotonic() - started


def wait_until_serving(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "the web line exited at start"
        try:
            healthz(port, timeout=5)
            return
        except (OSError, AssertionError, http.client.HTTPException):
            time.sleep(0.2)
    raise AssertionError("the web line did not answer /healthz")


@contextmanager
def web_line(**overrides: str) -> Iterator[int]:
    """The Procfile's web line on a free port; yields the port. Stopped (with its workers)
    whatever happens; what it printed must hold no secret and no stack trace."""
    port = free_port()
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(
            ["bash", "-c", procfile_web_command()],
            cwd=ROOT,
            env=production_environment(port, **overrides),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_serving(server, port)
            yield port
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=15)
        output.seek(0)
        logged = output.read().decode(errors="replace")
        assert leaks_in([logged], also=stored_secrets()) == [], logged


def stalled_client(stack: ExitStack, port: int) -> socket.socket:
    """A connection that has sent its headers and part of its body, and sends no more."""
    client = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
    client.sendall(STALLED_REQUEST)
    return client


def read_until_closed(client: socket.socket) -> bytes:
    """What the server sent before it closed the connection (a timeout error if it did not)."""
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


def settle() -> None:
    """Let the workers pick the stalled requests up before /healthz is asked."""
    time.sleep(0.5)


@pytest.mark.django_db
def test_healthz_answers_while_more_clients_stall_than_there_are_workers():
    workers = 2
    with web_line(WEB_CONCURRENCY=str(workers), WEB_THREADS="8") as port, ExitStack() as stack:
        for _ in range(3 * workers):
            stalled_client(stack, port)
        settle()
        latencies = [healthz(port, timeout=5) for _ in range(5)]
    assert max(latencies) < 1, latencies


@pytest.mark.django_db
def test_a_client_stalled_past_the_timeout_is_cut_off_and_frees_its_thread():
    # Every thread of every worker taken by a stalled client, and more waiting.
    with (
        web_line(WEB_CONCURRENCY="1", WEB_THREADS="2", WEB_CLIENT_TIMEOUT="2") as port,
        ExitStack() as stack,
    ):
        stalled = [stalled_client(stack, port) for _ in range(4)]
        settle()
        assert healthz(port, timeout=8) < 7
        answers = [read_until_closed(client) for client in stalled]
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer
        assert answer.endswith(TIMED_OUT_BODY), answer
