"""Messages that reach a client carry no secret and stay short.

Error messages often quote a platform's own text (a 403 reason, Meta's fbtrace_id, TikTok's
log_id), which we do not control: it may echo a token, a signed URL or pages of detail.
"""

import re

MAX_CLIENT_MESSAGE_LENGTH = 500
REDACTED = "[redacted]"

# `access_token=…`, `client_secret=…`, `appsecret_proof=…`, `hub.verify_token=…` and the like.
_SECRET_PARAMETER = re.compile(
    r"\b([\w.-]*?(?:token|secret|password|key|code|proof|signature))=[^&\s\"'<>]+", re.IGNORECASE
)
_BEARER_CREDENTIAL = re.compile(r"\b(bearer)\s+\S+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[\w-]*\.[\w-]*\.[\w-]*")
# A run of base64/base64url/hex characters this long, with letters and digits both, is how
# every platform's tokens and secrets look; words, scope names and our own ids are shorter or
# have no digit. "/" and "." end a run, so that paths and host names survive.
_TOKEN_LIKE_RUN = re.compile(r"[A-Za-z0-9+_~-]{32,}=*")
_LETTER = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9]")


def client_safe_message(message: str) -> str:
    """`message` with anything token-shaped replaced by [redacted], cut to
    MAX_CLIENT_MESSAGE_LENGTH characters."""
    # Far more than is kept, so that the scrubbing sees every token of the part kept, and
    # bounded, so that a megabyte of platform text costs no more than a page.
    scrubbed = message[: 4 * MAX_CLIENT_MESSAGE_LENGTH]
    scrubbed = _SECRET_PARAMETER.sub(rf"\1={REDACTED}", scrubbed)
    scrubbed = _BEARER_CREDENTIAL.sub(rf"\1 {REDACTED}", scrubbed)
    scrubbed = _JWT.sub(REDACTED, scrubbed)
    scrubbed = _TOKEN_LIKE_RUN.sub(_redact_if_token_like, scrubbed)
    if len(scrubbed) > MAX_CLIENT_MESSAGE_LENGTH:
        return scrubbed[: MAX_CLIENT_MESSAGE_LENGTH - 1].rstrip() + "…"
    return scrubbed


def _redact_if_token_like(run: re.Match) -> str:
    text = run.group()
    if _LETTER.search(text) and _DIGIT.search(text):
        return REDACTED
    return text
