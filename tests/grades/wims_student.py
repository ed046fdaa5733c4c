"""Make a real WIMS score: drive a student's session over HTTP (authuser → home page → sheet → exercise
→ answer), the way a browser does."""

from __future__ import annotations

import html
import re

import requests

from wims_lti.wims.client import WimsClient


def _follow(session: requests.Session, page: str, pattern: str, what: str) -> str:
    match = re.search(pattern, page)
    assert match is not None, f"no link to {what}"
    response = session.get(html.unescape(match.group(1)), timeout=60)
    assert response.status_code == 200, what
    return response.text


def student_answers(client: WimsClient, qclass: str, rclass: str, quser: str, sheet: int, answer: str) -> str:
    """The student answers the sheet's (addition) exercise; returns WIMS's result page."""
    auth = client.authuser(qclass, rclass, quser)
    session = requests.Session()
    home = session.get(auth.home_url, timeout=60).text
    sheet_page = _follow(
        session, home, r'href="([^"]*module=adm%2Fsheet&(?:amp;)?\+sh=' + str(sheet) + r')"', f"sheet {sheet}"
    )
    exercise = _follow(
        session, sheet_page, r'href="([^"]*module=classes%2Fen[^"]*\+cmd=new[^"]*)"', "exercise"
    )
    form = re.search(r'<form action="([^"]*)"[^>]*name="replyform".*?</form>', exercise, re.S)
    assert form is not None, "no reply form"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    fields["reply1"] = answer
    return session.get(html.unescape(form.group(1)), params=fields, timeout=60).text
