"""The teacher token: random per server start, printed by `snn-designer serve`, passed to the
console as `/teacher?token=...`, compared in constant time.

The launcher (engine/cli.py) puts it into the environment of the server it starts
(TEACHER_TOKEN_ENV), so the served scripts of that process all see the same one; a server
started some other way (plain `panel serve`) makes one on first use and logs it.
"""
from __future__ import annotations

import functools
import hmac
import logging
import os
import secrets

from designer import TEACHER_TOKEN_ENV

TOKEN_BYTES = 18  # 24 URL-safe characters: not guessable, short enough to read out to a class


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


@functools.lru_cache(maxsize=1)
def teacher_token() -> str:
    """This server process's token (the launcher's, else one made now and logged once)."""
    token = os.environ.get(TEACHER_TOKEN_ENV, "").strip()
    if not token:
        token = new_token()
        os.environ[TEACHER_TOKEN_ENV] = token
        logging.getLogger("designer.classroom").warning("teacher console token: %s (open /teacher?token=%s)",
                                                        token, token)
    return token


def token_matches(given: str | bytes | None) -> bool:
    """Whether `given` is this server's token; constant time whatever is given."""
    if isinstance(given, str):
        given = given.encode("utf-8", "replace")
    return hmac.compare_digest(given or b"", teacher_token().encode("utf-8"))
