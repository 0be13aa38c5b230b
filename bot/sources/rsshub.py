"""RSSHub routes: ``rsshub://route?params`` stored as such, fetched from the configured instances.

A route names a feed independently of any instance (as Folo stores them); RSSHUB_BASE_URL
lists the instances, tried in order, the next one when one fails. The access key
(RSSHUB_ACCESS_KEY) is added as ``key=`` to the request URL only: routes never carry it, the
URL a fetch reports has it removed, and any failure message is scrubbed of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from bot.config import Settings
from bot.sources.errors import FetchFailed, RefusedSource, SourceError, excerpt
from bot.sources.fetch import FetchResult

SCHEME = "rsshub://"
MAX_ROUTE_LENGTH = 1024
# Parameters that authenticate a request: they belong to the instance, never to a stored route.
_SECRET_PARAMS = frozenset({"key", "code"})
_SEGMENT = re.compile(r"^[\w\-.~!$&'()*+,;=:@%\u0080-\U0010ffff]+$")
NO_INSTANCE = (
    "rsshub:// routes need an RSSHub instance: the operator sets RSSHUB_BASE_URL "
    "(there is no default instance)"
)


def is_route(text: str) -> bool:
    """Whether ``text`` is written as an ``rsshub://`` route."""
    return text.strip().lower().startswith(SCHEME)


def parse_route(text: str) -> str:
    """The route in its stored form (``rsshub://path?params``); RefusedSource with the reason.

    Refused: an empty route, ``..`` or ``.`` segments (also percent-encoded), a backslash,
    ``key=``/``code=`` parameters (the key is a setting), and routes over 1024 characters.
    """
    raw = text.strip()
    if not is_route(raw):
        raise RefusedSource("not an rsshub:// route")
    if len(raw) > MAX_ROUTE_LENGTH:
        raise RefusedSource(f"the route is longer than {MAX_ROUTE_LENGTH} characters")
    rest = raw[len(SCHEME) :]
    path, _, query = rest.partition("?")
    path, _, _fragment = path.partition("#")
    query = query.partition("#")[0]
    decoded = unquote(path)
    if "\\" in decoded:
        raise RefusedSource("a route has no backslash")
    segments = [segment for segment in decoded.split("/") if segment]
    if not segments:
        raise RefusedSource("the route is empty: write it as rsshub://publisher/section")
    if any(segment in ("..", ".") for segment in segments):
        raise RefusedSource("a route may not contain ../ (it names a feed, not a folder)")
    if not all(_SEGMENT.match(segment) for segment in segments):
        raise RefusedSource("the route holds spaces or characters a route cannot have")
    params = parse_qsl(query, keep_blank_values=True)
    if any(name.lower() in _SECRET_PARAMS for name, _ in params):
        raise RefusedSource(
            "a route does not carry the access key: the operator sets RSSHUB_ACCESS_KEY"
        )
    stored = SCHEME + "/".join(quote(segment, safe="!$&'()*+,;=:@~-._") for segment in segments)
    return stored + (f"?{urlencode(params)}" if params else "")


def instance_url(route: str, base: str, key: str | None = None) -> str:
    """The address of a stored route on an instance; with ``key`` only for the request itself."""
    path, _, query = route[len(SCHEME) :].partition("?")
    params = parse_qsl(query, keep_blank_values=True)
    if key:
        params.append(("key", key))
    return f"{base.rstrip('/')}/{path}" + (f"?{urlencode(params)}" if params else "")


def route_of(url: str, bases: Sequence[str]) -> str | None:
    """The route an instance URL names (an OPML file exported with a base), else None.

    Any ``key``/``code`` parameter in it is dropped, never kept.
    """
    for base in bases:
        prefix = base.rstrip("/") + "/"
        if url.startswith(prefix):
            parts = urlsplit(url)
            params = [
                (name, value)
                for name, value in parse_qsl(parts.query, keep_blank_values=True)
                if name.lower() not in _SECRET_PARAMS
            ]
            route = SCHEME + url[len(prefix) :].partition("?")[0].partition("#")[0]
            try:
                return parse_route(route + (f"?{urlencode(params)}" if params else ""))
            except RefusedSource:
                return None
    return None


class Fetches(Protocol):
    """What reads a URL: bot.sources.fetch.Fetcher, or RsshubFetcher over one."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url``; FetchFailed or RefusedSource when it cannot be read."""
        ...


@dataclass(frozen=True)
class RsshubInstances:
    """The configured instances (in order) and the access key."""

    bases: tuple[str, ...]
    key: str | None = None

    def scrub(self, text: str) -> str:
        """``text`` without the access key, in case a library quoted the request URL."""
        if not self.key:
            return text
        for form in {self.key, quote(self.key, safe="")}:
            text = text.replace(form, "<key>")
        return text


class RsshubFetcher:
    """Reads ``rsshub://`` routes from the first instance that answers; other URLs as given."""

    def __init__(self, fetcher: Fetches, instances: RsshubInstances) -> None:
        self._fetcher = fetcher
        self._instances = instances

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """The feed of a route (or any other URL), with the key only on the wire."""
        if not is_route(url):
            return await self._fetcher.fetch(url, etag=etag, last_modified=last_modified)
        route = parse_route(url)
        instances = self._instances
        if not instances.bases:
            raise RefusedSource(NO_INSTANCE)
        failures: list[str] = []
        for base in instances.bases:
            wire = instance_url(route, base, instances.key)
            try:
                result = await self._fetcher.fetch(wire, etag=etag, last_modified=last_modified)
            except SourceError as exc:
                failures.append(f"{urlsplit(base).netloc}: {instances.scrub(str(exc))}")
                continue
            # The URL a result reports (and any link resolved against it) never holds the key.
            shown = instance_url(route, base)
            return FetchResult(
                url=shown,
                status=result.status,
                body=result.body,
                content_type=result.content_type,
                etag=result.etag,
                last_modified=result.last_modified,
                max_age=result.max_age,
            )
        which = "the RSSHub instance" if len(failures) == 1 else "every RSSHub instance"
        raise FetchFailed(excerpt(f"{which} failed: " + "; ".join(failures), 300))


def instances_from(settings: Settings) -> RsshubInstances:
    """The instances and key of RSSHUB_BASE_URL and RSSHUB_ACCESS_KEY."""
    return RsshubInstances(bases=settings.rsshub_base_url, key=settings.rsshub_key)
