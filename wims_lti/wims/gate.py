"""The gate: every user-supplied text goes through `wims_text` before adm/raw, with WIMS's own limits.

What WIMS 4.29a does with what it is sent (all seen on the real server, see docs/ and the tests):
- a value starting with `!` (even after spaces) is evaluated as a WIMS command when the user file is
  read back: the file is refused (`not_trusted`, HTTP 550) and every job reading the class's users fails
  for the whole class; a lone `\\` (or one at the end) does the same, and `\\x` is an escape;
- `<`, `>` are stored raw and rendered as HTML in the teacher's pages; `$` becomes `&#36;`;
- `"`, TAB and control characters make `getuser`/`getsheetscores` answer invalid JSON; `,` shifts the
  class's user list (`last,first,login`); `=` cuts the value; NUL answers `missing data`;
- an unbalanced `(`, `[` or `{` in any parameter gets an HTML error page (the request, password
  included, is echoed and logged by WIMS);
- text outside ISO-8859-1 is stored as mojibake (or crashes the encoder).
WIMS's own registration page (adm/class/reguser) turns `&! ;?:#$<"` into spaces in names and keeps 40
characters; emails lose `"<>',|!$` and keep 60 characters, with `@` and `.`. The gate applies the same
rules, so a name reads in WIMS as WIMS itself would have stored it, plus what WIMS forgets.

The output of `wims_text` is always: ISO-8859-1, one line without control characters, without `<>"\\$`
or `=`, with balanced brackets, not starting with `!`, within the field's maximum length and, for the
fields WIMS requires, never empty (a placeholder). It is idempotent: the gate of a gated text is itself.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from .encoding import transliterate

# Removed everywhere: what WIMS interprets (markup, variables, escapes, field separators).
_ALWAYS = '<>"\\$=`'
# WIMS's own `char_forbidden_name` (adm/class/authchars), plus `,` (the user list separator).
_NAME = _ALWAYS + "&!;?:#,|"
# addclass turns `,!$"<` into spaces.
_CLASS = _ALWAYS + ",!"
# `,` splits titles in listsheets/listexams/getsheet (a leading `:` would start a record in
# sheets/.sheets: `_settle` strips it from every text).
_ITEM = _ALWAYS + ","
# adm/class/reguser drops `"<>',|!$` from emails; the others are never in a plain address.
_EMAIL = _ALWAYS + "',|!;()[]{}&#:?*%^~"

_PAIRS = {")": "(", "]": "[", "}": "{"}
_OPENERS = frozenset(_PAIRS.values())
_SPACES = re.compile(r" {2,}")
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]")
_SPACE_CATEGORIES = frozenset({"Zs", "Zl", "Zp"})
# Controls, format characters (bidi overrides, zero-width, soft hyphen, BOM), surrogates, private use
# and unassigned code points: invisible, or unreadable once in WIMS.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


# Dropped rather than made spaces: quotes and escapes sit inside words (`Per"visor` reads `Pervisor`).
_DROPPED = '"\\`'


@dataclass(frozen=True)
class TextRule:
    """How one field is cleaned: characters removed, length bounds, placeholder when too short."""

    forbidden: str
    max_len: int
    min_len: int = 0
    fallback: str | None = None  # None: too short stays too short (the caller refuses it)
    email: bool = False

    def table(self) -> dict[int, str]:
        return {ord(char): "" if char in _DROPPED else " " for char in self.forbidden}


# WIMS's limits: reguser (names 40, email 60), addclass (description 2-30, institution 2-50, supervisor
# name 6-60, data2 names 2-60, email 8-60), the sheet and exam pages (title 80, description 4000).
RULES: dict[str, TextRule] = {
    "user.firstname": TextRule(_NAME, 40, 1, "-"),
    "user.lastname": TextRule(_NAME, 40, 1, "-"),
    "user.email": TextRule(_EMAIL, 60, email=True),
    "user.text": TextRule(_CLASS, 200),  # comments, regnum, ...: free text of a user record
    "class.description": TextRule(_CLASS, 30, 2),
    "class.institution": TextRule(_CLASS, 50, 2),
    "class.supervisor": TextRule(_NAME, 60, 6),
    "class.email": TextRule(_EMAIL, 60, 8, email=True),
    "supervisor.firstname": TextRule(_NAME, 60, 2, "-"),
    "supervisor.lastname": TextRule(_NAME, 60, 2, "-"),
    "item.title": TextRule(_ITEM, 80, 1),
    "item.description": TextRule(_ITEM, 4000),
}
RULE_TABLES = {name: rule.table() for name, rule in RULES.items()}


def wims_text(value: object, *, field: str, fallback: str | None = None) -> str:
    """`value` as WIMS can store and give back `field` (a key of RULES). `fallback` overrides the
    field's placeholder ("" returns an empty text rather than a placeholder)."""
    rule = RULES[field]
    text = _visible_latin1(value if isinstance(value, str) else str(value))
    text = text.translate(RULE_TABLES[field])
    if rule.email:
        return _email(text, rule)
    text = _settle(text)
    if len(text) > rule.max_len:
        text = _settle(text[: rule.max_len])
    if len(text) < rule.min_len:
        placeholder = rule.fallback if fallback is None else fallback
        if placeholder is not None:
            text = _pad(text, placeholder, rule)
    return text


def wims_person_names(
    first: str, last: str, *, tag_source: str, field_prefix: str = "user"
) -> tuple[str, str]:
    """(first, last) for WIMS, which needs both: each through the gate; when nothing readable is left
    of either, the placeholders an LMS hiding names gets ("Anonymous", "User <tag>")."""
    first_out = wims_text(first, field=f"{field_prefix}.firstname", fallback="")
    last_out = wims_text(last, field=f"{field_prefix}.lastname", fallback="")
    if not first_out and not last_out:
        tag = hashlib.sha256(tag_source.encode("utf-8", "surrogatepass")).hexdigest()[:6].upper()
        first_out, last_out = "Anonymous", f"User {tag}"
    return (
        wims_text(first_out, field=f"{field_prefix}.firstname"),
        wims_text(last_out, field=f"{field_prefix}.lastname"),
    )


def _visible_latin1(text: str) -> str:
    """One line of printable ISO-8859-1: spaces unified, invisible characters dropped, the rest
    composed (NFC), compatibility forms folded (NFKC: full-width letters, ligatures) and transliterated."""
    text = unicodedata.normalize("NFC", text)
    out = []
    for char in text:
        if char in "\t\n\r\v\f":
            out.append(" ")
            continue
        category = unicodedata.category(char)
        if category in _SPACE_CATEGORIES:
            out.append(" ")
        elif category in _DROP_CATEGORIES:
            continue
        elif ord(char) < 256:
            out.append(char)
        else:
            out.append(unicodedata.normalize("NFKC", char))
    text = transliterate("".join(out), placeholder="")
    # NFKC and transliteration may bring back spaces or controls (rare): one more pass, Latin-1 only.
    return "".join(
        " " if unicodedata.category(c) in _SPACE_CATEGORIES else c
        for c in text
        if ord(c) < 256 and unicodedata.category(c) not in _DROP_CATEGORIES
    )


def _settle(text: str) -> str:
    """Balanced brackets, single spaces, no leading `!` or `:`: repeated until nothing changes (removing
    a bracket may uncover a `!`, stripping may leave nothing to balance)."""
    while True:
        new = _balanced(text)
        new = _SPACES.sub(" ", new).strip().lstrip("!:").strip()
        if new == text:
            return text
        text = new


def _balanced(text: str) -> str:
    """`text` without the brackets that have no partner (WIMS refuses unmatched `( [ {`)."""
    keep = [True] * len(text)
    stack: list[int] = []
    for index, char in enumerate(text):
        if char in _OPENERS:
            stack.append(index)
        elif char in _PAIRS:
            if stack and text[stack[-1]] == _PAIRS[char]:
                stack.pop()
            else:
                keep[index] = False
    for index in stack:
        keep[index] = False
    return "".join(char for char, kept in zip(text, keep, strict=True) if kept)


def _pad(text: str, placeholder: str, rule: TextRule) -> str:
    """Too short for WIMS: the placeholder alone, or `text` followed by it."""
    if not placeholder:
        return text
    padded = f"{text} {placeholder}" if text else placeholder
    while len(padded) < rule.min_len:
        padded += placeholder
    return padded[: rule.max_len]


def _email(text: str, rule: TextRule) -> str:
    """What WIMS keeps of an address (its last word, as reguser does), or "" when it is not one."""
    words = text.split()
    address = words[-1] if words else ""
    if not (rule.min_len <= len(address) <= rule.max_len) or _EMAIL_SHAPE.fullmatch(address) is None:
        return ""
    return address
