"""LTI 1.3 side of the bridge: launch validation, services, and the development platform."""
