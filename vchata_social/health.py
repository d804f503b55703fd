"""Liveness and readiness in one answer: the database and the cache must both respond."""

import logging
import secrets

from django.core.cache import cache
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


def _run(name: str, check) -> str:
    try:
        return "ok" if check() else "failing"
    except Exception:
        logger.warning("Health check %s failed", name, exc_info=True)
        return "failing"


@require_GET
def healthz(request):
    results = {name: _run(name, check) for name, check in CHECKS.items()}
    failing = [name for name, state in results.items() if state != "ok"]
    status = 503 if failing else 200
    body = {
        "success": not failing,
        "status": "ok" if not failing else "unavailable",
        "checks": results,
    }
    if failing:
        body["message"] = f"Unavailable: {', '.join(failing)}"
    return JsonResponse(body, status=status)
