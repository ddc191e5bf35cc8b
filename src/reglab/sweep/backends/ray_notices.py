"""Ray's token-authentication notice, kept off the terminal while a sweep starts a local Ray.

With Ray 2.60 (the version reglab is tested with), a `ray.init()` that starts a local
cluster enables token authentication by default and says so on every start, through Ray's
own logging:

    WARNING authentication_token_setup.py:85 -- Token authentication is enabled for
    this Ray cluster. Set RAY_AUTH_MODE=disabled to opt out. ...

(`ray._private.authentication.authentication_token_setup._warn_token_auth_enabled`,
called by `enable_token_auth_by_default` unless `RAY_AUTH_MODE` is set). It tells of a
default, not of a problem, and printed above every `reglab sweep --backend ray` that
starts its own Ray. Setting `RAY_AUTH_MODE` would silence it, but `token` makes joining
a cluster without auth fail and `disabled` turns the protection off; so a filter on that
one logger drops that one notice while `ray.init` runs. Every other record passes: errors, the notice that token
authentication is *disabled*, and every other logger's warnings (another cluster found,
a node that does not answer).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

__all__ = ["TOKEN_SETUP_LOGGER", "TokenNoticeFilter", "token_notice_dropped"]

TOKEN_SETUP_LOGGER = "ray._private.authentication.authentication_token_setup"
_NOTICE = "Token authentication is enabled for this Ray cluster"


class TokenNoticeFilter(logging.Filter):
    """Drops the warning that token authentication was enabled by default; passes the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno < logging.ERROR and record.getMessage().startswith(_NOTICE))


@contextmanager
def token_notice_dropped() -> Iterator[None]:
    """Inside, Ray's token-authentication notice is dropped (see the module docstring).

    Example:
        >>> with token_notice_dropped():
        ...     ray.init()
    """
    logger, notice_filter = logging.getLogger(TOKEN_SETUP_LOGGER), TokenNoticeFilter()
    logger.addFilter(notice_filter)
    try:
        yield
    finally:
        logger.removeFilter(notice_filter)
