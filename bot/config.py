"""Settings: read once from the environment (and an optional .env file) into one object."""

from __future__ import annotations

import importlib.util
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "wenzhai.db"
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


def proxy_url_problem(url: str) -> str | None:
    """What is wrong with a proxy URL (scheme, host, port), or None when it is usable."""
    if "://" not in url:
        return "no scheme"
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "invalid port or address"
    scheme = parts.scheme.lower()
    if scheme not in PROXY_SCHEMES:
        return f"scheme {scheme[:10]!r} is not supported"
    if not parts.hostname:
        return "no host"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "a proxy URL has no path"
    return None


class Settings(BaseSettings):
    """Every setting of the bot; each one is documented in .env.example."""

    # An empty variable (as .env.example leaves them) means "use the default".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH.as_posix()}"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()

    default_timezone: str = "Asia/Shanghai"
    default_digest_time: time = time(8, 0)
    digest_tick_seconds: int = Field(default=60, ge=1)
    digest_max_articles: int = Field(default=10, ge=1, le=50)
    send_rate_per_second: float = Field(default=30.0, gt=0)
    delivery_lease_seconds: float = Field(default=900.0, gt=0)
    flood_burst: int = Field(default=5, ge=1)
    flood_rate: float = Field(default=1.0, gt=0)

    seeds_dir: Path = Path("seeds")
    topics_file: Path = Path("seeds/topics.toml")
    # The news category model (None: the one shipped in summaries/data).
    category_model_file: Path | None = None
    digest_max_chars: int = Field(default=150, ge=10)
    digest_max_sentences: int = Field(default=3, ge=1)
    # rjieba or jieba (None: rjieba when installed); see summaries.segmenter.
    tokenizer: Literal["rjieba", "jieba"] | None = None
    # Processes preparing the articles of a bulk ingest (None: one per CPU; 1: in-process).
    ingest_workers: int | None = Field(default=None, ge=1, le=64)
    # Folders /ingest in a chat may read (empty: SEEDS_DIR and the working folder).
    ingest_roots: Annotated[tuple[Path, ...], NoDecode] = ()

    feeds: Annotated[tuple[str, ...], NoDecode] = ()
    feeds_file: Path | None = None
    feed_poll_minutes: int = Field(default=30, ge=1)
    fetch_timeout_seconds: float = Field(default=15.0, gt=0)
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    fetch_per_host_concurrency: int = Field(default=2, ge=1)
    feed_max_page_fetches: int = Field(default=20, ge=0)
    allow_private_sources: bool = False
    feed_max_entries: int = Field(default=50, ge=1)
    sources_proxy: SecretStr | None = None

    # -- the feed catalogue, RSSHub, feeds for every chat, feed health (docs/sources.md) -----
    catalogue: Literal["default", "none"] = "default"
    catalogue_file: Path = Path("seeds/feeds.toml")
    rsshub_base_url: Annotated[tuple[str, ...], NoDecode] = ()
    rsshub_access_key: SecretStr | None = None
    max_feeds_per_chat: int = Field(default=50, ge=0, le=1000)
    multiuser: bool = True
    feed_disable_days: int = Field(default=7, ge=1)
    feed_host_spacing_seconds: float = Field(default=2.0, ge=0)

    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443

    log_level: str = "INFO"

    # -- operations: Telegram proxy, health and metrics (docs/operations.md) ------------------
    telegram_proxy: SecretStr | None = None
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_listen: str = "127.0.0.1"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.replace(";", ",").split(",")
            return frozenset(int(part) for part in parts if part.strip())
        return value

    @field_validator("feeds", mode="before")
    @classmethod
    def _parse_feeds(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.replace("\n", ",").split(",")
            return tuple(part.strip() for part in parts if part.strip())
        return value

    @field_validator("rsshub_base_url", mode="before")
    @classmethod
    def _parse_rsshub_bases(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.replace("\n", ",").split(",") if part.strip()]
        if isinstance(value, list | tuple):
            bases = []
            for raw in value:
                base = str(raw).strip().rstrip("/")
                parts = urlsplit(base)
                if parts.scheme not in ("http", "https") or not parts.hostname:
                    raise PydanticCustomError(
                        "rsshub_base",
                        "not an RSSHub instance URL: use http:// or https:// with a host, "
                        "for example https://rsshub.example.com",
                    )
                if parts.query or parts.fragment or parts.username or parts.password:
                    raise PydanticCustomError(
                        "rsshub_base",
                        "an RSSHub instance URL has no query, fragment or password "
                        "(the access key goes in RSSHUB_ACCESS_KEY)",
                    )
                bases.append(base)
            return tuple(dict.fromkeys(bases))
        return value

    @field_validator("sources_proxy", "telegram_proxy")
    @classmethod
    def _check_proxy(cls, value: SecretStr | None) -> SecretStr | None:
        # One rule for both proxies (SOURCES_PROXY for sources, TELEGRAM_PROXY for the Bot API).
        if value is not None:
            problem = proxy_url_problem(value.get_secret_value())
            if problem:
                # PydanticCustomError keeps the message as written (no "Value error, " prefix);
                # the URL itself is not quoted, as it may hold a password.
                raise PydanticCustomError(
                    "proxy_url",
                    "not a proxy URL ({problem}): use http://, https:// or socks5:// with a host "
                    "and a port, for example socks5://127.0.0.1:1080",
                    {"problem": problem},
                )
        return value

    @field_validator("tokenizer")
    @classmethod
    def _check_tokenizer(cls, value: str | None) -> str | None:
        if value == "rjieba" and importlib.util.find_spec("rjieba") is None:
            raise PydanticCustomError(
                "tokenizer",
                "rjieba is not installed: pip install rjieba, or set TOKENIZER=jieba",
            )
        return value

    @field_validator("ingest_roots", mode="before")
    @classmethod
    def _parse_ingest_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(part.strip()) for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _add_feeds_file(self) -> Settings:
        # FEEDS_FILE holds one URL a line (blank lines and # comments ignored), added to FEEDS.
        if self.feeds_file is None:
            return self
        try:
            lines = self.feeds_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ValueError(f"cannot read FEEDS_FILE {self.feeds_file}: {exc.strerror}") from exc
        listed = (line.strip() for line in lines)
        extra = tuple(u for u in listed if u and not u.startswith("#") and u not in self.feeds)
        self.feeds = tuple(dict.fromkeys(self.feeds + extra))
        return self

    @property
    def telegram_proxy_url(self) -> str | None:
        """The Telegram proxy URL in clear (credentials included), for the HTTP client only."""
        return self.telegram_proxy.get_secret_value() if self.telegram_proxy else None

    @property
    def ingest_root_paths(self) -> tuple[Path, ...]:
        """What /ingest in a chat may read: INGEST_ROOTS, else SEEDS_DIR and the working folder."""
        return self.ingest_roots or (self.seeds_dir, Path.cwd())

    @property
    def rsshub_key(self) -> str | None:
        """The RSSHub access key in clear, for the request URL only (never stored or logged)."""
        key = self.rsshub_access_key.get_secret_value().strip() if self.rsshub_access_key else ""
        return key or None

    @property
    def token(self) -> str | None:
        """The bot token in clear, for the one place that must hand it to Telegram."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None


def proxy_display(url: str) -> str:
    """A proxy URL without its credentials, safe for a log line or a message."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"
