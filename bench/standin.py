"""A stand-in Graph API serving one Facebook Page with many posts, for the sync scenario.

Posts are shaped as the Page Feed fixture of the platform tests (one documented answer, with
ids, times and counts varied), served 50 to a page (what the client asks for) and linked by
`paging.next`, as the Graph API pages a Page's posts."""

import copy
import json
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from accounts.tests.standin import serving

FIXTURES = Path(__file__).resolve().parent.parent / "accounts/platforms/tests/fixtures/facebook"
PAGE_ID = "104619372293045"
PAGE_TOKEN = "bench-page-token"
POSTS_PER_ANSWER = 50


def post_rows(count: int, *, now: datetime, days: int) -> list[dict]:
    """`count` posts of the Page, newest first, spread over the last `days` days."""
    template = json.loads((FIXTURES / "posts_first.json").read_text())["data"][0]
    rows = []
    step = timedelta(days=days) / count
    for n in range(count):
        row = copy.deepcopy(template)
        row["id"] = f"{PAGE_ID}_{10**12 + n}"
        row["message"] = f"Post number {n} of the bench"
        row["created_time"] = (now - step * n).strftime("%Y-%m-%dT%H:%M:%S+0000")
        row["permalink_url"] = f"https://www.facebook.com/bench/posts/{n}"
        row["shares"]["count"] = n % 17
        row["reactions"]["summary"]["total_count"] = n % 101
        row["comments"]["summary"]["total_count"] = n % 13
        for metric, value in zip(row["insights"]["data"], (n % 997, n % 1999, n % 59), strict=True):
            metric["values"][0]["value"] = value
        rows.append(row)
    return rows


def feed_answers(rows: list[dict], base_url: str) -> list[bytes]:
    """The Page's posts as the Graph API pages them: each answer links to the next one."""
    answers = []
    for start in range(0, len(rows), POSTS_PER_ANSWER):
        body: dict = {"data": rows[start : start + POSTS_PER_ANSWER]}
        if start + POSTS_PER_ANSWER < len(rows):
            query = urlencode({"limit": POSTS_PER_ANSWER, "after": str(start + POSTS_PER_ANSWER)})
            body["paging"] = {"next": f"{base_url}/{PAGE_ID}/posts?{query}"}
        answers.append(json.dumps(body).encode())
    return answers


def pages_answer() -> bytes:
    page = {
        "id": PAGE_ID,
        "name": "Bench Page",
        "category": "Software",
        "access_token": PAGE_TOKEN,
        "followers_count": 4200,
        "link": "https://www.facebook.com/bench",
    }
    return json.dumps(
        {"data": [page], "paging": {"cursors": {"before": "A", "after": "A"}}}
    ).encode()


class GraphStandin:
    """Serves the Page's list, its posts and (empty) insights; anything else is a 404."""

    def __init__(self) -> None:
        self.feed: list[bytes] = [json.dumps({"data": []}).encode()]
        self.calls = 0

    def serve_posts(self, rows: list[dict], base_url: str) -> None:
        self.feed = feed_answers(rows, base_url)

    def answer(self, path: str, query: dict[str, str]) -> bytes | None:
        self.calls += 1
        if path == "/me/accounts":
            return pages_answer()
        if path == f"/{PAGE_ID}/posts":
            index = int(query.get("after") or 0) // POSTS_PER_ANSWER
            return self.feed[index] if index < len(self.feed) else None
        if path == f"/{PAGE_ID}/insights":
            return b'{"data": []}'
        return None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                parts = urlsplit(self.path)
                body = standin.answer(parts.path, dict(parse_qsl(parts.query)))
                status = 200 if body is not None else 404
                body = body if body is not None else b'{"error": {"message": "not found"}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


def serve(standin: GraphStandin):
    """serving() of the stand-in: a context manager yielding its base URL."""
    return serving(standin.handler())


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
