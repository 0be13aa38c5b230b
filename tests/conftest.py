"""Shared test setup: the Bot API emulator and the store contract fixtures for every test.

No test may poll the internet: the shipped feed catalogue is off (CATALOGUE=none) for every
Settings made in a test run, whichever fixture makes it; tests of the catalogue turn it on
explicitly, against loopback servers.
"""

import os

os.environ["CATALOGUE"] = "none"

pytest_plugins = ["tests.botapi.fixtures", "tests.store_contract"]
