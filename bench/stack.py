"""The real stack the bench runs against: gunicorn with the Procfile's web line, a Celery
worker with its worker line, on a PostgreSQL database and a Redis db of the bench's own, with
production settings (DEBUG off). Every process started here is stopped on the way out, on
success, failure or Ctrl-C alike."""

import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class BenchConfig:
    seconds: int
    database_url: str
    redis_url: str
    port: int

    @classmethod
    def from_environment(cls, environ=os.environ) -> "BenchConfig":
        return cls(
            seconds=int(environ.get("BENCH_S") or 10),
            database_url=environ.get("BENCH_DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/vchata_bench",
            redis_url=environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/9",
            port=int(environ.get("BENCH_PORT") or 8401),
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def procfile_line(name: str, procfile: Path = ROOT / "Procfile") -> str:
    for line in procfile.read_text().splitlines():
        key, _, command = line.partition(":")
        if key.strip() == name:
            return command.strip()
    raise KeyError(f"no {name} line in {procfile}")


def stack_environment(config: BenchConfig, *, standin_url: str, floor_dir: Path) -> dict:
    """What the bench's processes (and the bench itself) run with: production settings, fresh
    keys, the bench's own database and Redis db, Facebook pointed at the stand-in."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "CRYPTOGRAPHY_KEY": secrets.token_urlsafe(48),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": config.database_url,
        "REDIS_URL": config.redis_url,
        "CELERY_BROKER_URL": "",
        "CELERY_RESULT_BACKEND": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PORT": str(config.port),
        "BENCH_FLOOR_DIR": str(floor_dir),
        "SOCIAL_FACEBOOK_CLIENT_ID": "bench-app",
        "SOCIAL_FACEBOOK_CLIENT_SECRET": secrets.token_hex(16),
        "SOCIAL_FACEBOOK_GRAPH_URL": standin_url,
        # The stand-in sets no call budget; ours is still counted in Redis on every call.
        "PLATFORM_RATE_LIMIT_PER_MINUTE": "1000000",
        "LOG_LEVEL": "WARNING",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def recreate_database(database_url: str) -> None:
    """Drop and create the bench's database: every run starts from an empty one."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected database name {name!r}")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).flushdb()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self) -> None:
        """The whole process group: a master and its workers alike."""
        if self.popen.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        # Children a killed master left behind are in the same group.
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Stack:
    config: BenchConfig
    environment: dict
    workdir: Path
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, command_line: str) -> Process:
        log = self.workdir / f"{name}.log"
        popen = subprocess.Popen(
            ["bash", "-c", f"exec {command_line}"],
            cwd=ROOT,
            env={**os.environ, **self.environment},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def pid_of(self, name: str) -> int:
        return next(p.popen.pid for p in self.processes if p.name == name)


def wait_until_up(url: str, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        with suppress(requests.RequestException):
            if requests.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=5).ok:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{process.name} did not answer {url}:\n{process.log_tail()}")


def wait_for_worker(app, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        with suppress(Exception):
            if app.control.ping(timeout=1.0):
                return
    raise RuntimeError(f"{process.name} did not answer a ping:\n{process.log_tail()}")


def _raise_on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def workdir():
    with tempfile.TemporaryDirectory(prefix="vchata-bench-") as path:
        yield Path(path)


@contextmanager
def running_stack(config: BenchConfig, environment: dict, directory: Path):
    """gunicorn and the Celery worker started from the Procfile's lines; stopped on exit."""
    previous = signal.signal(signal.SIGTERM, _raise_on_sigterm)
    stack = Stack(config, environment, directory)
    try:
        web = stack.start("web", procfile_line("web"))
        stack.start("worker", procfile_line("worker"))
        wait_until_up(f"{config.base_url}/healthz", web)
        yield stack
    finally:
        stack.stop()
        signal.signal(signal.SIGTERM, previous)


def quoted(command: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in command)
