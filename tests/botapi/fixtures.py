"""pytest fixtures: a running emulator per test.

Use with ``pytest_plugins = ["tests.botapi.fixtures"]`` in a test module (or tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.botapi.server import BotApiEmulator


@pytest.fixture
async def botapi() -> AsyncIterator[BotApiEmulator]:
    """A started emulator on a free loopback port, stopped after the test."""
    async with BotApiEmulator() as emulator:
        yield emulator
