"""Values are made Latin-1, single-line and (for names) free of `"` and `,` before WIMS sees them."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from wims_lti.wims.encoding import (
    clean_field,
    clean_name,
    clean_value,
    encode_form,
    format_lines,
    redact_lines,
    strip_crlf,
    to_latin1,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Łukasz Żółć", "Lukasz Zolc"),
        ("Élodie Dupré", "Élodie Dupré"),
        ("Zoë Größe", "Zoë Größe"),
        ("李雷", "Li Lei"),
        ("Ελένη", "Eleni"),
        ("Παπαδοπούλου", "Papadopoulou"),
        ("Иван Петров", "Ivan Petrov"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("", ""),
    ],
)
def test_to_latin1_transliterates_only_what_latin1_cannot_hold(text: str, expected: str) -> None:
    assert to_latin1(text) == expected
    to_latin1(text).encode("latin-1")  # never raises


def test_to_latin1_keeps_latin1_text_byte_for_byte() -> None:
    source = "  indented\n\tline (with) = signs & 100% é\n"
    assert to_latin1(source) == source


def test_to_latin1_never_crashes_on_symbols_and_emoji() -> None:
    result = to_latin1("ok 😀 ✓ \U0001d518 \U0010ffff end")
    result.encode("latin-1")
    assert result.startswith("ok ") and result.endswith(" end")


def test_to_latin1_only_touches_words_with_foreign_characters() -> None:
    assert to_latin1("Müller  李  x") == "Müller  Li  x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a\r\nb", "a b"), ("a\nb\rc", "a b c"), ("line\n", "line"), ("no break", "no break")],
)
def test_strip_crlf(text: str, expected: str) -> None:
    assert strip_crlf(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Bob "the" Builder', "Bob the Builder"),
        ("O'Neil, Jr.", "O'Neil Jr."),
        ("Anne\r\nMarie", "Anne Marie"),
        ("Łukasz, Żółć", "Lukasz Zolc"),
        ("O'Brien-Smith", "O'Brien-Smith"),
    ],
)
def test_clean_name(text: str, expected: str) -> None:
    assert clean_name(text) == expected


def test_clean_value_of_non_strings() -> None:
    assert clean_value(10) == "10"
    assert clean_value(True) == "yes"
    assert clean_value(2.5) == "2.5"


def test_clean_field_cleans_names_only_in_name_fields() -> None:
    assert clean_field("lastname", 'A, "B"') == "A B"
    assert clean_field("supervisor", "Sue, Pervisor") == "Sue Pervisor"
    assert clean_field("comments", 'A, "B"') == 'A, "B"'
    assert clean_field("comments", "two\nlines") == "two lines"


def test_format_lines_builds_one_line_per_field() -> None:
    text = format_lines({"firstname": 'Jo "J"', "lastname": "Ó\nBrien", "email": None, "points": 10})
    assert text == "firstname=Jo J\nlastname=Ó Brien\npoints=10"


def test_format_lines_cannot_be_injected_with_new_lines() -> None:
    text = format_lines({"comments": "x\npassword=hacked", "bad\nkey=": "v"})
    assert text.split("\n") == ["comments=x password=hacked", "bad key=v"]


def test_redact_lines_hides_password_values_only() -> None:
    text = "firstname=Jo\npassword=s3cret\nPassword = x"
    assert redact_lines(text) == "firstname=Jo\npassword=***\nPassword =***"


def test_encode_form_is_percent_encoded_latin1() -> None:
    body = encode_form([("data1", "lastname=Dupré\nfirstname=Łukasz"), ("job", "adduser")])
    assert b"Dupr%E9" in body
    assert b"%0A" in body
    assert body.isascii()
    form = parse_qs(body.decode(), encoding="latin-1")
    assert form["data1"] == ["lastname=Dupré\nfirstname=Lukasz"]


def test_titles_lose_commas_which_split_them_in_wims_lists() -> None:
    assert (
        format_lines({"title": "Algebra, part 1", "description": "a,b"})
        == "title=Algebra part 1\ndescription=a b"
    )
