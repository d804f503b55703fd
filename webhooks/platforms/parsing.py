"""Small helpers every platform's `parse` shares: reading the JSON body, reading ids, times and
text defensively, and building stable event ids.

A verified delivery is trusted to come from the platform, not to have the shape we expect:
nested values of the wrong type read as missing, and only a body without the platform's
top-level structure is refused (ValueError, with a message that quotes nothing of the body).
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

# Enough for any comment or message worth listing; a caption or DM can be far longer.
MAX_TEXT_LENGTH = 2000
# The event table keeps 255 characters of an id; longer ids are replaced by a digest so that
# two ids never become equal by truncation.
MAX_EVENT_ID_LENGTH = 200
# A digest id keeps this much of its prefix (an event or field name the payload chose).
MAX_PREFIX_LENGTH = 100
# Epoch values above this are milliseconds: as seconds they would be after the year 5000.
MILLISECONDS_THRESHOLD = 100_000_000_000


def load_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; ValueError when it is not JSON or not an object."""
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise ValueError("The body is not a JSON object")
    return payload


def load_json(body: bytes | str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        # json's own error quotes the document; ours does not.
        raise ValueError("The body is not valid JSON") from None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def id_text(value: Any) -> str:
    """A platform id as text: ids come as strings or numbers; anything else is no id."""
    # bool is an int in Python, and JSON true is not an id.
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return storable(str(value)).strip()


def plain_text(value: Any) -> str:
    """User-written text, capped at MAX_TEXT_LENGTH characters."""
    return storable(value[:MAX_TEXT_LENGTH]) if isinstance(value, str) else ""


def storable(text: str) -> str:
    """Text PostgreSQL accepts: JSON can carry NUL characters and lone surrogates ("\\u0000",
    "\\ud800"), which a text or jsonb column refuses; NULs are dropped, surrogates replaced."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def known_ids(**ids: str) -> dict[str, str]:
    """The ids that are present, so that an absent one is missing rather than empty."""
    return {name: value for name, value in ids.items() if value}


def event_id(*parts: Any) -> str:
    """The non-empty parts joined with ":", the same for the same event whenever it is parsed
    again."""
    joined = storable(":".join(str(part) for part in parts if part not in ("", None)))
    if len(joined) <= MAX_EVENT_ID_LENGTH:
        return joined
    return digest_id(str(parts[0]), joined)


def digest_id(prefix: str, item: Any) -> str:
    """An id for an item that carries none of its own: a digest of its content, so the same
    item read again gets the same id."""
    try:
        canonical = json.dumps(item, sort_keys=True, separators=(",", ":"))
    except RecursionError:
        # Nesting the decoder just accepted can still be too deep to encode again.
        raise ValueError("The body nests too deeply") from None
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return f"{storable(prefix)[:MAX_PREFIX_LENGTH]}:sha256:{digest}"


def from_epoch_seconds(value: Any) -> datetime | None:
    return _from_epoch(value, scale=1)


def from_epoch_milliseconds(value: Any) -> datetime | None:
    return _from_epoch(value, scale=1000)


def from_epoch_either(value: Any) -> datetime | None:
    """An epoch time in seconds or milliseconds, told apart by size: Meta writes `entry.time`
    in seconds for Page changes and in milliseconds for messaging."""
    number = _number(value)
    if number is None:
        return None
    scale = 1000 if abs(number) >= MILLISECONDS_THRESHOLD else 1
    return _from_epoch(number, scale=scale)


def from_iso(value: Any) -> datetime | None:
    """An ISO 8601 time in UTC; a time without an offset is taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_epoch(value: Any, *, scale: int) -> datetime | None:
    number = _number(value)
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number / scale, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _number(value: Any) -> float | None:
    """Epoch times come as numbers or as strings of digits (X's `timestamp_ms`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return float(value.strip())
    return None
