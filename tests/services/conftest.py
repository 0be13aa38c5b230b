"""Service tests that touch the store run on SQLite and PostgreSQL (tests.store_contract)."""
