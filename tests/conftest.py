"""Shared test setup: the Bot API emulator fixture (``botapi``) for every test."""

pytest_plugins = ["tests.botapi.fixtures"]
