"""Demo mode ("Try it", `/demo/`): the built-in dev LTI platform and WIMS emulator, started inside the
web process, so that a newcomer sees the whole flow on one machine. Only with DEMO_MODE (never in
production: settings/production.py refuses to start)."""
