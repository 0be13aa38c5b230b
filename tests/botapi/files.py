"""Files: documents users send (getFile and the file download URL) and documents the bot sends
(sendDocument), as the Bot API serves them.

Users' files live in ``emu.files`` by file_id; getFile gives a ``file_path`` that the download
URL ``/file/bot<token>/<file_path>`` serves. Documents the bot sends are kept apart from
messages, in ``emu.documents`` (a document has a caption, not a text, and no link preview).
Simplified: a file's file_unique_id is its file_id; files over 20 MB are refused by getFile
("file is too big"), as Telegram does for bots.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.botapi.records import User, UserAction, bad_request
from tests.botapi.updates import chat_dict, message_dict
from tests.botapi.validate import parse_text

if TYPE_CHECKING:
    from tests.botapi.emulator import EmulatorState
    from tests.botapi.methods import Call

GET_FILE_LIMIT = 20 * 1024 * 1024
_FILE_IDS = itertools.count(1)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    body: bytes
    content_type: str = "application/octet-stream"


@dataclass
class SentDocument:
    """A document the bot sent."""

    chat_id: int
    message_id: int
    filename: str
    body: bytes
    caption: str  # plain text after entity parsing
    raw_caption: str
    parse_mode: str | None
    seq: int


def _file_object(file_id: str, name: str, size: int) -> dict[str, Any]:
    return {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_name": name,
        "mime_type": "application/octet-stream",
        "file_size": size,
    }


def user_document(
    emu: EmulatorState,
    chat_id: int,
    filename: str,
    body: bytes,
    *,
    caption: str | None = None,
    user: User | None = None,
    chat_type: str = "private",
    declared_size: int | None = None,
) -> UserAction:
    """A user sends a file; ``declared_size`` overrides the size Telegram reports."""
    if user is None:
        user = User(id=chat_id) if chat_type == "private" else User(id=10_001)
    chat = chat_dict(chat_id, chat_type, user, None)
    emu.chats[chat_id] = chat
    file_id = f"doc{next(_FILE_IDS)}"
    emu.files[file_id] = (filename, body)
    message = message_dict(
        message_id=emu.next_message_id(chat_id),
        date=emu.now(),
        chat=chat,
        user=user,
        text="",
        language_code=None,
    )
    message.pop("text", None)
    size = declared_size if declared_size is not None else len(body)
    message["document"] = _file_object(file_id, filename, size)
    if caption:
        message["caption"] = caption
    return emu.enqueue("message", message, chat_id)


async def get_file(emu: EmulatorState, call: Call) -> Any:
    """getFile."""
    file_id = call.params.get_str("file_id") or ""
    if file_id not in emu.files:
        raise bad_request("invalid file_id")
    name, body = emu.files[file_id]
    if len(body) > GET_FILE_LIMIT:
        raise bad_request("file is too big")
    return {
        "file_id": file_id,
        "file_unique_id": file_id,
        "file_size": len(body),
        "file_path": f"documents/{file_id}/{name}",
    }


def file_body(emu: EmulatorState, file_path: str) -> bytes | None:
    """The bytes a download URL serves, or None for an unknown path."""
    parts = file_path.split("/")
    if len(parts) < 3 or parts[0] != "documents" or parts[1] not in emu.files:
        return None
    return emu.files[parts[1]][1]


async def send_document(emu: EmulatorState, call: Call) -> Any:
    """sendDocument with an uploaded file (multipart), a caption and a parse mode."""
    p = call.params
    chat_id = p.chat_id()
    assert chat_id is not None
    document = p.raw("document")
    if isinstance(document, str) and document.startswith("attach://"):
        document = p.raw(document.removeprefix("attach://"))
    if not isinstance(document, UploadedFile):
        raise bad_request("there is no document in the request")
    if not document.body:
        raise bad_request("file must be non-empty")
    caption, parse_mode = p.get_str("caption") or "", p.get_str("parse_mode")
    plain, _entities = parse_text(caption, parse_mode) if caption else ("", [])
    if len(plain) > 1024:
        raise bad_request("message caption is too long")
    message_id = emu.next_message_id(chat_id)
    emu.documents.append(
        SentDocument(
            chat_id,
            message_id,
            document.filename,
            document.body,
            plain,
            caption,
            parse_mode,
            emu.next_seq(),
        )
    )
    file_id = f"sent{next(_FILE_IDS)}"
    emu.files[file_id] = (document.filename, document.body)
    emu.changed()
    result: dict[str, Any] = {
        "message_id": message_id,
        "from": emu.bot_user,
        "chat": emu.chat(chat_id),
        "date": emu.now(),
        "document": _file_object(file_id, document.filename, len(document.body)),
    }
    if plain:
        result["caption"] = plain
    return result
