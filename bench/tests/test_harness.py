"""The bench's own pieces: wrk's figures read right, the floor served only by the bench's
URLconf, the stand-in paging as the Graph API does, events signed as Meta signs them, and a
run failed when a scenario is missing, loses something or (in a full run) misses a target."""

import json

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from accounts.platforms import get_client
from accounts.platforms.base import Credentials
from bench import load, seed, stack
from bench.floor import record
from bench.outcome import Check, Outcome
from bench.run import SCENARIOS, failed_checks
from bench.scenarios import plan_nodes
from bench.standin import PAGE_ID, PAGE_TOKEN, GraphStandin, now, post_rows, serve
from webhooks.platforms import get_webhook_platform

WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8401/social/accounts
  2 threads and 16 connections
BENCH_RESULT {"requests": 900, "duration_us": 2000000, "errors": 0, "non2xx": 0, "ok": 900, \
"stored_now": 0, "sent": 900, "wrapped": 0, "p50_us": 1500, "p99_us": 12000}
"""


def test_wrk_figures_are_read_from_the_scripts_line():
    figures = load.parse(WRK_OUTPUT)

    assert (figures.per_second, figures.p50_ms, figures.p99_ms) == (450.0, 1.5, 12.0)
    assert figures.clean


def test_a_run_with_failed_requests_is_not_clean():
    figures = load.parse(WRK_OUTPUT.replace('"non2xx": 0, "ok": 900', '"non2xx": 3, "ok": 897'))

    assert not figures.clean


def test_wrk_output_without_figures_is_an_error():
    with pytest.raises(ValueError, match="no figures"):
        load.parse("Running 2s test\n")


def test_the_wrk_command_posts_the_bodies_file_spread_over_its_threads(tmp_path):
    line = load.command(
        "http://127.0.0.1:8401/webhooks/facebook/social_1",
        seconds=2,
        method="POST",
        headers=[("X-Forwarded-Proto", "https")],
        bodies=tmp_path / "events.tsv",
    )

    assert line[line.index("-d") + 1] == "2s"
    assert line[line.index("-H") + 1] == "X-Forwarded-Proto: https"
    assert line[-5:] == [
        "--",
        "POST",
        "/webhooks/facebook/social_1",
        str(tmp_path / "events.tsv"),
        str(load.THREADS),
    ]


def outcome(name: str, *checks: Check) -> Outcome:
    return Outcome(name, checks=list(checks))


def every_scenario(*extra: Check) -> list[Outcome]:
    return [outcome(name, *extra) for name in SCENARIOS]


def test_a_missed_target_fails_a_full_run_only():
    outcomes = every_scenario(Check("fast enough", False, target=True))

    assert failed_checks(outcomes, full=False) == []
    assert len(failed_checks(outcomes, full=True)) == len(SCENARIOS)


def test_a_lost_event_fails_a_smoke_run_too():
    outcomes = every_scenario(Check("nothing lost", False, target=False))

    assert len(failed_checks(outcomes, full=False)) == len(SCENARIOS)


def test_a_scenario_that_did_not_run_fails_the_run():
    outcomes = every_scenario()[1:]

    assert failed_checks(outcomes, full=False) == [f"{SCENARIOS[0]}: did not run"]


def test_the_floor_is_not_served_by_production():
    with pytest.raises(NoReverseMatch):
        reverse("bench-floor", args=["account-list"])


@pytest.mark.django_db
def test_the_bench_urlconf_serves_the_recorded_bytes(settings, tmp_path):
    settings.ROOT_URLCONF = "bench.urls"
    settings.BENCH_FLOOR_DIR = str(tmp_path)
    record(tmp_path, "account-list", b'{"success": true}', "application/json")

    answer = Client().get("/bench/floor/account-list")
    missing = Client().get("/bench/floor/nothing-recorded")

    assert (answer.status_code, answer.content) == (200, b'{"success": true}')
    assert answer["Content-Type"] == "application/json"
    assert missing.status_code == 404


def test_a_floor_name_outside_the_pattern_is_refused(tmp_path):
    with pytest.raises(ValueError, match="bad floor name"):
        record(tmp_path, "../settings", b"", "text/plain")


@pytest.mark.django_db
def test_the_facebook_client_reads_every_post_the_standin_serves(platform_settings):
    rows = post_rows(120, now=now(), days=30)
    standin = GraphStandin()
    with serve(standin) as base_url:
        platform_settings.SOCIAL_PLATFORMS["FACEBOOK"]["GRAPH_URL"] = base_url
        standin.serve_posts(rows, base_url)
        client = get_client("FACEBOOK")
        credentials = Credentials(account_key="social_bench", access_token="user-token")
        pages = client.fetch_pages(credentials)
        posts = list(client.fetch_posts(credentials, pages[0], since=None))

    assert [(page.platform_page_id, page.access_token) for page in pages] == [(PAGE_ID, PAGE_TOKEN)]
    assert [post.platform_post_id for post in posts] == [row["id"] for row in rows]
    assert posts[7].likes == 7 and posts[7].comments == 7 and posts[7].shares == 7


def test_the_bench_events_are_signed_as_meta_signs_them(settings, tmp_path):
    settings.SOCIAL_PLATFORMS = {
        **settings.SOCIAL_PLATFORMS,
        "FACEBOOK": {**settings.SOCIAL_PLATFORMS["FACEBOOK"], "CLIENT_SECRET": "app-secret"},
    }
    path = tmp_path / "events.tsv"
    seed.signed_events(path, 3, "app-secret")
    checks = get_webhook_platform("FACEBOOK")

    lines = [line.split(b"\t") for line in path.read_bytes().splitlines()]
    for signature, body in lines:
        headers = {"X-Hub-Signature-256": signature.decode()}
        assert checks.signature_valid(body, headers, secrets=None)
        assert [event.kind for event in checks.parse(body)] == ["comment"]
    assert len({body for _, body in lines}) == 3


def test_the_stack_runs_the_procfiles_lines_on_production_settings(tmp_path):
    config = stack.BenchConfig.from_environment({"BENCH_S": "2"})
    environment = stack.stack_environment(
        config, standin_url="http://127.0.0.1:9", floor_dir=tmp_path
    )

    assert stack.procfile_line("web").startswith("gunicorn --config gunicorn.conf.py")
    assert stack.procfile_line("worker").startswith("celery -A vchata_social worker")
    assert (config.seconds, config.port) == (2, 8401)
    assert environment["DEBUG"] == "false"
    assert environment["DATABASE_URL"].endswith("/vchata_bench")
    assert environment["REDIS_URL"].endswith("/9")
    assert (
        environment["SECRET_KEY"]
        != stack.stack_environment(config, standin_url="", floor_dir=tmp_path)["SECRET_KEY"]
    )


def test_a_database_name_that_could_inject_sql_is_refused():
    with pytest.raises(ValueError, match="unexpected database name"):
        stack.recreate_database('postgres://postgres@127.0.0.1/x"; DROP DATABASE y; --')


def test_the_plan_nodes_drop_their_costs():
    plan = (
        "Bitmap Heap Scan on accounts_socialaccount  (cost=38.12..2774.14 rows=1072 width=17)\n"
        "  Recheck Cond: (platform = 'FACEBOOK')\n"
        "  ->  Bitmap Index Scan on social_account_refresh_due  (cost=0.00..4.2 rows=1 width=0)"
    )

    assert plan_nodes(plan) == [
        "Bitmap Heap Scan on accounts_socialaccount",
        "Bitmap Index Scan on social_account_refresh_due",
    ]


def test_the_wrk_script_reports_one_json_line():
    script = load.SCRIPT.read_text()

    assert "BENCH_RESULT" in script
    json.loads(WRK_OUTPUT.splitlines()[-1].removeprefix(load.MARKER))
