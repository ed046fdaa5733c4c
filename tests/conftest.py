"""Shared fixtures. Service fixtures (WIMS emulator, real WIMS) live in tests/fixtures/."""
