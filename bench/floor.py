"""The floor every web scenario is measured against: the cheapest Django view there is, behind
the same gunicorn line and middleware, answering bytes an endpoint answered before."""

import re
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

# name -> (body, content type), read once per worker process.
_recorded: dict[str, tuple[bytes, str]] = {}
NAME = re.compile(r"[a-z0-9-]+")


def record(directory: Path, name: str, body: bytes, content_type: str) -> None:
    """Store what the floor view answers for `name`."""
    if not NAME.fullmatch(name):
        raise ValueError(f"bad floor name {name!r}")
    (directory / f"{name}.body").write_bytes(body)
    (directory / f"{name}.type").write_text(content_type)


def recorded(directory: Path, name: str) -> tuple[bytes, str] | None:
    if not NAME.fullmatch(name) or not (directory / f"{name}.body").exists():
        return None
    return (directory / f"{name}.body").read_bytes(), (directory / f"{name}.type").read_text()


@csrf_exempt
def floor(request, name: str):
    answer = _recorded.get(name)
    if answer is None:
        answer = (
            recorded(Path(settings.BENCH_FLOOR_DIR), name) if settings.BENCH_FLOOR_DIR else None
        )
        if answer is None:
            raise Http404
        _recorded[name] = answer
    body, content_type = answer
    return HttpResponse(body, content_type=content_type)
