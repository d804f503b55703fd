"""A watch for secrets and stack traces in what the service answers and logs.

`leak_watch` (a fixture, see conftest.py) records every answer Django gives and every log
record while a test runs; at its end it fails the test if any of them holds a token, a key,
a secret stored encrypted, or a stack trace. `leaks_in` does the same for text gathered
elsewhere (the output of a worker or web server process)."""

import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from accounts.platforms.tests.support import SECRETS
from vchata_social.key_rotation import encrypted_columns

FIXTURES = Path(__file__).resolve().parents[2] / "accounts" / "platforms" / "tests" / "fixtures"
TOKEN_KEYS = {"access_token", "refresh_token", "id_token"}
STACK_TRACE = "Traceback (most recent call last)"
# The tokens the test factories make.
FACTORY_TOKENS = re.compile(r"EAA[BK]-(?:access|refresh)-token-\d{6}")
KEY_VARIABLES = ("SECRET_KEY", "CRYPTOGRAPHY_KEY", "JWT_SIGNING_KEY")


def leaks_in(texts: Iterable[str], *, also: Iterable[str] = ()) -> list[str]:
    """What in `texts` should never be there: each secret found (named, not quoted whole)
    and each stack trace. The secrets are the tests' tokens and keys, and `also` (say, the
    secrets stored when the test began: values a test writes from generated input may be any
    text, and are not looked for)."""
    secrets = [secret for secret in {*_known_secrets(), *also} if len(secret) >= 8]
    found = []
    for text in texts:
        found += [f"a secret ({secret[:4]}…)" for secret in secrets if secret in text]
        found += [f"a factory token ({match[:4]}…)" for match in FACTORY_TOKENS.findall(text)]
        if STACK_TRACE in text:
            found.append("a stack trace")
    return found


def _known_secrets() -> set[str]:
    return {
        *SECRETS,
        *_fixture_tokens(),
        *_configured_keys(),
        *_platform_app_secrets(),
    }


def _fixture_tokens() -> set[str]:
    tokens: set[str] = set()
    for path in FIXTURES.rglob("*.json"):
        tokens |= set(_values_under(json.loads(path.read_text()), TOKEN_KEYS))
    return tokens


def _values_under(node, keys: set[str]) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str):
                yield value
            else:
                yield from _values_under(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from _values_under(item, keys)


def _configured_keys() -> set[str]:
    # As configured: the encryption library replaces settings.CRYPTOGRAPHY_KEY by what it derives.
    return {os.environ.get(name, "") for name in KEY_VARIABLES} | {settings.SECRET_KEY}


def _platform_app_secrets() -> set[str]:
    return {app.get("CLIENT_SECRET", "") for app in settings.SOCIAL_PLATFORMS.values()}


def stored_secrets() -> set[str]:
    """Every value of every encrypted column now in the database."""
    stored: set[str] = set()
    for model, fields in encrypted_columns():
        for row in model._base_manager.values_list(*(column.name for column in fields)):
            stored |= {value for value in row if isinstance(value, str)}
    return stored


class AnswerRecorder:
    """Middleware (installed by the fixture): hands each answer to the watch."""

    watch: "Watch | None" = None

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self.watch is not None:
            body = b"" if response.streaming else response.content
            self.watch.record(request.method, request.path, response.items(), body)
        return response


# Answers that hand over a secret once, by design (a new webhook's verify token, a new
# endpoint's signing secret): their logs are still watched.
ANSWERS_THAT_SHOW_A_SECRET_ONCE = re.compile(
    r"^/social/(notification-endpoints|accounts/[^/]+/webhook)$"
)


@dataclass
class Watch:
    answers: list[str] = field(default_factory=list)
    logs: "LogRecorder" = field(default_factory=lambda: LogRecorder())
    # Every answer handed over, the ones that show a secret once included.
    seen: int = 0

    def record(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> None:
        self.seen += 1
        if method == "POST" and ANSWERS_THAT_SHOW_A_SECRET_ONCE.match(path):
            return
        lines = "\n".join(f"{name}: {value}" for name, value in headers)
        self.answers.append(f"{lines}\n{body.decode(errors='replace')}")


class LogRecorder(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
