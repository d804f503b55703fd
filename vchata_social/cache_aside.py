"""Answers kept in a cache as an accelerator only: when it cannot be reached the answer is
computed from the database, slower but right, and the failure is logged."""

import logging
from collections.abc import Callable
from typing import Any

from django.core.cache import BaseCache, cache

logger = logging.getLogger(__name__)


def cached_or_computed(
    key: Callable[[], str],
    compute: Callable[[], Any],
    *,
    timeout: int,
    name: str,
    subject: str,
    store: BaseCache = cache,
) -> Any:
    """The answer cached in `store` (the shared Redis by default) under `key()`, or
    `compute()`, stored for next time. `key` is a callable because making it may ask the
    cache too. `name` names the cache and `subject` the answer, in logs."""
    try:
        cache_key = key()
        cached = store.get(cache_key)
    except Exception:
        logger.warning("%s cache unreachable; computing %s", name, subject)
        return compute()
    if cached is not None:
        return cached
    answer = compute()
    try:
        store.set(cache_key, answer, timeout=timeout)
    except Exception:
        logger.warning("%s cache unreachable; %s not stored", name, subject)
    return answer
