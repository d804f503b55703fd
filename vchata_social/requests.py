from django.conf import settings


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or the X-Forwarded-For entry that the
    TRUSTED_PROXY_COUNT proxies in front of us vouch for (never a client-written one)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def is_text_encoding(name: str) -> bool:
    """Whether bytes can be decoded to text with the codec of that name."""
    try:
        # Not b"": an empty input is never decoded, so the name would not even be looked up.
        b"  ".decode(name, "ignore")
    except (LookupError, ValueError):  # unknown, not text (base64), or unusable ("undefined")
        return False
    return True
