"""Shared fixtures. Service fixtures (WIMS emulator, real WIMS) live in tests/fixtures/."""

pytest_plugins = ["tests.fixtures.wims_servers", "tests.fixtures.lti_env"]
