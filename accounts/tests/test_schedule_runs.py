"""The beat schedule's last run per task: recorded by the worker that runs it, shown on the
dashboard, late ones marked."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import ScheduledTaskRun
from accounts.services import scheduled_task_run_started
from accounts.tasks import enqueue_due_token_refreshes, refresh_social_account_token
from accounts.tests.worker import start_worker, stop_worker, wait_for
from analytics import tasks as analytics_tasks


@pytest.mark.django_db
def test_a_scheduled_task_records_its_start_and_successful_finish(account_factory):
    before = timezone.now()

    enqueue_due_token_refreshes.delay()

    run = ScheduledTaskRun.objects.get(task_name="accounts.tasks.enqueue_due_token_refreshes")
    assert before <= run.last_started_at <= run.last_finished_at <= timezone.now()
    assert (run.last_state, run.last_error) == ("SUCCESS", "")


@pytest.mark.django_db
def test_a_task_outside_the_schedule_is_not_recorded(account_factory, platforms):
    account = account_factory(platform="TIKTOK")

    refresh_social_account_token.delay(account.pk)  # not due: nothing is called

    assert not ScheduledTaskRun.objects.exists()


@pytest.mark.django_db
def test_a_failed_run_records_the_error_class_never_its_message(monkeypatch):
    def failing(**_):
        raise RuntimeError("access_token=EAAB-never-recorded")

    monkeypatch.setattr(analytics_tasks, "history_delete_expired", failing)

    result = analytics_tasks.delete_expired_history.apply(throw=False)

    assert result.state == "FAILURE"
    run = ScheduledTaskRun.objects.get(task_name="analytics.tasks.delete_expired_history")
    assert (run.last_state, run.last_error) == ("FAILURE", "RuntimeError")


@pytest.mark.django_db
def test_a_new_start_keeps_the_last_outcome_shown(staff_client):
    analytics_tasks.delete_expired_history.delay()
    finished = ScheduledTaskRun.objects.get()

    scheduled_task_run_started(task_name=finished.task_name)

    running = ScheduledTaskRun.objects.get()
    assert running.last_started_at > finished.last_started_at
    assert (running.last_state, running.last_finished_at) == ("SUCCESS", finished.last_finished_at)
    html = staff_client.get(reverse("admin:accounts_socialaccount_dashboard")).content.decode()
    assert 'id="schedule-delete-expired-history" class="running' in html


@pytest.mark.django_db
def test_the_dashboard_lists_every_entry_and_marks_the_late_ones(staff_client, settings):
    ScheduledTaskRun.objects.create(
        task_name="webhooks.tasks.send_due_deliveries",
        last_started_at=timezone.now() - timedelta(seconds=10),
        last_finished_at=timezone.now() - timedelta(seconds=9),
        last_state="SUCCESS",
    )
    ScheduledTaskRun.objects.create(
        task_name="accounts.tasks.enqueue_due_token_refreshes",
        last_started_at=timezone.now() - timedelta(days=2),
        last_finished_at=timezone.now() - timedelta(days=2),
        last_state="SUCCESS",
    )

    html = staff_client.get(reverse("admin:accounts_socialaccount_dashboard")).content.decode()

    for entry in settings.CELERY_BEAT_SCHEDULE:
        assert f'id="schedule-{entry}"' in html
    assert 'id="schedule-send-due-deliveries" class="">' in html
    assert 'id="schedule-refresh-due-tokens" class=" late">' in html
    never = html.split('id="schedule-renew-websub-leases"')[1].split("</tr>")[0]
    assert "never" in never and "late" in never


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_records_the_run_of_a_scheduled_task(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    worker = start_worker(django_settings.CELERY_BROKER_URL)
    try:
        analytics_tasks.delete_expired_history.delay()
        recorded = wait_for(
            lambda: ScheduledTaskRun.objects.filter(
                task_name="analytics.tasks.delete_expired_history", last_state="SUCCESS"
            ).exists(),
            seconds=60,
        )
    finally:
        output = stop_worker(worker)

    assert recorded, output
