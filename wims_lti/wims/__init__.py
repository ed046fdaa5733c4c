"""The only package that speaks WIMS adm/raw: client, typed results, errors, identifiers, emulator."""
