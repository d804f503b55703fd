"""Services of a test's own, so that stopping one disturbs nobody else on the machine."""

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis

from vchata_social.celery import app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server on a free port of 127.0.0.1, keeping nothing on disk; `stop` and
    `start` play an outage and a recovery on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_until_answering()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def _wait_until_answering(self, seconds: float = 10) -> None:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not answer")


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class CuttableProxy:
    """A TCP relay from a free port of 127.0.0.1 to `target`. `cut` plays an outage of the
    service behind it, as its clients see one: every open connection drops and new ones are
    refused. `restore` accepts connections again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            sockets, self._open = [*self._open, self._listener], []
            self._listener = None
        for sock in sockets:
            if sock is not None:
                _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed by cut()
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed by the other side
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@contextmanager
def cuttable_proxy(target: tuple[str, int]) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy(target)
    proxy.restore()
    try:
        yield proxy
    finally:
        proxy.cut()


def forget_broker_connections() -> None:
    """Celery keeps its connection and producer pools for the broker it first sent to; a test
    that points CELERY_BROKER_URL elsewhere forgets both, as Celery does after a fork, so that
    its tasks go to the broker now configured. Nothing is closed: kombu shares the pools."""
    app._pool = None
    app.amqp._producer_pool = None


def terminate_backend(pid: int) -> None:
    """Drop one PostgreSQL connection from the server's side, as a restart or an idle timeout
    does, from another thread's connection: no other test's is touched."""

    def terminate():
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            connection.close()

    thread = threading.Thread(target=terminate)
    thread.start()
    thread.join()
