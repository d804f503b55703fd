"""Liveness and readiness in one answer: the database and the cache must both respond.

The answer also lists what the system checks tagged REPORTED_CHECK_TAGS find (a platform
setting about to go stale, say): worth seeing, but no reason to take the service out of the
load balancer, so they never turn the answer into a 503."""

import logging
import secrets

from django.core.cache import cache
from django.core.checks import WARNING, run_checks
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _cache_ok() -> bool:
    key = f"healthz:{secrets.token_hex(8)}"
    cache.set(key, "ok", timeout=5)
    answered = cache.get(key) == "ok"
    cache.delete(key)
    return answered


CHECKS = {"database": _database_ok, "cache": _cache_ok}

# The apps register their checks under these tags; this module imports no app.
REPORTED_CHECK_TAGS = ["platforms"]


def _run(name: str, check) -> str:
    try:
        return "ok" if check() else "failing"
    except Exception as error:
        # The error's kind says what is down; its trace, over and over while it is, says no more.
        logger.warning("Health check %s failed: %s", name, type(error).__name__)
        return "failing"


def _configuration_warnings() -> list[str]:
    findings = run_checks(tags=REPORTED_CHECK_TAGS)
    return [f"{finding.id}: {finding.msg}" for finding in findings if finding.is_serious(WARNING)]


@require_GET
def healthz(request):
    results = {name: _run(name, check) for name, check in CHECKS.items()}
    failing = [name for name, state in results.items() if state != "ok"]
    status = 503 if failing else 200
    body = {
        "success": not failing,
        "status": "ok" if not failing else "unavailable",
        "checks": results,
        "warnings": _configuration_warnings(),
    }
    if failing:
        body["message"] = f"Unavailable: {', '.join(failing)}"
    return JsonResponse(body, status=status)
