"""Demo mode ("Try it") end to end in headless Chromium, in English and in French (the demo's language
choice, which is also the locale of its LMS's launches): the built-in dev LMS and WIMS emulator started by
the demo page; the teacher links a class and chooses a sheet, the student lands in WIMS, works, "Sync now",
and the grade shows in the demo gradebook; then the real-WIMS form (refused, then the real WIMS 4.29a).

Every step is a screenshot: test-artifacts/browser/demo/<lang>/NN-step.png, or the directory named by
DEMO_SCREENSHOTS_DIR (scripts/demo-screenshots refreshes docs/screenshots/demo/ that way)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import ARTIFACTS
from tests.fixtures.wims_servers import WimsTarget
from wims_lti.demo.runtime import (
    ACTIVITY_TITLE,
    REAL_SERVER_NAME,
    SHEET_TITLE,
    demo_world_current,
    demo_world_stop,
)
from wims_lti.lti.devplatform.course_page import FRAME_NAME
from wims_lti.models import ResourceLink

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(420)]

WAIT = 30
# What each language's pages say at a few steps (the rest is checked through ids and the database).
SAYS = {
    "en": {
        "try_it": "Try it",
        "linked": "linked to WIMS class",
        "added": f"Sheet “{SHEET_TITLE}” (no. 1) added",
        "tab": "Sheets and exams",
        "first_student": "First open the activity as the student",
        "worked": "The student worked",
        "synced": "Sync done",
        "no_grade": "No grade yet.",
        "dashboard": "WIMS for this course",
        "refused": "connection refused",
        "real": "connected to the real WIMS server",
    },
    "fr": {
        "try_it": "Essayer",
        "linked": "lié à la classe WIMS",
        "added": f"Feuille « {SHEET_TITLE} » (n° 1) ajoutée",
        "tab": "Feuilles et examens",
        "first_student": "Ouvrez d’abord l’activité en tant qu’étudiant",  # noqa: RUF001 (French typography)
        "worked": "L’étudiant a travaillé",  # noqa: RUF001 (French typography)
        "synced": "Synchronisation faite",
        "no_grade": "Pas encore de note.",
        "dashboard": "WIMS pour ce cours",
        "refused": "connexion refusée",
        "real": "relié au vrai serveur WIMS",
    },
}


def _text(driver: Any) -> str:
    return str(driver.execute_script("return document.body ? document.body.innerText : ''"))


def _path(driver: Any) -> str:
    return str(driver.execute_script("return location.pathname"))


@pytest.fixture
def demo_url(live_server: Any, settings: Any) -> Iterator[str]:
    settings.DEMO_MODE = True
    # The LMS (dev platform) listens on 127.0.0.1: the tool on the same host keeps them one site.
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    url = live_server.url.replace("localhost", "127.0.0.1")
    try:
        yield url
    finally:
        demo_world_stop()


Shot = Callable[[str], Path]


def _shots(browser: Any, lang: str) -> Shot:
    """Saves the whole page (beyond the window, through the DevTools protocol) as NN-name.png."""
    root = Path(os.environ.get("DEMO_SCREENSHOTS_DIR") or ARTIFACTS / "demo") / lang
    root.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> Path:
        browser.switch_to.default_content()
        size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": max(size["height"], 600), "scale": 1}
        shot = browser.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path = root / f"{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    return save


def _click(driver: Any, element_id: str) -> None:
    driver.switch_to.default_content()
    driver.find_element(By.ID, element_id).click()


def _into_tool(driver: Any, ready: Any) -> None:
    WebDriverWait(driver, WAIT).until(ec.frame_to_be_available_and_switch_to_it(FRAME_NAME))
    WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(ready)


def _message(driver: Any, level: str, text: str) -> None:
    """Waits for a flash message (read by script: the page may be replaced while it is read)."""
    script = f"return [...document.querySelectorAll('.message-{level}')].map(e => e.innerText).join('\\n')"
    WebDriverWait(driver, WAIT).until(lambda d: text in str(d.execute_script(script)))


def _open_demo_in(driver: Any, demo_url: str, lang: str, shot: Shot) -> None:
    driver.get(demo_url + "/")
    shot("00-front-page")
    driver.find_element(By.ID, "try-it").click()
    WebDriverWait(driver, WAIT).until(lambda d: _path(d) == "/demo/")
    _click(driver, f"demo-language-{lang}")
    WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: (
            d_lang(d) == lang
            and d.find_element(By.ID, f"demo-language-{lang}").get_attribute("aria-pressed") == "true"
        )
    )


def _link_class_and_choose_the_sheet(
    driver: Any, demo_url: str, lang: str, shot: Shot, n: int, *, class_wait: float = 90
) -> None:
    """Steps 1-3: the teacher links a new WIMS class, a sheet is added, the teacher chooses it.
    `class_wait`: how long creating the class may take (a shared real WIMS queues `addclass`)."""
    says = SAYS[lang]
    _click(driver, "demo-teacher")
    _into_tool(driver, lambda d: "/course/" in _path(d))
    assert d_lang(driver) == lang  # the LMS's locale reached the teacher pages
    shot(f"{n:02d}-teacher-links-the-course")
    _into_tool(driver, lambda d: True)  # a screenshot is taken of the whole LMS page, out of the frame
    name = driver.find_element(By.ID, "id_create_description")
    name.clear()
    name.send_keys("Demo class", Keys.ENTER)
    WebDriverWait(driver, class_wait).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "form[action$='/wims/']"))
    )
    assert says["dashboard"] in _text(driver)
    shot(f"{n + 1:02d}-class-linked")

    driver.get(demo_url + "/demo/")
    assert says["linked"] in _text(driver)
    _click(driver, "demo-sheet")
    _message(driver, "success", says["added"])
    shot(f"{n + 2:02d}-sheet-added")

    _click(driver, "demo-teacher-again")
    _into_tool(driver, lambda d: says["tab"] in _text(d))
    driver.find_element(By.LINK_TEXT, says["tab"]).click()
    WebDriverWait(driver, WAIT).until(lambda d: SHEET_TITLE in _text(d))
    shot(f"{n + 3:02d}-sheets-and-exams")
    _into_tool(driver, lambda d: True)
    driver.find_element(By.CSS_SELECTOR, f"button[aria-label*='{SHEET_TITLE}']").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "tr.current")))
    shot(f"{n + 4:02d}-sheet-chosen-for-the-activity")


def d_lang(driver: Any) -> str:
    return str(driver.find_element(By.TAG_NAME, "html").get_attribute("lang"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_try_it_from_linking_to_the_gradebook(browser: Any, demo_url: str, lang: str) -> None:
    driver, says, shot = browser, SAYS[lang], _shots(browser, lang)
    _open_demo_in(driver, demo_url, lang, shot)
    page = _text(driver)
    assert says["try_it"] in page and says["no_grade"] in page and ACTIVITY_TITLE in page
    shot("01-try-it")
    world = demo_world_current()
    assert world is not None and world.emulator is not None

    _link_class_and_choose_the_sheet(driver, demo_url, lang, shot, 2)
    course = world.db_course()
    assert course is not None and course.is_linked
    link = ResourceLink.objects.get(course=course, resource_link_id=str(world.link.id))
    assert (link.kind, link.number) == ("sheet", 1)

    # Working before the student ever launched: told what to do first.
    driver.get(demo_url + "/demo/")
    _click(driver, "demo-work")
    _message(driver, "error", says["first_student"])
    shot("07-told-what-to-do-first")

    # The student opens the activity: straight onto the sheet in WIMS (the emulator).
    _click(driver, "demo-student")
    _into_tool(driver, lambda d: "sh=1" in str(d.execute_script("return location.href")))
    shot("08-student-in-wims")
    # The emulator's exercise link: not a dead end, it says what to do, with a way back.
    _into_tool(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "a[href*='cmd=new']")))
    driver.find_element(By.CSS_SELECTOR, "a[href*='cmd=new']").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".emulator_note")))
    shot("09-emulator-exercise-says-what-to-do")
    _into_tool(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "a[target='_top']")))
    driver.find_element(By.CSS_SELECTOR, "a[target='_top']").click()
    driver.switch_to.default_content()
    WebDriverWait(driver, WAIT).until(lambda d: _path(d) == "/demo/")

    # The student works, then "Sync now": the grade arrives in the LMS gradebook.
    _click(driver, "demo-work")
    _message(driver, "success", says["worked"])
    shot("10-student-worked")
    _click(driver, "demo-sync")
    _message(driver, "success", says["synced"])
    table = driver.find_element(By.ID, "demo-gradebook")
    assert ACTIVITY_TITLE in table.text and world.student.given_name in table.text
    grade = driver.find_element(By.CSS_SELECTOR, "#demo-gradebook td.grade").text
    assert float(grade.replace(",", ".")) == pytest.approx(8.0)  # 8,0 in French
    when = driver.find_element(By.CSS_SELECTOR, "#demo-gradebook td.time").text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", when)  # a date for humans, not raw ISO
    shot("11-synced-grade-in-the-gradebook")
    driver.get(demo_url + "/demo/gradebook/")
    assert ACTIVITY_TITLE in driver.find_element(By.ID, "demo-gradebook").text
    shot("12-gradebook-page")
    entries = [
        world.platform.gradebook.get(item.id, world.student.sub)
        for item in world.platform.line_items.values()
    ]
    assert any(e is not None and e.grade == pytest.approx(8.0) for e in entries)

    # A real WIMS that refuses: the form keeps what was typed and says what to fix.
    driver.get(demo_url + "/demo/")
    form = driver.find_element(By.ID, "demo-wims-form")
    form.find_element(By.NAME, "url").send_keys("http://127.0.0.1:9/wims/wims.cgi")
    form.find_element(By.NAME, "ident").send_keys("lti")
    form.find_element(By.NAME, "passwd").send_keys("secret1")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: len(d.find_elements(By.ID, "demo-wims-error")))
    error = driver.find_element(By.ID, "demo-wims-error").text
    assert says["refused"] in error and "Errno" not in error and "HTTPConnectionPool" not in error
    form = driver.find_element(By.ID, "demo-wims-form")
    assert form.find_element(By.NAME, "url").get_attribute("value") == "http://127.0.0.1:9/wims/wims.cgi"
    assert form.find_element(By.NAME, "ident").get_attribute("value") == "lti"
    driver.execute_script("document.getElementById('demo-wims-form').scrollIntoView()")
    shot("13-real-wims-refused-form-kept")
    assert demo_world_current() is world  # the demo still runs on its emulator


@pytest.mark.real_wims
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_try_it_on_the_real_wims(browser: Any, demo_url: str, lang: str, real_wims: WimsTarget) -> None:
    """The same demo on the real WIMS 4.29a: no "emulator" left on the page; the student lands in the
    real WIMS on the sheet the demo added there."""
    driver, says, shot = browser, SAYS[lang], _shots(browser, lang)
    _open_demo_in(driver, demo_url, lang, lambda name: Path(name))
    form = driver.find_element(By.ID, "demo-wims-form")
    form.find_element(By.NAME, "url").send_keys(real_wims.url)
    form.find_element(By.NAME, "ident").send_keys(real_wims.ident)
    form.find_element(By.NAME, "passwd").send_keys(real_wims.passwd)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: says["real"] in _text(d))
    world = demo_world_current()
    assert world is not None and world.emulator is None and world.wims_server.name == REAL_SERVER_NAME
    intro = driver.find_element(By.ID, "demo-intro").text
    assert "emul" not in intro.lower() and real_wims.url in intro
    assert not driver.find_elements(By.ID, "demo-work")  # the student works in WIMS itself
    shot("20-real-wims")

    # addclass waits on the real WIMS's class-index lock (up to the client's 150 s slow read), and the
    # browser waits for the page behind the submitted form that long.
    driver.set_page_load_timeout(200)
    _link_class_and_choose_the_sheet(driver, demo_url, lang, shot, 21, class_wait=200)
    driver.get(demo_url + "/demo/")
    _click(driver, "demo-student")
    _into_tool(driver, lambda d: "wims.cgi" in str(d.execute_script("return location.href")))
    WebDriverWait(driver, WAIT).until(lambda d: SHEET_TITLE in _text(d))
    shot("26-student-in-the-real-wims")
