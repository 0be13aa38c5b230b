"""Decode request parameters the way the Bot API does: query string, form, multipart or JSON.

python-telegram-bot posts form fields where strings are sent as they are and every other value
(numbers, booleans, objects) is JSON-encoded; a JSON body carries typed values. Both land here.
"""

from __future__ import annotations

import json
from typing import Any

from tests.botapi.records import bad_request


class Params:
    """The parameters of one call, with typed accessors that answer 400 like Telegram."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        """The value as received (a string for form fields)."""
        return self.values.get(name)

    def get_str(self, name: str) -> str | None:
        """A string parameter."""
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"wrong parameter {name} in request")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"wrong parameter {name} in request") from None

    def get_bool(self, name: str) -> bool:
        """A boolean parameter (true/false, 1/0)."""
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def get_json(self, name: str) -> Any:
        """An object or array parameter, JSON-encoded in form bodies."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise bad_request("can't parse reply keyboard markup JSON object") from None
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self, name: str = "chat_id", *, required: bool = True) -> int | None:
        """The chat id; usernames (@channel) are not known to the emulator."""
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def decoded(self, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """Every parameter, JSON-looking form values decoded, for the records."""
        out: dict[str, Any] = {}
        for key, value in self.values.items():
            if key in skip:
                continue
            if isinstance(value, str) and value.lstrip("-").isdigit():
                out[key] = int(value)
                continue
            if isinstance(value, str) and value[:1] in "[{" or value in ("true", "false"):
                try:
                    out[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            out[key] = value
        return out
