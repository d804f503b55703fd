"""`make bench`: the real stack, each scenario against its baseline, a summary of the checks.

BENCH_S is the length of each load run in seconds (default 10). Runs of 10 seconds or more
check every target; shorter ones are smoke runs, which check only that every scenario ran and
that nothing was lost. The exit status is 1 when a check failed."""

import os
import platform
import sys
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

from bench.outcome import Check, Outcome

FULL_RUN_SECONDS = 10
SCENARIOS = (
    "account list",
    "webhook receipt",
    "sync ingestion",
    "stats",
    "refresh sweep",
    "memory",
)


def failed_checks(outcomes: list[Outcome], *, full: bool) -> list[str]:
    """What fails the run: a scenario that did not run or whose correctness failed; in a full
    run, a missed target too."""
    ran = {outcome.scenario for outcome in outcomes}
    failures = [f"{name}: did not run" for name in SCENARIOS if name not in ran]
    for outcome in outcomes:
        failures += [
            f"{outcome.scenario}: {check.name}"
            for check in outcome.checks
            if not check.met and (full or not check.target)
        ]
    return failures


def attempt(name: str, scenario: Callable[[], Outcome], outcomes: list[Outcome]) -> None:
    print(f"\n== {name}", flush=True)
    try:
        outcomes.append(scenario())
    except Exception:
        traceback.print_exc()
        outcomes.append(Outcome(name, checks=[Check("ran to its end", False, target=False)]))


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    models = [line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    model = models[0] if models else platform.processor()
    return (
        f"{os.cpu_count()} cores, {model}; load average {load}; Python {platform.python_version()}"
    )


def main() -> int:
    from bench.stack import (
        BenchConfig,
        flush_redis,
        recreate_database,
        running_stack,
        stack_environment,
        wait_for_worker,
        workdir,
    )
    from bench.standin import GraphStandin, serve

    # The bench serves no static files (gunicorn's workers warn in their own logs).
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    config = BenchConfig.from_environment()
    full = config.seconds >= FULL_RUN_SECONDS
    print(f"bench: {machine()}")
    print(f"{'full run' if full else 'smoke run'}, {config.seconds} s a load run", flush=True)
    recreate_database(config.database_url)
    flush_redis(config.redis_url)
    standin = GraphStandin()
    outcomes: list[Outcome] = []
    with workdir() as directory, serve(standin) as standin_url:
        environment = stack_environment(config, standin_url=standin_url, floor_dir=directory)
        os.environ.update(environment)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        with running_stack(config, environment, directory) as stack:
            from vchata_social.celery import app

            wait_for_worker(app, stack.processes[1])
            run_scenarios(config, directory, standin, standin_url, stack, outcomes)
    return report(outcomes, full=full)


def run_scenarios(config, directory, standin, standin_url, stack, outcomes) -> None:
    from bench import scenarios

    bench = scenarios.Bench(config.base_url, config.seconds, directory, standin, standin_url)
    ingested: list[scenarios.Ingested] = []
    attempt("account list", lambda: scenarios.account_list(bench), outcomes)
    attempt("webhook receipt", lambda: scenarios.webhook_receipt(bench), outcomes)
    attempt("sync ingestion", lambda: scenarios.sync_ingestion(bench, ingested), outcomes)
    if ingested:
        attempt("stats", lambda: scenarios.stats(bench, ingested[0]), outcomes)
    attempt("refresh sweep", lambda: scenarios.refresh_sweep(bench), outcomes)
    attempt(
        "memory",
        lambda: scenarios.peak_memory(stack.pid_of("web"), stack.pid_of("worker")),
        outcomes,
    )


def report(outcomes: list[Outcome], *, full: bool) -> int:
    failures = failed_checks(outcomes, full=full)
    print("\n== summary")
    for outcome in outcomes:
        for check in outcome.checks:
            mark = "ok" if check.met else ("MISSED" if check.target else "FAILED")
            print(f"  {mark:6} {outcome.scenario}: {check.name}")
    if failures:
        print(f"\n{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        return 1
    print("\nevery check passed" + ("" if full else " (smoke run: targets not enforced)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
