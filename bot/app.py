"""Wiring: the one place that builds the Telegram application, its handlers, jobs and services.

``build_application(settings)`` returns the application ready to run; ``run_application``
runs it by long polling, or as a webhook server when WEBHOOK_URL is set; ``run_bot`` is what
``python -m bot`` calls. Long-lived objects (store, services) are made in ``post_init`` and
closed in ``post_shutdown``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import ops_server
from bot.config import Settings
from bot.connect import bot_request, updates_request, wait_for_bot_api
from bot.handlers import (
    admin,
    catalogue,
    chat_feeds,
    feeds,
    membership,
    schedule,
    search,
    start,
    subscriptions,
    targets,
)
from bot.handlers.buttons import on_button
from bot.handlers.context import SERVICES_KEY, BotContext, Services
from bot.handlers.fallback import on_error, unknown_command
from bot.handlers.flood import FLOOD_GROUP, flood_handler
from bot.handlers.intake import UpdateScreen, install_webhook_screen
from bot.i18n import plain
from bot.ingest import Ingestor, open_store
from bot.ingest.retag import RetagNeed, retag_need, run_retag
from bot.logs import describe_error, scrub
from bot.services.admin import AdminService
from bot.services.chat_feeds import ChatFeedService
from bot.services.chats import ChatService
from bot.services.digest import DigestService
from bot.services.feeds import FeedService
from bot.services.search import SearchService
from bot.services.subscriptions import SubscriptionService
from bot.services.targets import TargetService
from bot.store.api import Store
from summaries import CategoryModel, CategoryModelError
from summaries.model import Topic

log = logging.getLogger(__name__)

BotApplication = Application[Any, BotContext, Any, Any, Any, Any]
# bot_data key of the background retag started when the category model changed.
RETAG_TASK_KEY = "retag_task"

# (command, i18n key of its description) in the order the menu shows them.
MENU = (
    ("start", "cmd_start"),
    ("help", "cmd_help"),
    ("topics", "cmd_topics"),
    ("subscribe", "cmd_subscribe"),
    ("unsubscribe", "cmd_unsubscribe"),
    ("mysubs", "cmd_mysubs"),
    ("exclude", "cmd_exclude"),
    ("include", "cmd_include"),
    ("export", "cmd_export"),
    ("search", "cmd_search"),
    ("digest", "cmd_digest"),
    ("settime", "cmd_settime"),
    ("timezone", "cmd_timezone"),
    ("pause", "cmd_pause"),
    ("resume", "cmd_resume"),
    ("updates", "cmd_updates"),
    ("channel", "cmd_channel"),
    ("unlink", "cmd_unlink"),
)

NO_TOKEN_HELP = """\
TELEGRAM_BOT_TOKEN is not set.

To get a token: open Telegram, talk to @BotFather, send /newbot, choose a name and a
username ending in "bot"; BotFather answers with a token like 123456789:AA...
Put it in .env (TELEGRAM_BOT_TOKEN=...) or the environment, then run python -m bot again.
For inline mode (@yourbot words) also send /setinline to @BotFather.
"""


def _handlers(settings: Settings) -> list[BaseHandler[Any, Any, Any]]:
    admins = filters.User(user_id=list(settings.admin_ids))
    commands: list[tuple[str, Any]] = [
        ("start", start.start),
        ("help", start.help_command),
        ("topics", subscriptions.topics),
        ("subscribe", subscriptions.subscribe),
        ("unsubscribe", subscriptions.unsubscribe),
        ("mysubs", subscriptions.mysubs),
        ("exclude", subscriptions.exclude),
        ("include", subscriptions.include),
        ("export", chat_feeds.export_feeds),
        ("search", search.search_command),
        ("digest", schedule.digest),
        ("settime", schedule.settime),
        ("timezone", schedule.timezone),
        ("pause", schedule.pause),
        ("resume", schedule.resume),
        ("updates", schedule.updates),
        ("channel", targets.channel),
        ("unlink", targets.unlink),
    ]
    handlers: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler(name, callback) for name, callback in commands
    ]
    admin_commands: list[tuple[str, Any]] = [
        ("stats", admin.stats),
        ("ingest", admin.ingest),
        ("addfeed", feeds.add_feed),
        ("delfeed", feeds.delete_feed),
        ("feeds", feeds.list_feeds),
        ("catalogue", catalogue.catalogue),
    ]
    handlers += [
        CommandHandler(name, callback, filters=admins) for name, callback in admin_commands
    ]
    text = filters.TEXT & ~filters.COMMAND & filters.UpdateType.MESSAGE
    handlers += [
        MessageHandler(filters.StatusUpdate.MIGRATE, membership.chat_moved),
        # An OPML file, whatever the capitalisation of its name: the chat follows its feeds.
        MessageHandler(
            filters.Document.FileExtension("opml", case_sensitive=False)
            & filters.UpdateType.MESSAGE,
            chat_feeds.import_opml,
        ),
        # Any command not matched above (or an admin command from a non-admin).
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, unknown_command),
        # A post forwarded from a channel: link that channel (before search takes the text).
        MessageHandler(
            targets.CHANNEL_FORWARD & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
            targets.on_forwarded_post,
        ),
        ChatMemberHandler(targets.bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(text & filters.ChatType.PRIVATE, search.search_text),
        MessageHandler(text & filters.ChatType.GROUPS, search.group_mention),
        CallbackQueryHandler(on_button),
        InlineQueryHandler(search.inline_search),
    ]
    return handlers


async def _set_commands(application: BotApplication) -> None:
    for language in ("zh", "en"):
        menu = [BotCommand(name, plain(language, key)) for name, key in MENU]
        await application.bot.set_my_commands(menu, language_code=language)
        if language == "zh":
            # Users whose language is neither get the Chinese menu, as they get Chinese replies.
            await application.bot.set_my_commands(menu)


async def _load_seeds_on_first_start(
    store: Store, settings: Settings, topics: Sequence[Topic], ingestor: Ingestor | None = None
) -> None:
    """An empty store gets the articles shipped in SEEDS_DIR, so a new bot has something to say."""
    if await store.count_articles() or not settings.seeds_dir.is_dir():
        return
    ingestor = ingestor or Ingestor(store, settings=settings, topics=topics)
    report = await ingestor.files([settings.seeds_dir])
    log.info(
        "first start: %d articles loaded from %s (%d refused)",
        report.added,
        settings.seeds_dir,
        len(report.refused),
    )


def _start_retag(
    application: BotApplication, store: Store, model: CategoryModel, need: RetagNeed
) -> None:
    """Reclassify stored articles in the background: the bot answers meanwhile."""
    if need.everything:
        log.info(
            "category model %s differs from the store's (%s): retagging %d articles",
            need.version,
            need.stored_version or "none",
            need.articles,
        )
    else:
        log.info("classifying %d stored articles that have no category", need.articles)

    async def retag() -> None:
        try:
            report = await run_retag(store, model, need)
        except Exception:  # the next start tries again: the version is recorded only at the end
            log.warning("retag stopped; it runs again at the next start", exc_info=True)
            return
        log.info("retag done: %d articles, category model %s", report.retagged, report.version)

    application.bot_data[RETAG_TASK_KEY] = asyncio.create_task(retag(), name="retag")


def _make_post_init(settings: Settings, categories: CategoryModel | None = None) -> Any:
    async def post_init(application: BotApplication) -> None:
        """Open the store, load topics, make the services, start the jobs, set the menu."""
        from bot.delivery.jobs import install_push_job
        from bot.services.catalogue import CatalogueService
        from bot.sources.catalogue import default_entries, load_catalogue
        from bot.sources.jobs import install_feed_poll_job
        from bot.sources.registry import FeedRegistry
        from summaries.topics import load_topics

        model = categories or CategoryModel(settings.category_model_file).load()
        # A broken catalogue file stops the start with one line, before anything is opened.
        entries = load_catalogue(settings.catalogue_file)
        store = await open_store(settings.database_url, tokenizer=settings.tokenizer)
        topics = tuple(load_topics(settings.topics_file))
        # Before the seeds: an empty store records the model's version and is not retagged.
        need = await retag_need(store, model)
        # One ingestor for the process: /ingest, the seeds and the feed poll share its writer.
        ingestor = Ingestor(store, settings=settings, topics=topics, categories=model)
        feeds = store.feeds
        await _load_seeds_on_first_start(store, settings, topics, ingestor)
        if need is not None:
            _start_retag(application, store, model, need)
        catalogue_service = CatalogueService(
            feeds, entries, rsshub_ready=bool(settings.rsshub_base_url)
        )
        # CATALOGUE=default: the default entries are registered once, and logged once.
        await catalogue_service.enable_defaults(default_entries(entries, settings.catalogue))
        registry = FeedRegistry(feeds, settings=settings)
        chats = ChatService(
            store,
            default_timezone=settings.default_timezone,
            default_digest_time=settings.default_digest_time,
        )
        application.bot_data[SERVICES_KEY] = Services(
            settings=settings,
            store=store,
            topics=topics,
            chats=chats,
            subscriptions=SubscriptionService(store, chats, topics),
            search=SearchService(store, topics),
            admin=AdminService(store, settings=settings, topics=topics, ingestor=ingestor),
            digests=DigestService(store, chats, max_articles=settings.digest_max_articles),
            feeds=FeedService(registry),
            catalogue=catalogue_service,
            chat_feeds=ChatFeedService(
                store,
                chats,
                registry,
                catalogue_service,
                max_per_chat=settings.max_feeds_per_chat,
                multiuser=settings.multiuser,
                admin_ids=settings.admin_ids,
                rsshub_base=settings.rsshub_base_url[0] if settings.rsshub_base_url else None,
            ),
            targets=TargetService(store, chats),
        )

        async def notify_admins(message: str) -> None:
            for admin_id in settings.admin_ids:
                try:
                    await application.bot.send_message(admin_id, message)
                except Exception:  # one unreachable admin must not stop the others
                    log.warning("could not notify admin %s", admin_id, exc_info=True)

        install_push_job(application, settings=settings, store=store, topics=topics)
        install_feed_poll_job(
            application,
            settings=settings,
            poll_round=lambda now: ingestor.poll_feeds(now, feeds=feeds),
            notify_admins=notify_admins,
        )
        await ops_server.start_ops_server(application, settings, store)
        await _set_commands(application)
        me = application.bot.username
        log.info("bot @%s ready: %d topics, store %s", me, len(topics), store.backend)

    return post_init


async def _post_shutdown(application: BotApplication) -> None:
    """Stop the health and metrics server and a retag still running, close the store."""
    await ops_server.stop_ops_server(application)
    retag = application.bot_data.get(RETAG_TASK_KEY)
    if isinstance(retag, asyncio.Task) and not retag.done():
        retag.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await retag
    services = application.bot_data.get(SERVICES_KEY)
    if isinstance(services, Services):
        await services.store.close()


def build_application(
    settings: Settings, *, categories: CategoryModel | None = None
) -> BotApplication:
    """The application with every handler, the error handler and post_init/post_shutdown.

    ``categories`` is the category model already read (else post_init reads it).
    """
    token = settings.token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base_url = settings.telegram_base_url.rstrip("/")
    base_file_url = base_url[: -len("/bot")] + "/file/bot" if base_url.endswith("/bot") else None
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .request(bot_request(settings))
        # An update PTB cannot read is skipped instead of fetched again forever.
        .get_updates_request(UpdateScreen(updates_request(settings)))
        .context_types(ContextTypes(context=BotContext))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.send_rate_per_second,
                overall_time_period=1,
                group_max_rate=20,
                group_time_period=60,
                max_retries=2,
            )
        )
        .post_init(_make_post_init(settings, categories))
        .post_shutdown(_post_shutdown)
    )
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    application: BotApplication = builder.build()
    application.add_handler(TypeHandler(Update, ops_server.count_update), group=-2)
    flood = flood_handler(
        burst=settings.flood_burst, rate=settings.flood_rate, admin_ids=settings.admin_ids
    )
    application.add_handler(flood, group=FLOOD_GROUP)
    application.add_handlers(_handlers(settings))
    application.add_error_handler(on_error)
    return application


def run_application(application: BotApplication, settings: Settings, **run: Any) -> None:
    """Run until stopped: a webhook server when WEBHOOK_URL is set, else long polling."""
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        install_webhook_screen()
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            **run,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, **run)


def run_bot(settings: Settings) -> int:
    """``python -m bot``: run the bot; 2 when there is no token (and how to get one).

    While Telegram cannot be reached (no network, Telegram blocked) it says so in one line per
    try and tries again with a growing pause, before start and whenever start fails on the
    network; a refused token ends it with one line.
    """
    token = settings.token
    if not token:
        print(NO_TOKEN_HELP, file=sys.stderr, end="")
        return 2
    if settings.webhook_url and not settings.webhook_secret:
        # Without the secret anyone who finds the URL could post updates as any user.
        print("error: WEBHOOK_URL is set but WEBHOOK_SECRET is not; set both.", file=sys.stderr)
        return 2
    try:
        categories = CategoryModel(settings.category_model_file).load()
    except CategoryModelError as exc:  # missing or corrupt: one line, before anything starts
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        while True:
            asyncio.run(wait_for_bot_api(settings))
            # asyncio.run leaves no current loop; PTB runs (and closes) the one set here.
            asyncio.set_event_loop(asyncio.new_event_loop())
            try:
                run_application(build_application(settings, categories=categories), settings)
                return 0
            except NetworkError as exc:  # lost between the check and the start: wait again
                log.warning("Telegram unreachable while starting (%s)", describe_error(exc))
    except InvalidToken:
        # PTB's message quotes the token: say what happened without it.
        print(
            f"error: the Bot API at {settings.telegram_base_url} refused TELEGRAM_BOT_TOKEN; "
            "check it with @BotFather (/mybots, API Token).",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:  # e.g. METRICS_PORT or WEBHOOK_PORT already taken
        print(f"error: {scrub(describe_error(exc))}", file=sys.stderr)
        return 1
    except Exception as exc:  # one scrubbed line for the operator, never the raw token
        # The traceback goes through the scrubbing handlers (shown at LOG_LEVEL=DEBUG).
        log.debug("the bot stopped", exc_info=True)
        print(f"error: {scrub(f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        return 1
