"""A local stand-in for a platform's HTTP API: the base URL settings point clients at it."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def standin_platform(routes: dict[tuple[str, str], dict]):
    """Serve `routes` ({(method, path): json body}) on 127.0.0.1; yields (base URL, calls)."""
    calls: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            path = self.path.split("?", 1)[0]
            calls.append((self.command, path))
            body = routes.get((self.command, path))
            payload = json.dumps(body if body is not None else {"error": "not_found"}).encode()
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
