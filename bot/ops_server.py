"""The operator's HTTP endpoints: ``/healthz`` (readiness) and ``/metrics`` (Prometheus text).

Served on METRICS_PORT, bound to METRICS_LISTEN (loopback by default), in the bot's own event
loop, in polling and in webhook mode alike. In webhook mode this is a second small server beside
PTB's: the webhook listener faces the internet (WEBHOOK_LISTEN is usually 0.0.0.0 behind a load
balancer) while metrics should stay private, and PTB's webhook application is not a public API
to add routes to.

``/healthz`` answers 200 ``ok`` only when the database answers and the push tick ran recently
(within three tick intervals and 30 s), else 503 with the reason on one line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from bot import metrics
from bot.config import Settings
from bot.metrics import PushHeartbeat, timed_push_job
from bot.store.ping import database_problem

log = logging.getLogger(__name__)

# Returns None when the database answers, else a short reason.
DatabaseCheck = Callable[[], Awaitable[str | None]]


class _Health(tornado.web.RequestHandler):
    def initialize(self, check_database: DatabaseCheck, heartbeat: PushHeartbeat) -> None:
        self.check_database = check_database
        self.heartbeat = heartbeat

    async def get(self) -> None:
        problem = await self.check_database() or self.heartbeat.stale_reason()
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.set_status(503 if problem else 200)
        self.finish(f"{problem or 'ok'}\n")


class _Metrics(tornado.web.RequestHandler):
    def get(self) -> None:
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(REGISTRY))


class OpsServer:
    """The /healthz and /metrics server; ``start`` inside the running loop, ``stop`` after."""

    def __init__(
        self, *, listen: str, port: int, check_database: DatabaseCheck, heartbeat: PushHeartbeat
    ) -> None:
        self.listen, self.port = listen, port
        self._app = tornado.web.Application(
            [
                (r"/healthz", _Health, {"check_database": check_database, "heartbeat": heartbeat}),
                (r"/metrics", _Metrics),
            ],
            log_function=lambda handler: None,  # a scrape every few seconds is not news
        )
        self._server: tornado.httpserver.HTTPServer | None = None

    def start(self) -> None:
        """Listen; raises OSError when the address is taken or not ours."""
        self._server = tornado.httpserver.HTTPServer(self._app)
        self._server.listen(self.port, address=self.listen)
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.listen, self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None


# -- wiring into the application (called from bot.app, one line each) -------------------------
OPS_SERVER_KEY = "ops_server"
HEARTBEAT_KEY = "push_heartbeat"
PUSH_JOB_NAME = "daily-push"  # bot.delivery.jobs.JOB_NAME


def watch_push_job(application: Any, settings: Settings) -> PushHeartbeat:
    """Time the push job, beat the heartbeat after each tick, count its sends as push."""
    heartbeat = PushHeartbeat(settings.digest_tick_seconds)
    application.bot_data[HEARTBEAT_KEY] = heartbeat
    if application.job_queue is not None:
        for job in application.job_queue.get_jobs_by_name(PUSH_JOB_NAME):
            job.callback = timed_push_job(job.callback, heartbeat)
    return heartbeat


async def start_ops_server(application: Any, settings: Settings, store: object) -> None:
    """Serve /healthz and /metrics when METRICS_PORT is set (after the push job is installed)."""
    heartbeat = watch_push_job(application, settings)
    if settings.metrics_port is None:
        return
    server = OpsServer(
        listen=settings.metrics_listen,
        port=settings.metrics_port,
        check_database=lambda: database_problem(store),
        heartbeat=heartbeat,
    )
    server.start()
    application.bot_data[OPS_SERVER_KEY] = server


async def stop_ops_server(application: Any) -> None:
    """Stop the server started by ``start_ops_server``, if any."""
    server = application.bot_data.pop(OPS_SERVER_KEY, None)
    if isinstance(server, OpsServer):
        await server.stop()


async def count_update(update: object, _context: Any) -> None:
    """A handler for group -2: counts every update by kind and lets it go on."""
    metrics.count_update(update)
