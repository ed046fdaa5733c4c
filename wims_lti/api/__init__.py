"""Admin JSON API `/api/v0/` (modelled on INGInious's): token auth, scoped, errors as JSON (docs/api.md)."""
