"""The logging setup: secrets scrubbed in every form, network failures in one line."""

from __future__ import annotations

import base64
import io
import logging
import sys

import httpx
import pytest
from telegram.error import NetworkError

from bot.config import Settings
from bot.logs import NetworkErrorLine, SecretRedactor, settings_redactor


def _emit(record: logging.LogRecord, *filters: logging.Filter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for found in filters:
        handler.addFilter(found)
    handler.handle(record)
    return stream.getvalue()


def _record(message: str, *args: object, exc: bool = False) -> logging.LogRecord:
    return logging.LogRecord(
        "lib", logging.ERROR, __file__, 1, message, args, sys.exc_info() if exc else None
    )


def test_proxy_password_is_scrubbed_in_every_form() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_bot_token="123:tok-EN",
        telegram_proxy="socks5://me:p%40ss%2Fw0rd@127.0.0.1:1080",
        sources_proxy="http://fetcher:src-Pw-42@127.0.0.1:3128",
    )
    redactor = settings_redactor(settings)
    basic = base64.b64encode(b"me:p@ss/w0rd").decode()
    shown_forms = ("p@ss/w0rd", "p%40ss%2Fw0rd", basic, "123:tok-EN", "123%3Atok-EN", "src-Pw-42")
    for shown in shown_forms:
        line = _emit(_record("value %s here", shown), redactor)
        assert shown not in line and "here" in line
    url_line = _emit(_record("proxy %s", settings.telegram_proxy_url), redactor)
    assert "socks5://me:<password>@127.0.0.1:1080" in url_line
    assert "p%40ss" not in repr(settings) and "p%40ss" not in str(settings.model_dump())


def test_a_network_failure_is_one_line_and_other_failures_keep_their_traceback() -> None:
    logging.getLogger().setLevel(logging.INFO)
    try:
        try:
            raise NetworkError("httpx.ConnectError: All connection attempts failed") from (
                httpx.ConnectError("All connection attempts failed")
            )
        except NetworkError:
            line = _emit(_record("polling failed", exc=True), NetworkErrorLine())
        assert line == "polling failed (ConnectError: All connection attempts failed)\n"
        try:
            raise KeyError("bug")
        except KeyError:
            text = _emit(_record("handler failed", exc=True), NetworkErrorLine())
        assert "Traceback" in text
    finally:
        logging.getLogger().setLevel(logging.WARNING)


@pytest.mark.parametrize(
    "value",
    [
        "ftp://u:p@host:21",
        "socks5://u:p@host:port",
        "http://",
        "http://u:p@host:8080/path",
        "127.0.0.1:1080",
    ],
)
def test_malformed_proxy_urls_are_refused_without_quoting_them(value: str) -> None:
    with pytest.raises(ValueError) as caught:
        Settings(_env_file=None, telegram_proxy=value)  # type: ignore[call-arg]
    errors = caught.value.errors()  # type: ignore[attr-defined]
    assert errors[0]["loc"] == ("telegram_proxy",)
    assert errors[0]["msg"].startswith("not a proxy URL")
    assert ":p@" not in errors[0]["msg"]


def test_redactor_replaces_longest_first() -> None:
    redactor = SecretRedactor([("abc", "<a>"), ("abcdef", "<long>")])
    assert redactor.scrub("xabcdefx abc") == "x<long>x <a>"
