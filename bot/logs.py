"""One logging setup for every command: level, format, quiet libraries, and no secret in a line.

``configure_logging(settings)`` is called once by ``python -m bot`` whatever the subcommand. It
puts two filters on every root handler, so no library's record can carry a secret or bury the
log in tracebacks: ``NetworkErrorLine`` turns a network failure's traceback into one line
(below DEBUG), and ``SecretRedactor`` replaces the bot token and the proxy passwords in the
message, its arguments and any traceback. ``scrub(text)`` applies the same redaction to a line
printed outside logging (an error message on stderr).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from urllib.parse import quote, unquote, urlsplit

from pydantic import SecretStr

from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Exceptions that mean "the network failed", matched by qualified name so that this module
# does not import telegram or httpx (every command imports it, most need neither).
_NETWORK_ERRORS = frozenset(
    {
        "telegram.error.NetworkError",
        "httpx.TransportError",
        "httpcore.NetworkError",
        "httpcore.TimeoutException",
        "builtins.ConnectionError",
        "builtins.TimeoutError",
        "socket.gaierror",
    }
)


def secret_forms(secret: str) -> list[str]:
    """The ways a secret can appear in a line: as is, percent-encoded or decoded."""
    forms = {secret, quote(secret, safe=""), unquote(secret), secret.replace(":", "%3A")}
    return sorted((f for f in forms if f), key=len, reverse=True)


def proxy_secret_forms(proxy_url: str) -> list[str]:
    """The password of a proxy URL in every form a log line could show it, Basic auth too."""
    try:
        parts = urlsplit(proxy_url)
        user, password = parts.username, parts.password
    except ValueError:
        return []
    if not password:
        return []
    forms = secret_forms(password)
    # A Proxy-Authorization header carries base64("user:password").
    for name, word in ((user or "", password), (unquote(user or ""), unquote(password))):
        forms.append(base64.b64encode(f"{name}:{word}".encode()).decode())
    return sorted(set(forms), key=len, reverse=True)


class SecretRedactor(logging.Filter):
    """Replaces secrets in every record a handler emits: message, arguments and traceback."""

    def __init__(self, replacements: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        # Longest first, so that a secret containing another is replaced whole.
        pairs = {form: label for form, label in replacements if form}
        self._pairs = sorted(pairs.items(), key=lambda pair: len(pair[0]), reverse=True)

    def scrub(self, value: str) -> str:
        """``value`` with every secret replaced by its label."""
        for form, label in self._pairs:
            value = value.replace(form, label)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record without secrets; never drop a record."""
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        # PTB's InvalidToken quotes the token: format the traceback now so it can be scrubbed
        # (formatters reuse exc_text when it is set).
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


def token_redactor(token: str) -> SecretRedactor:
    """A redactor for the bot token alone."""
    return SecretRedactor((form, "<token>") for form in secret_forms(token))


def is_network_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a failure to reach a server."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        names = {f"{cls.__module__}.{cls.__qualname__}" for cls in type(seen).__mro__}
        if names & _NETWORK_ERRORS:
            return True
        seen = seen.__cause__
    return False


def describe_error(exc: BaseException) -> str:
    """``Type: message`` of the innermost cause, e.g. ``ConnectError: All connection ...``."""
    inner = exc
    while inner.__cause__ is not None and str(inner.__cause__):
        inner = inner.__cause__
    text = str(inner) or "no detail"
    return f"{type(inner).__name__}: {text}"


class NetworkErrorLine(logging.Filter):
    """A network failure is logged as one line (its cause appended), not as a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop the traceback of a network error and say what failed in the message."""
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not is_network_error(exc):
            return True
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            return True  # an operator asking for DEBUG gets the whole story
        record.msg = f"{record.getMessage()} ({describe_error(exc)})"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


def settings_redactor(settings: Settings) -> SecretRedactor:
    """A redactor for the token, the proxy passwords and the RSSHub access key."""
    pairs: list[tuple[str, str]] = []
    if settings.token:
        pairs += [(form, "<token>") for form in secret_forms(settings.token)]
    if settings.rsshub_key:
        pairs += [(form, "<rsshub-key>") for form in secret_forms(settings.rsshub_key)]
    for proxy in (settings.telegram_proxy, settings.sources_proxy):
        if isinstance(proxy, SecretStr) and proxy.get_secret_value():
            pairs += [(form, "<password>") for form in proxy_secret_forms(proxy.get_secret_value())]
    return SecretRedactor(pairs)


def configure_logging(settings: Settings) -> SecretRedactor:
    """Level and format from the settings, quiet libraries, filters on every root handler."""
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format=FORMAT)
    logging.getLogger().setLevel(level)
    # httpx logs every request URL at INFO, and Bot API URLs carry the token (scrubbed anyway,
    # but a line per request is noise).
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    # Alembic narrates its plugin setup at INFO; `migrate` prints its own one-line summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # APScheduler says INFO twice per job run: every push tick and feed poll.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))
    # Library warnings (warnings.warn) go through the same handlers, and so are scrubbed.
    logging.captureWarnings(True)
    redactor = settings_redactor(settings)
    install_filters(redactor)
    return redactor


def install_filters(redactor: SecretRedactor) -> None:
    """Put the network-line filter and ``redactor`` on every root handler (once each)."""
    for handler in logging.getLogger().handlers:
        for kind in (NetworkErrorLine, SecretRedactor):
            for old in [f for f in handler.filters if isinstance(f, kind)]:
                handler.removeFilter(old)
        handler.addFilter(NetworkErrorLine())
        handler.addFilter(redactor)  # last: it also scrubs what the first one appended


def scrub(text: str) -> str:
    """``text`` with the secrets the logging setup knows replaced, for lines printed directly."""
    for handler in logging.getLogger().handlers:
        for found in handler.filters:
            if isinstance(found, SecretRedactor):
                text = found.scrub(text)
    return text
