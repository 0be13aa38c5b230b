"""Where updates come in: one that cannot be read is skipped, in polling and webhook mode.

python-telegram-bot reads a whole getUpdates answer at once; one update with a malformed field
makes the read fail, the offset is not advanced, and the poller asks for the same updates again
at once, forever (hundreds of requests a second). ``UpdateScreen`` wraps the getUpdates request
and puts ``{"update_id": n}`` in place of an update that cannot be read: the offset moves past
it, nothing handles it, and one log line says so.

In webhook mode PTB answers 500 to a body that is not JSON and 400 to an update it cannot read,
which Telegram delivers again and again. ``install_webhook_screen`` makes the webhook answer 400
to a body that is not a JSON object and acknowledge (200) an unreadable update, skipped the
same way.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import _updater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)


def readable_update(data: object) -> dict[str, Any] | None:
    """The update as it is when PTB can read it, ``{"update_id": n}`` when it cannot, and
    None when it is not an update at all (no JSON object with an integer update_id)."""
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    try:
        Update.de_json(data, None)
    except Exception as exc:  # any field PTB chokes on: the update is skipped, not the poller
        log.warning(
            "skipped update %d: it could not be read (%s: %s)",
            update_id,
            type(exc).__name__,
            str(exc)[:200],
        )
        return {"update_id": update_id}
    return data


class UpdateScreen(BaseRequest):
    """A getUpdates request that never hands PTB an update it cannot read."""

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner

    @property
    def read_timeout(self) -> float | None:
        """The wrapped request's default read timeout."""
        return self._inner.read_timeout

    async def initialize(self) -> None:
        """Open the wrapped request."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Close the wrapped request."""
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """The wrapped request's answer, each unreadable update replaced by its bare id."""
        status, payload = await self._inner.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )
        if status != HTTPStatus.OK:
            return status, payload
        return status, _screened(payload)


def _screened(payload: bytes) -> bytes:
    """A getUpdates answer with every update PTB can read (others by their bare id)."""
    try:
        answer = json.loads(payload)
    except ValueError:
        return payload  # PTB says what is wrong with a body that is not JSON
    if not isinstance(answer, dict) or not isinstance(answer.get("result"), list):
        return payload
    items = answer["result"]
    screened = [update for update in map(readable_update, items) if update is not None]
    if len(screened) == len(items) and all(a is b for a, b in zip(screened, items, strict=True)):
        return payload
    answer["result"] = screened
    return json.dumps(answer).encode()


class _ScreenedTelegramHandler(TelegramHandler):
    """PTB's webhook handler, with a clear 400 for what is not an update."""

    async def post(self) -> None:
        """Refuse a body that is not a JSON object; skip an update PTB cannot read."""
        self._validate_post()  # 403 for a wrong content type or secret, as before
        try:
            data = json.loads(self.request.body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError alike
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Body is not JSON") from exc
        update = readable_update(data)
        if update is None:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST, reason="Body is not an update")
        if update is not data:
            self.request.body = json.dumps(update).encode()
        await super().post()


class _ScreenedWebhookApp(WebhookAppClass):
    """PTB's webhook application serving ``_ScreenedTelegramHandler``."""

    def __init__(
        self,
        webhook_path: str,
        bot: Bot,
        update_queue: Any,
        secret_token: str | None = None,
    ) -> None:
        self.shared_objects = {
            "bot": bot,
            "update_queue": update_queue,
            "secret_token": secret_token,
        }
        handlers = [(rf"{webhook_path}/?", _ScreenedTelegramHandler, self.shared_objects)]
        tornado.web.Application.__init__(self, handlers)


def install_webhook_screen() -> None:
    """Make PTB's webhook server use the screened handler (PTB offers no hook for it)."""
    _updater.WebhookAppClass = _ScreenedWebhookApp  # type: ignore[misc]
