"""A local stand-in for a platform's HTTP API: the base URL settings point clients at it."""

import json
import threading
from collections.abc import Callable
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A route answers with a JSON body, or with what a function of the request's JSON body returns.
Answer = dict | Callable[[dict], dict]


class StallOnce:
    """A route's answer that hangs the first time it is asked for, until `release` is set (or
    `seconds` pass), and is given at once afterwards: a platform stuck mid-sync, once.
    `stalled` is set when the first request arrives."""

    def __init__(self, body: dict, *, seconds: float = 60) -> None:
        self.body = body
        self.seconds = seconds
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._first = threading.Lock()

    def __call__(self, request_body: dict) -> dict:
        if self._first.acquire(blocking=False):
            self.stalled.set()
            self.release.wait(self.seconds)
        return self.body


@contextmanager
def standin_platform(routes: dict[tuple[str, str], Answer]):
    """Serve `routes` ({(method, path): answer}) on 127.0.0.1; yields (base URL, calls)."""
    calls: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            request_body = _json_or_empty(self.rfile.read(length))
            path = self.path.split("?", 1)[0]
            calls.append((self.command, path))
            body = routes.get((self.command, path))
            if callable(body):
                body = body(request_body)
            payload = json.dumps(body if body is not None else {"error": "not_found"}).encode()
            # A client that gave up (or was killed) while the answer stalled is gone.
            with suppress(ConnectionError):
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, *args):  # keep test output quiet
            pass

    with serving(Handler) as base_url:
        yield base_url, calls


def _json_or_empty(raw: bytes) -> dict:
    """A JSON request body; {} for none, or for a form-encoded one (OAuth token requests)."""
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {}


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]):
    """Serve `handler` on a free port of 127.0.0.1 from a thread; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
