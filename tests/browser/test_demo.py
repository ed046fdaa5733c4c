"""Demo mode ("Try it") end to end in headless Chromium: the built-in dev LMS and WIMS emulator started by
the demo page; the teacher links a class and binds a sheet, the student lands in WIMS, works, "Sync now",
and the grade shows in the demo gradebook. Screenshots in test-artifacts/browser/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from wims_lti.demo.runtime import demo_world_current, demo_world_stop
from wims_lti.lti.devplatform.course_page import FRAME_NAME
from wims_lti.models import ResourceLink

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]

WAIT = 30


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


def _click(driver: Any, element_id: str) -> None:
    driver.switch_to.default_content()
    driver.find_element(By.ID, element_id).click()


def _into_tool(driver: Any, ready: Any) -> None:
    WebDriverWait(driver, WAIT).until(ec.frame_to_be_available_and_switch_to_it(FRAME_NAME))
    WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(ready)


def test_try_it_from_linking_to_the_gradebook(browser: Any, demo_url: str, screenshot: Any) -> None:
    driver = browser
    driver.get(demo_url + "/")  # "/" leads to "Try it"
    WebDriverWait(driver, WAIT).until(lambda d: _path(d) == "/demo/")
    assert "Demo: Algebra" in _text(driver) and "No grade yet." in _text(driver)
    screenshot("1-try-it")
    world = demo_world_current()
    assert world is not None

    # 1. The teacher opens the course in the LMS: the tool's linking page in the LMS's iframe.
    _click(driver, "demo-teacher")
    _into_tool(driver, lambda d: "/course/" in _path(d))
    name = driver.find_element(By.ID, "id_create_description")
    name.clear()
    name.send_keys("Demo class", Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: "Open WIMS as supervisor" in _text(d))
    driver.switch_to.default_content()
    screenshot("2-class-linked")
    course = world.db_course()
    assert course is not None and course.is_linked

    # 2. A sample sheet in the WIMS class (what the teacher would do in WIMS).
    driver.get(demo_url + "/demo/")
    assert "linked to WIMS class" in _text(driver)
    _click(driver, "demo-sheet")
    WebDriverWait(driver, WAIT).until(lambda d: "Sheet 1 added" in _text(d))

    # 3. The teacher binds "Sheet 1" to it on the Activities page.
    _click(driver, "demo-teacher")
    _into_tool(driver, lambda d: "Sheets and exams" in _text(d))
    driver.find_element(By.LINK_TEXT, "Sheets and exams").click()
    WebDriverWait(driver, WAIT).until(lambda d: "Demo sheet 1" in _text(d))
    driver.find_element(By.CSS_SELECTOR, "button[aria-label*='Demo sheet 1']").click()
    WebDriverWait(driver, WAIT).until(lambda d: "Opened by this link" in _text(d))
    driver.switch_to.default_content()
    screenshot("3-sheet-bound")
    link = ResourceLink.objects.get(course=course, resource_link_id=str(world.link.id))
    assert (link.kind, link.number) == ("sheet", 1)

    # 4. Working before the student ever launched: told what to do first.
    driver.get(demo_url + "/demo/")
    _click(driver, "demo-work")
    WebDriverWait(driver, WAIT).until(lambda d: "First open the course as the student" in _text(d))

    # 5. The student opens the activity: straight onto the sheet in WIMS.
    _click(driver, "demo-student")
    _into_tool(driver, lambda d: "sh=1" in str(d.execute_script("return location.href")))
    driver.switch_to.default_content()
    screenshot("4-student-in-wims")

    # 6. The student works, then "Sync now": the grade arrives in the LMS gradebook.
    driver.get(demo_url + "/demo/")
    _click(driver, "demo-work")
    WebDriverWait(driver, WAIT).until(lambda d: "The student worked" in _text(d))
    _click(driver, "demo-sync")
    WebDriverWait(driver, WAIT).until(lambda d: "Sync done" in _text(d))
    table = driver.find_element(By.ID, "demo-gradebook")
    assert "Sheet 1" in table.text and world.student.given_name in table.text
    grade = driver.find_element(By.CSS_SELECTOR, "#demo-gradebook td.grade").text
    assert float(grade) == pytest.approx(8.0)
    screenshot("5-gradebook")
    driver.get(demo_url + "/demo/gradebook/")
    assert "Sheet 1" in driver.find_element(By.ID, "demo-gradebook").text
    # The same entry, seen from the dev platform itself.
    entries = [
        world.platform.gradebook.get(item.id, world.student.sub)
        for item in world.platform.line_items.values()
    ]
    assert any(e is not None and e.grade == pytest.approx(8.0) for e in entries)
