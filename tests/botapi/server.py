"""The HTTP side: a tornado server on loopback for /bot<token>/<method>, and webhook delivery."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import httpx
import tornado.httpserver
import tornado.web

from tests.botapi.emulator import DEFAULT_TOKEN, EmulatorState
from tests.botapi.files import UploadedFile, file_body
from tests.botapi.limits import SENDING_METHODS, RateLimits
from tests.botapi.methods import METHODS, Call
from tests.botapi.params import Params
from tests.botapi.records import ApiError, ErrorRecord, WebhookDelivery

_CANONICAL = {
    name.lower(): name
    for name in [
        "getMe",
        "getUpdates",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "deleteMessage",
        "answerCallbackQuery",
        "answerInlineQuery",
        "setMyCommands",
        "getMyCommands",
        "deleteMyCommands",
        "setWebhook",
        "deleteWebhook",
        "getWebhookInfo",
        "sendChatAction",
        "getChat",
        "getChatMember",
        "setMyDescription",
        "setMyShortDescription",
        "setMyName",
        "sendDocument",
        "getFile",
        "close",
        "logOut",
    ]
}


class BotApiEmulator(EmulatorState):
    """A Bot API server on 127.0.0.1 for tests; see the package README for the API."""

    def __init__(
        self,
        token: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_retry_delay: float = 0.2,
        **options: Any,
    ) -> None:
        super().__init__(token or DEFAULT_TOKEN, **options)
        self.host, self.port = host, port
        self.webhook_retry_delay = webhook_retry_delay
        self._server: tornado.httpserver.HTTPServer | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        """The value for python-telegram-bot's base_url / TELEGRAM_BASE_URL."""
        return f"http://{self.host}:{self.port}/bot"

    def api_url(self, method: str) -> str:
        """The full URL of one method."""
        return f"{self.base_url}{self.token}/{method}"

    async def start(self) -> None:
        """Listen on the configured port (0: a free one, stored in ``port``)."""
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z]+)", _ApiHandler, {"emu": self}),
                (r"/_emulator/(stats|limits)", _ControlHandler, {"emu": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"emu": self}),
            ],
            log_function=lambda handler: None,  # the access log would show the token
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(1024)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app, idle_connection_timeout=60)
        self._server.add_sockets([sock])
        self._client = httpx.AsyncClient(timeout=10.0)
        self._webhook_task = asyncio.create_task(self._deliver_webhooks())

    async def stop(self) -> None:
        """Stop listening, end pending long polls, close connections."""
        if self.poller is not None and not self.poller.done():
            self.poller.set_result("stop")
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            await asyncio.gather(self._webhook_task, return_exceptions=True)
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
        if self._client is not None:
            await self._client.aclose()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _deliver_webhooks(self) -> None:
        """POST queued updates one at a time to the webhook while one is set."""
        while True:
            self.update_event.clear()
            if not (self.webhook.url and self.updates):
                await self.update_event.wait()
                continue
            update = self.updates[0]
            status, error = await self._post(update)
            self.webhook_deliveries.append(
                WebhookDelivery(update["update_id"], status, error, self.clock())
            )
            if status is not None and 200 <= status < 300:
                if self.updates and self.updates[0] is update:
                    self.updates.pop(0)
            else:
                self.webhook.last_error_date = self.now()
                self.webhook.last_error_message = (
                    error or f"Wrong response from the webhook: {status}"
                )
                await asyncio.sleep(self.webhook_retry_delay)
            self.changed()

    async def _post(self, update: dict[str, Any]) -> tuple[int | None, str | None]:
        assert self._client is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook.secret_token
        try:
            response = await self._client.post(
                self.webhook.url, content=json.dumps(update), headers=headers
            )
        except httpx.HTTPError as err:
            return None, f"Connection failed: {err.__class__.__name__}"
        return response.status_code, None


class _ApiHandler(tornado.web.RequestHandler):
    """One Bot API call."""

    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_connection_close(self) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    async def get(self, token: str, method: str) -> None:
        """Telegram accepts GET and POST alike."""
        await self.post(token, method)

    async def post(self, token: str, method: str) -> None:
        """Authenticate, apply faults and limits, run the method, answer JSON."""
        emu, name = self.emu, method.lower()
        label = _CANONICAL.get(name, method)
        params = Params({})
        chat_id: int | None = None
        injected = False
        try:
            if token != emu.token:
                raise ApiError(401, "Unauthorized")
            impl = METHODS.get(name)
            if impl is None:
                raise ApiError(404, "Not Found")
            emu.calls[label] += 1
            params = Params(self._values())
            try:
                chat_id = params.chat_id(required=False)
            except ApiError:
                chat_id = None
            fault = emu.faults.take(name, chat_id)
            if fault is not None:
                injected = True
                if fault.drop_connection:
                    self._drop(label, chat_id, params)
                    return
                raise ApiError(fault.code, fault.description, fault.parameters)
            if name in SENDING_METHODS:
                emu.limiter.check(chat_id)
            result = await impl(emu, Call(params, self.closed))
        except ApiError as err:
            self._answer_error(err, label, chat_id, params, injected)
            return
        emu.status_counts[200] += 1
        self._reply(200, {"ok": True, "result": result})

    def _values(self) -> dict[str, Any]:
        request = self.request
        values: dict[str, Any] = {
            key: items[-1].decode("utf-8") for key, items in request.query_arguments.items()
        }
        content_type = request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            values.update(body)
        else:
            for key, items in request.body_arguments.items():
                values[key] = items[-1].decode("utf-8")
            for key, files in request.files.items():
                part = files[0]
                values[key] = UploadedFile(part.filename, part.body, part.content_type)
        return values

    def _answer_error(
        self, err: ApiError, label: str, chat_id: int | None, params: Params, injected: bool
    ) -> None:
        emu = self.emu
        emu.status_counts[err.code] += 1
        emu.errors.append(
            ErrorRecord(
                label,
                chat_id,
                err.code,
                err.description,
                err.parameters,
                injected,
                params.decoded(),
                emu.clock(),
                emu.next_seq(),
            )
        )
        emu.changed()
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": err.code,
            "description": err.description,
        }
        if err.parameters:
            payload["parameters"] = err.parameters
        self._reply(err.code, payload)

    def _drop(self, label: str, chat_id: int | None, params: Params) -> None:
        emu = self.emu
        emu.status_counts[0] += 1
        emu.errors.append(
            ErrorRecord(
                label,
                chat_id,
                0,
                "connection dropped",
                None,
                True,
                params.decoded(),
                emu.clock(),
                emu.next_seq(),
            )
        )
        emu.changed()
        self._auto_finish = False  # nothing is written: the client sees the connection end
        assert self.request.connection is not None
        self.request.connection.close()  # type: ignore[attr-defined]

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        if self.closed.done():
            return  # the client went away (e.g. a cancelled long poll)
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, ensure_ascii=False))


class _FileHandler(tornado.web.RequestHandler):
    """GET /file/bot<token>/<file_path>: the bytes of a file getFile described."""

    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    def get(self, token: str, file_path: str) -> None:
        """The file, or 401/404 as Telegram answers."""
        if token != self.emu.token:
            raise tornado.web.HTTPError(401)
        body = file_body(self.emu, file_path)
        if body is None:
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "application/octet-stream")
        self.finish(body)


class _ControlHandler(tornado.web.RequestHandler):
    """Counters and limits over HTTP, for an emulator running in another process."""

    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    def get(self, what: str) -> None:
        """GET /_emulator/stats: counters as JSON."""
        emu = self.emu
        self.finish(
            {
                "sent": emu.sent_count,
                "chats": len(emu.sent_per_chat),
                "max_per_chat": max(emu.sent_per_chat.values(), default=0),
                "count_429": emu.count_429,
                "status_counts": {str(k): v for k, v in emu.status_counts.items()},
                "calls": dict(emu.calls),
                "rate_limits": vars(emu.rate_limits),
            }
        )

    def post(self, what: str) -> None:
        """POST /_emulator/limits with a RateLimits JSON object (null switches one off)."""
        if what != "limits":
            raise tornado.web.HTTPError(404)
        self.emu.rate_limits = RateLimits(**json.loads(self.request.body or b"{}"))
        self.finish({"ok": True})
