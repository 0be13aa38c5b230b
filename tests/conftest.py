"""Shared test setup: the Bot API emulator and the store contract fixtures for every test."""

pytest_plugins = ["tests.botapi.fixtures", "tests.store_contract"]
