"""Store tests use the shared contract fixtures of tests.store_contract (both backends)."""
