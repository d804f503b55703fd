"""The beat schedule's last run per task, recorded by the worker that runs it.

Celery's own records (the result backend) are per task id and expire; nothing there says when
a scheduled task last ran. These receivers of Celery's task signals, connected in every
process (AccountsConfig.ready), write one row per scheduled task when it starts and when it
finishes. They run in the worker, around the task; eager runs (local use, tests) send the
same signals.
"""

from celery import states

from accounts.selectors import scheduled_task_names
from accounts.services import scheduled_task_run_finished, scheduled_task_run_started


def record_scheduled_task_start(*, task=None, **_) -> None:
    if task is not None and task.name in scheduled_task_names():
        scheduled_task_run_started(task_name=task.name)


def record_scheduled_task_finish(*, task=None, state: str | None = None, retval=None, **_) -> None:
    if task is None or task.name not in scheduled_task_names():
        return
    failed = state == states.FAILURE and isinstance(retval, BaseException)
    scheduled_task_run_finished(
        task_name=task.name,
        state=state or "",
        error=type(retval).__name__ if failed else "",
    )
