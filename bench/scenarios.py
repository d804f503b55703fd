"""The scenarios of `make bench`. Each measures the real stack against a baseline taken in the
same run and returns its figures and its checks: targets (checked by the full run) and
correctness (nothing lost, every scenario ran: checked by the smoke run too)."""

import http.client
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.tests.worker import wait_for
from bench import load, seed
from bench.floor import record
from bench.outcome import Outcome
from bench.standin import GraphStandin, now, post_rows

HTTPS = ("X-Forwarded-Proto", "https")
# Load sent before a measured run and not counted: by its end every thread of every web worker
# has its database connection open and every process its caches filled, as in a server that
# has been up a while. A freshly started one opens them during the first run instead, and those
# requests land in its p99.
WARM_UP_SECONDS = 2


@dataclass
class Bench:
    base_url: str
    seconds: int
    workdir: Path
    standin: GraphStandin
    standin_url: str

    def sign_in(self, username: str) -> str:
        answer = requests.post(
            f"{self.base_url}/auth/token",
            json={"username": username, "password": seed.PASSWORD},
            headers=dict([HTTPS]),
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["tokens"]["accessToken"]

    def wrk(self, path: str, *, warm_up: bool = False, **options) -> load.LoadFigures:
        headers = [HTTPS, *options.pop("headers", ())]
        url = f"{self.base_url}{path}"
        if warm_up:
            load.run(url, seconds=WARM_UP_SECONDS, headers=headers, **options)
        return load.run(url, seconds=self.seconds, headers=headers, **options)


Rounds = list[tuple[load.LoadFigures, load.LoadFigures]]  # (floor, measured) each


def rounds_said(outcome: Outcome, what: str, rounds: Rounds) -> tuple[float, bool]:
    """Says each round's figures; returns the measured requests/s over all the rounds against
    the floor's, and whether every request of every run was answered 2xx."""
    for number, (floor, measured) in enumerate(rounds, start=1):
        outcome.say(ratio_line(f"{what}, round {number}", measured, floor))
    ratio = combined_rate([m for _, m in rounds]) / combined_rate([f for f, _ in rounds])
    return ratio, all(floor.clean and measured.clean for floor, measured in rounds)


def combined_rate(runs: list[load.LoadFigures]) -> float:
    return sum(run.requests for run in runs) / sum(run.seconds for run in runs)


def ratio_line(what: str, measured: load.LoadFigures, floor: load.LoadFigures) -> str:
    return (
        f"{what}: {measured.per_second:,.0f} req/s, p50 {measured.p50_ms:.1f} ms, "
        f"p99 {measured.p99_ms:.1f} ms; floor {floor.per_second:,.0f} req/s, p50 "
        f"{floor.p50_ms:.1f} ms, p99 {floor.p99_ms:.1f} ms; ratio "
        f"{measured.per_second / floor.per_second:.3f}x"
    )


# --- 1. The account list ------------------------------------------------------------------

LIST_ACCOUNTS = 50
# The floor and the list are measured in turns, each turn with new connections. wrk's 16
# connections are shared out among gunicorn's workers as each worker happens to accept them,
# and the busiest worker's share sets the p99: one pair of runs compares two such draws, the
# median of three pairs compares the server.
LIST_ROUNDS = 3


def account_list(bench: Bench) -> Outcome:
    outcome = Outcome("account list")
    organization, username = seed.organization_with_admin("Bench list")
    seed.accounts_with_stats(organization, LIST_ACCOUNTS)
    token = bench.sign_in(username)
    auth = ("Authorization", f"Bearer {token}")
    answer = requests.get(
        f"{bench.base_url}/social/accounts", headers=dict([HTTPS, auth]), timeout=30
    )
    answer.raise_for_status()
    outcome.check(
        f"the list holds {LIST_ACCOUNTS} accounts",
        len(answer.json()["socialAccounts"]) == LIST_ACCOUNTS,
        target=False,
    )
    record(bench.workdir, "account-list", answer.content, answer.headers["Content-Type"])
    rounds = [
        (
            bench.wrk("/bench/floor/account-list", warm_up=first),
            bench.wrk("/social/accounts", headers=[auth], warm_up=first),
        )
        for first in [True] + [False] * (LIST_ROUNDS - 1)
    ]
    queries = queries_per_request("/social/accounts", token)
    ratio, clean = rounds_said(outcome, "account list", rounds)
    p99_ratio = statistics.median(m.p99_ms / f.p99_ms for f, m in rounds)
    outcome.say(
        f"account list: {ratio:.3f}x the floor's requests over the rounds; p99 "
        f"{p99_ratio:.1f}x the floor's in the median round"
    )
    outcome.say(f"queries per request: {queries}")
    outcome.check("every request answered 2xx", clean, target=False)
    outcome.check(f"requests/s >= 0.25x the floor ({ratio:.3f}x)", ratio >= 0.25)
    outcome.check(f"p99 under 4x the floor's ({p99_ratio:.1f}x)", p99_ratio < 4)
    outcome.check(f"at most 3 queries ({queries})", queries <= 3)
    return outcome


def queries_per_request(path: str, token: str) -> int:
    """The queries one request makes, counted in this process on the same code and data."""
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    client.get(path, secure=True)  # connections and caches warm, as in a running worker
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path, secure=True)
    assert answer.status_code == 200, answer.content
    return len(queries)


# --- 2. Webhook receipt -------------------------------------------------------------------

# Distinct signed events prepared per second of load: more than the receiver takes.
EVENTS_PER_SECOND = 4000
# In turns with its floor, as the account list is (LIST_ROUNDS): how wrk's connections land
# on the workers also sets how many deliveries each worker's batches gather.
RECEIPT_ROUNDS = 3


def webhook_receipt(bench: Bench) -> Outcome:
    from webhooks.models import ReceiptStatus, SocialEvent, WebhookReceipt

    outcome = Outcome("webhook receipt")
    organization, _username = seed.organization_with_admin("Bench webhooks")
    account = seed.connected_account(organization, "webhooks")
    bodies = receipt_bodies(bench)
    path = f"/webhooks/facebook/{account.pk}"
    record(
        bench.workdir,
        "webhook",
        b'{"success": true, "message": "Event received"}',
        "application/json",
    )
    # The worker waits meanwhile: on a machine of two cores it would take the receiver's CPU,
    # which production gives it on machines of its own. It processes what was queued after.
    with worker_paused():
        rounds = [
            (
                bench.wrk("/bench/floor/webhook", method="POST", bodies=events),
                bench.wrk(path, method="POST", bodies=events),
            )
            for events in bodies
        ]
    ratio, clean = rounds_said(outcome, "webhook receipt", rounds)
    receipts = WebhookReceipt.objects.filter(social_account=account)
    stored = receipts.count()
    distinct = receipts.values("event_key").distinct().count()
    stored_now = sum(measured.stored_now for _, measured in rounds)
    in_flight = load.CONNECTIONS * len(rounds)
    wrapped = any(measured.wrapped for _, measured in rounds)
    outcome.say(
        f"events acknowledged as new: {stored_now:,}, stored: {stored:,} "
        f"(distinct {distinct:,}), bodies wrapped around: {wrapped}"
    )
    outcome.check("every delivery answered 2xx", clean, target=False)
    outcome.check(
        "every acknowledged event stored exactly once",
        stored == distinct and stored_now <= stored <= stored_now + in_flight,
        target=False,
    )
    processed = wait_for(
        lambda: not receipts.exclude(status=ReceiptStatus.PROCESSED).exists(),
        seconds=120 + stored / 20,
    )
    events = SocialEvent.objects.filter(social_account=account).count()
    # Deliveries still in flight when wrk stopped may have been stored since.
    stored = receipts.count()
    outcome.say(f"processed by the worker: {processed}; receipts {stored:,}, events {events:,}")
    outcome.check(
        "every receipt processed into exactly one event",
        processed and events == stored,
        target=False,
    )
    outcome.check(f"events/s >= 0.3x the floor over the rounds ({ratio:.3f}x)", ratio >= 0.3)
    return outcome


def receipt_bodies(bench: Bench) -> list[Path]:
    """A file of distinct signed events for each round: no round delivers another's again."""
    app_secret = settings.SOCIAL_PLATFORMS["FACEBOOK"]["CLIENT_SECRET"]
    count = max(2000, EVENTS_PER_SECOND * bench.seconds)
    files = []
    for number in range(RECEIPT_ROUNDS):
        events = bench.workdir / f"events-{number}.tsv"
        seed.signed_events(events, count, app_secret, first=number * count)
        files.append(events)
    return files


@contextmanager
def worker_paused():
    from vchata_social.celery import app

    app.control.cancel_consumer("celery", reply=True)
    try:
        yield
    finally:
        app.control.add_consumer("celery", reply=True)


# --- 3. Sync ingestion --------------------------------------------------------------------

SYNC_POSTS = 10_000
HISTORY_DAYS = 365


@dataclass
class Ingested:
    account_id: str
    username: str


def sync_ingestion(bench: Bench, ingested: list[Ingested]) -> Outcome:
    from analytics.models import Post, SyncRun, SyncStatus

    outcome = Outcome("sync ingestion")
    organization, username = seed.organization_with_admin("Bench sync")
    account = seed.connected_account(organization, "sync")
    rows = post_rows(SYNC_POSTS, now=now(), days=HISTORY_DAYS)
    bench.standin.serve_posts(rows, bench.standin_url)
    token = bench.sign_in(username)
    answer = requests.post(
        f"{bench.base_url}/social/accounts/{account.pk}/sync",
        json={"syncType": "full"},
        headers=dict([HTTPS, ("Authorization", f"Bearer {token}")]),
        timeout=60,
    )
    outcome.check(f"the sync was accepted ({answer.status_code})", answer.ok, target=False)
    run = SyncRun.objects.filter(social_account=account).latest("started_at")
    wait_for(
        lambda: SyncRun.objects.filter(pk=run.pk).exclude(status=SyncStatus.RUNNING).exists(),
        seconds=600,
    )
    run.refresh_from_db()
    posts = Post.objects.filter(social_account=account).count()
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
    sync_rate = posts / seconds if seconds else 0
    floor_seconds = plain_bulk_insert(organization, rows)
    floor_rate = SYNC_POSTS / floor_seconds
    outcome.say(
        f"full sync: {posts:,} posts in {seconds:.2f} s = {sync_rate:,.0f} posts/s; plain bulk "
        f"insert of the same rows: {floor_seconds:.2f} s = {floor_rate:,.0f} posts/s; "
        f"ratio {sync_rate / floor_rate:.3f}x"
    )
    outcome.check(
        f"the sync succeeded with every post ({run.status}, {posts:,})",
        run.status == SyncStatus.SUCCEEDED and posts == SYNC_POSTS,
        target=False,
    )
    ratio = sync_rate / floor_rate
    outcome.check(f"posts/s >= 0.5x the plain bulk insert ({ratio:.3f}x)", ratio >= 0.5)
    ingested.append(Ingested(account.pk, username))
    return outcome


def plain_bulk_insert(organization, rows: list[dict]) -> float:
    """Seconds to insert the same posts with a plain bulk insert, in the sync's batch size."""
    from accounts.models import SocialPage
    from accounts.platforms.facebook import _post_from
    from analytics.models import Post

    account = seed.connected_account(organization, "floor")
    page = SocialPage.objects.create(social_account=account, platform_page_id="floor")
    posts = [floor_post(account.pk, page, _post_from(row)) for row in rows]
    started = time.perf_counter()
    with transaction.atomic():
        Post.objects.bulk_create(posts, batch_size=settings.SYNC_BATCH_SIZE)
    return time.perf_counter() - started


def floor_post(account_id: str, page, post):
    """The Post a plain bulk insert writes for one of the stand-in's posts: every column the
    sync writes."""
    from analytics.models import Post

    return Post(
        social_account_id=account_id,
        page=page,
        platform_post_id=post.platform_post_id,
        published_at=post.published_at,
        text=post.text,
        url=post.url[:1000],
        likes=post.likes,
        comments=post.comments,
        shares=post.shares,
        views=post.views,
        reach=post.reach,
        clicks=post.clicks,
        engagement=post.engagement,
    )


# --- 4. Stats -----------------------------------------------------------------------------


def stats(bench: Bench, ingested: Ingested) -> Outcome:
    from accounts.models import SocialAccount
    from analytics import stats_cache

    outcome = Outcome("stats")
    account = SocialAccount.objects.get(pk=ingested.account_id)
    seed.daily_history(account, HISTORY_DAYS)
    token = bench.sign_in(ingested.username)
    today = date.today()
    path = (
        f"/social/accounts/{account.pk}/stats?"
        f"dateFrom={today - timedelta(days=HISTORY_DAYS - 1)}&dateTo={today}"
    )
    # http.client rather than requests: the lightest client, so that its own cost weighs
    # on neither figure.
    client = LatencyClient(bench.base_url, {"X-Forwarded-Proto": "https", **bearer(token)})
    rounds = max(10, 5 * bench.seconds)
    uncached, cached, answers = [], [], set()
    for _ in range(rounds):
        stats_cache.invalidate(account.pk)
        uncached.append(client.timed_get(path, answers))
    for _ in range(rounds * 5):
        cached.append(client.timed_get(path, answers))
    slow, fast = statistics.median(uncached), statistics.median(cached)
    outcome.say(
        f"stats over {HISTORY_DAYS} days and {SYNC_POSTS:,} posts: uncached p50 {slow:.1f} ms, "
        f"cached p50 {fast:.1f} ms; {slow / fast:.1f}x"
    )
    outcome.check("cached and uncached answers are the same", len(answers) == 1, target=False)
    outcome.check(f"cached >= 10x faster ({slow / fast:.1f}x)", slow / fast >= 10)
    return outcome


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class LatencyClient:
    """One keep-alive connection; each request timed from its first byte sent to its last
    byte read."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.headers = headers

    def timed_get(self, path: str, answers: set) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        answer = self.connection.getresponse()
        body = answer.read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status != 200:
            raise RuntimeError(f"GET {path} answered {answer.status}: {body[:200]!r}")
        answers.add(body)
        return elapsed


# --- 5. The refresh sweep -----------------------------------------------------------------

SWEEP_ACCOUNTS = 100_000
DUE_EVERY = 100


def refresh_sweep(bench: Bench) -> Outcome:
    from accounts.models import SocialAccount
    from accounts.selectors import social_accounts_due_for_refresh
    from accounts.tasks import enqueue_due_token_refreshes
    from vchata_social.celery import app

    outcome = Outcome("refresh sweep")
    template = SocialAccount.objects.order_by("created_at").first()
    due = seed.many_accounts(template, count=SWEEP_ACCOUNTS, due_every=DUE_EVERY)
    plan = social_accounts_due_for_refresh().values_list("pk", flat=True).explain()
    # The worker waits meanwhile, as for the receiver: the tasks are only to be enqueued here.
    with worker_paused(), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        enqueued = enqueue_due_token_refreshes()
        seconds = time.perf_counter() - started
        app.control.purge()
    outcome.say(
        f"{SocialAccount.objects.count():,} accounts, {due:,} due: {enqueued:,} refreshes "
        f"selected and enqueued in {seconds * 1000:.0f} ms with {len(queries)} quer"
        f"{'y' if len(queries) == 1 else 'ies'}"
    )
    outcome.say("plan: " + " / ".join(plan_nodes(plan)))
    outcome.check(f"every due account enqueued ({enqueued:,})", enqueued == due, target=False)
    outcome.check(f"one query ({len(queries)})", len(queries) == 1)
    outcome.check("on the refresh index", "social_account_refresh_due" in plan)
    outcome.check(
        f"1,000 tasks enqueued in under a second ({seconds * 1000 / due * 1000:.0f} ms)",
        seconds / due * 1000 < 1.0,
    )
    return outcome


def plan_nodes(plan: str) -> list[str]:
    """The nodes of an EXPLAIN, without their conditions: "Bitmap Heap Scan on …"."""
    nodes = [line.strip().removeprefix("->").strip() for line in plan.splitlines()]
    return [node.split("  (")[0] for node in nodes if "(cost=" in node]


# --- 6. Memory ----------------------------------------------------------------------------

MB = 1024 * 1024


def peak_memory(web_pid: int, worker_pid: int) -> Outcome:
    outcome = Outcome("memory")
    web = {pid: peak_resident(pid) for pid in children(web_pid)}
    worker = {pid: peak_resident(pid) for pid in [worker_pid, *children(worker_pid)]}
    web_peak, worker_peak = max(web.values()) / MB, max(worker.values()) / MB
    outcome.say(
        f"peak resident: web workers {', '.join(f'{v / MB:.0f}' for v in web.values())} MB "
        f"(gunicorn master not counted); Celery worker processes "
        f"{', '.join(f'{v / MB:.0f}' for v in worker.values())} MB"
    )
    outcome.check(f"a web worker under 150 MB ({web_peak:.0f} MB)", web_peak < 150)
    outcome.check(f"a Celery worker under 250 MB ({worker_peak:.0f} MB)", worker_peak < 250)
    return outcome


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def peak_resident(pid: int) -> int:
    """VmHWM: the most memory the process ever held resident, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"no VmHWM for {pid}")
