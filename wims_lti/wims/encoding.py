"""Make values safe for WIMS adm/raw, which stores and returns ISO-8859-1 bytes untouched.

WIMS never transcodes: UTF-8 bytes come back as mojibake, `"` and `,` in names corrupt its
JSON and CSV output, and a CR/LF inside a value would start a new `name=value` line of data1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

from django.views.decorators.debug import sensitive_variables
from unidecode import unidecode

WIMS_CHARSET = "iso-8859-1"

_CRLF = re.compile(r"[\r\n]+")
_SPACES = re.compile(r"[ \t]{2,}")
_WORD = re.compile(r"[^\s]+")
_NON_LATIN1 = re.compile(r"[^\x00-\xff]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Greek omicron + upsilon read "ou"
_GREEK_OU = re.compile("[\u039f\u03bf\u038c\u03cc][\u03a5\u03c5\u038e\u03cd]")
# Modern Greek letters (ELOT 743), keyed by the lowercase letter without accents.
_GREEK = {
    "\u03b1": "a", "\u03b2": "v", "\u03b3": "g", "\u03b4": "d", "\u03b5": "e", "\u03b6": "z",
    "\u03b7": "i", "\u03b8": "th", "\u03b9": "i", "\u03ba": "k", "\u03bb": "l", "\u03bc": "m",
    "\u03bd": "n", "\u03be": "x", "\u03bf": "o", "\u03c0": "p", "\u03c1": "r", "\u03c2": "s",
    "\u03c3": "s", "\u03c4": "t", "\u03c5": "y", "\u03c6": "f", "\u03c7": "ch", "\u03c8": "ps",
    "\u03c9": "o",
}  # fmt: skip

# Fields of data1/data2 that hold a person's name: `"` and `,` corrupt getuser/getsheetscores/getcsv.
NAME_FIELDS = frozenset({"firstname", "lastname", "supervisor"})
# Sheet/exam titles and descriptions: a `,` splits them in listsheets, listexams and getsheet.
COMMA_FIELDS = frozenset({"title", "description"})
# Fields whose value must never be logged.
SECRET_FIELDS = frozenset({"password", "passwd", "qpasswd"})


def to_latin1(text: str) -> str:
    """`text` with every word that holds a non-Latin-1 character transliterated to ASCII.

    Whole words are transliterated so a name reads consistently (`Żółć` → `Zolc`, not `Zółc`);
    words that are already Latin-1 (`Élodie`) and Latin-1 text between words are kept byte for byte;
    other whitespace (U+3000, U+2028, ...) becomes a space.
    """
    return transliterate(text)


def transliterate(text: str, *, placeholder: str = "?") -> str:
    """`to_latin1`; a word with nothing left after transliteration (emoji) becomes `placeholder`."""
    if all(ord(char) < 256 for char in text):
        return text
    text = _WORD.sub(lambda match: _transliterate_word(match.group(0), placeholder), text)
    return _NON_LATIN1.sub(" ", text)  # what is left between words is whitespace


def _transliterate_word(word: str, placeholder: str) -> str:
    if all(ord(char) < 256 for char in word):
        return word
    word = _GREEK_OU.sub(_ou, word)
    ascii_word = "".join(_greek(char) or unidecode(char) for char in word)
    ascii_word = _SPACES.sub(" ", ascii_word).strip()  # unidecode spaces CJK syllables: "Li Lei "
    return ascii_word or placeholder


def _ou(match: re.Match[str]) -> str:
    pair = match.group(0)
    return "OU" if pair.isupper() else ("Ou" if pair[0].isupper() else "ou")


def _greek(char: str) -> str | None:
    """Modern Greek (ELOT 743) for one letter: unidecode's ancient scheme gives `Ελένη` → `Elene`."""
    if not ("\u0370" <= char <= "\u03ff" or "\u1f00" <= char <= "\u1fff"):
        return None
    base = unicodedata.normalize("NFD", char)[0]
    latin = _GREEK.get(base.lower())
    if latin is None:
        return None
    return latin.capitalize() if base.isupper() else latin


def strip_crlf(text: str) -> str:
    """Replace CR/LF runs by one space so a value stays on its own data1 line."""
    return _CRLF.sub(" ", text).strip() if ("\r" in text or "\n" in text) else text


def clean_name(text: str) -> str:
    """A person's name as WIMS can store it: Latin-1, one line, `"` dropped, `,` made a space."""
    cleaned = to_latin1(strip_crlf(text)).replace('"', "").replace(",", " ")
    return _SPACES.sub(" ", cleaned).strip()


def clean_value(value: object) -> str:
    """Any parameter value as Latin-1 text (no crash, whatever the input)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return to_latin1(str(value))


def clean_field(name: str, value: object) -> str:
    """The value of one `name=value` line of data1/data2: whatever the field, one line of Latin-1
    without control characters, not starting with `!` (WIMS would run it as a command when it reads
    the record back) and not ending with `\\` (it would swallow the next line). User texts have been
    through the gate (`gate.wims_text`) before: this is the transport's safety net."""
    text = _CONTROLS.sub("", strip_crlf(clean_value(value)).replace("\t", " "))
    if name in NAME_FIELDS:
        text = clean_name(text)
    elif name in COMMA_FIELDS and "," in text:
        text = _SPACES.sub(" ", text.replace(",", " ")).strip()
    if text[:1] in ("!", " ") or text.endswith("\\"):
        text = text.lstrip(" !").rstrip("\\")
    return text


@sensitive_variables("fields", "value", "lines")
def format_lines(fields: Mapping[str, object]) -> str:
    """`{"firstname": "Jo"}` → `firstname=Jo` lines joined with `\\n` (the data1/data2 format)."""
    lines = []
    for name, value in fields.items():
        if value is None:
            continue
        key = strip_crlf(clean_value(name)).replace("=", "")
        lines.append(f"{key}={clean_field(key, value)}")
    return "\n".join(lines)


def redact_lines(text: str) -> str:
    """data1/data2 text with the value of secret lines (`password=...`) hidden, for logs."""
    out = []
    for line in text.split("\n"):
        key, sep, _ = line.partition("=")
        out.append(f"{key}=***" if sep and key.strip().lower() in SECRET_FIELDS else line)
    return "\n".join(out)


@sensitive_variables("pairs", "safe_pairs")
def encode_form(pairs: Iterable[tuple[str, str]]) -> bytes:
    """An `application/x-www-form-urlencoded` body of percent-encoded Latin-1 bytes."""
    safe_pairs = [(key, clean_value(value)) for key, value in pairs]
    return urlencode(safe_pairs, encoding=WIMS_CHARSET, quote_via=quote).encode("ascii")
