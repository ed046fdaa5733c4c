"""Settings: base (shared), local (one machine), test, production. One env reader (django-environ)."""
