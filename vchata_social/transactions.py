"""Work that follows a commit."""

from collections.abc import Callable
from functools import wraps

from django.db import transaction


def on_commit_robust(func: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Call `func(*args, **kwargs)` once the current transaction commits (at once outside of
    one). An error it raises is logged under `func`'s name and goes no further: what was
    committed stays committed, the callbacks after it still run and the request is answered.

    A named wrapper rather than a `functools.partial`: Django names a failing robust callback
    by its `__qualname__`, which a partial lacks, so the log line itself would raise."""

    @wraps(func)
    def after_commit() -> None:
        func(*args, **kwargs)

    transaction.on_commit(after_commit, robust=True)
