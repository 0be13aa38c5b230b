"""What a push tick came to: one result per claimed chat, and the tick's counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

# 'lost': another worker took the claim over; 'deferred': left unsent because the database
# stopped answering; 'unsaved': sent, but the sent mark could not be written yet.
Outcome = Literal["sent", "nothing_new", "failed", "blocked", "lost", "deferred", "unsaved"]


@dataclass(frozen=True)
class ChatResult:
    """What one claimed chat came to."""

    chat_id: int
    outcome: Outcome
    parts: int = 0
    detail: str = ""


@dataclass
class TickReport:
    """Counts of one tick (kept small: a tick may cover a million chats)."""

    outcomes: Counter[str] = field(default_factory=Counter)
    messages: int = 0
    floods: int = 0
    halted: bool = False  # the token was refused: nothing can be sent
    store_outages: int = 0  # times the database stopped answering during the tick
    store_error: str = ""  # why the tick stopped early because of the database, if it did

    @property
    def sent(self) -> int:
        """Digests sent completely."""
        return self.outcomes["sent"]

    def summary(self) -> str:
        """One line for logs and the command line."""
        parts = ", ".join(f"{name} {n}" for name, n in sorted(self.outcomes.items()))
        line = f"digests: {parts or 'none due'}; messages {self.messages}; 429s {self.floods}"
        if self.store_outages:
            line += f"; database outages {self.store_outages}"
        return line
