"""The account list in-process, on PostgreSQL: the lean read path against the DRF serializer
path it replaced (accounts/tests/list_reference.py) and against a bare Django view serving
the same bytes, each request through the whole middleware stack with production settings.

    .venv/bin/python -m bench.list_read_path [--profile]

Seeds one organization of 50 accounts with their stats filled, and removes it at the end."""

import io
import os
import sys
import timeit

BENCH_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "vchata_social.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz0123",
    "CRYPTOGRAPHY_KEY": "bench-only-cryptography-key-0123456789abcdef",
    "JWT_SIGNING_KEY": "bench-only-jwt-signing-key-0123456789abcdef",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "bench",
}
ACCOUNTS = 50
REQUESTS = 300
LIST_PATH = "/social/accounts"
FLOOR_PATH = "/bench/floor"

urlpatterns: list = []  # filled in main(): this module is the urlconf of the run


def main() -> int:
    for name, value in BENCH_SETTINGS.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ROOT_URLCONF = __name__
    call_command("migrate", verbosity=0)
    membership = _seed()
    try:
        _run(membership, profile="--profile" in sys.argv)
    finally:
        membership.organization.delete()
        membership.user.delete()
    return 0


def _seed():
    from django.utils import timezone

    from accounts.models import Role
    from accounts.tests.factories import MembershipFactory, SocialAccountFactory

    membership = MembershipFactory(role=Role.VIEWER)
    now = timezone.now()
    for n in range(ACCOUNTS):
        SocialAccountFactory(
            organization=membership.organization,
            platform_user_email=f"page{n}@example.com",
            token_expires_at=now,
            last_sync_at=now,
            stats_total_posts=n * 10,
            stats_total_followers=n * 1000,
            stats_total_engagement=n * 77,
            stats_last_post_date=now,
        )
    return membership


def _run(membership, *, profile: bool) -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from django.http import HttpResponse
    from django.test import override_settings
    from django.urls import path

    from accounts.authentication import tokens_for_membership
    from accounts.tests import list_reference

    token = tokens_for_membership(membership)["accessToken"]
    app = WSGIHandler()

    def get(url: str) -> bytes:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": url,
            "QUERY_STRING": "",
            "SERVER_NAME": "bench",
            "SERVER_PORT": "80",
            "HTTP_HOST": "bench",
            "HTTP_AUTHORIZATION": f"Bearer {token}",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
        }
        return b"".join(app(environ, lambda status, headers: None))

    served = []
    urlpatterns[:] = [
        path(FLOOR_PATH.lstrip("/"), lambda request: HttpResponse(served[0], "application/json")),
        *list_reference.urlpatterns,
    ]
    body = get(LIST_PATH)
    served.append(body)
    assert body.startswith(b'{"success":true') and get(FLOOR_PATH) == body
    assert get(list_reference.REFERENCE_LIST_PATH) == body
    timings = {url: _per_request(lambda url=url: get(url)) for url in _PATHS}
    floor, old, new = (timings[url] for url in _PATHS)
    with override_settings(CACHES=NO_CACHE):
        assert get(LIST_PATH) == body
        computed = _per_request(lambda: get(LIST_PATH))
        computed_queries = _queries(lambda: get(LIST_PATH))
    print(
        f"account list, {ACCOUNTS} accounts, {len(body)} bytes, in-process per request "
        f"(bare view serving the same bytes {floor * 1000:.3f} ms):\n"
        f"  DRF serializer path  {old * 1000:.3f} ms, {_queries(lambda: get(_PATHS[1]))} "
        f"queries, {floor / old:.3f}x the bare view's rate\n"
        f"  lean path, computed  {computed * 1000:.3f} ms, {computed_queries} queries, "
        f"{floor / computed:.3f}x ({old / computed:.1f}x faster than the serializer path)\n"
        f"  lean path, cached    {new * 1000:.3f} ms, {_queries(lambda: get(LIST_PATH))} query, "
        f"{floor / new:.3f}x ({old / new:.1f}x faster than the serializer path)"
    )
    if profile:
        _profile(lambda: get(LIST_PATH))


_PATHS = (FLOOR_PATH, "/social/reference-accounts", LIST_PATH)


# Every page computed: what a request costs right after a write.
NO_CACHE = {
    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    for alias in ("default", "account-list")
}


def _queries(call) -> int:
    from django.db import connection

    executed = []
    with connection.execute_wrapper(lambda execute, *args: executed.append(1) or execute(*args)):
        call()
    return len(executed)


def _per_request(call) -> float:
    return min(timeit.repeat(call, number=REQUESTS, repeat=5)) / REQUESTS


def _profile(call) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0001)
    with profiler:
        for _ in range(REQUESTS):
            call()
    print(profiler.output_text(color=False, unicode=False))


if __name__ == "__main__":
    sys.exit(main())
