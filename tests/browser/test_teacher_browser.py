"""The teacher's UI in a real browser, inside the LMS's iframe on another site (headless Chromium).

The LMS page (dev platform, http://127.0.0.1:P) frames the tool (https://localhost:Q via a TLS proxy):
an instructor creates the course's WIMS class, binds the link to a sheet, adds two sheets by Deep
Linking; the LMS receives a valid signed response with line items; a student lands on the bound sheet.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.fixtures.lti_env import LtiEnv
from tests.teacher.helpers import add_sheets
from wims_lti.lti.devplatform import DEEP_LINKING_REQUEST
from wims_lti.lti.devplatform.course_page import FRAME_NAME
from wims_lti.models import Course, ResourceLink

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

WAIT = 30


def _body_text(driver: Any) -> str:
    return str(driver.execute_script("return document.body ? document.body.innerText : ''"))


def _tool_ready(driver: Any) -> bool:
    """The frame shows a tool page, WIMS, an error page, or pylti1p3's "open in a new window" link."""
    path = str(driver.execute_script("return location.pathname"))
    if path.startswith(("/teacher/", "/wims/")):
        return True
    links = driver.find_elements(By.ID, "lti1p3-new-tab-link")
    if links and links[0].is_displayed():
        return True
    loaded = driver.execute_script("return document.readyState") == "complete"
    return path.startswith("/lti/") and loaded and "error" in _body_text(driver).lower()


def open_in_lms(driver: Any, env: LtiEnv, initiation: Any, title: str) -> str:
    """Open the LMS course page framing the launch; end inside the tool's frame. Returns how the tool
    was reached: "iframe", or "window" when the browser blocked the tool's cookie in the frame and
    pylti1p3's cookie-check page offered to open the tool in a new window (clicked like a user would)."""
    driver.switch_to.default_content()
    driver.get(env.platform.course_page_url(initiation, title))
    WebDriverWait(driver, WAIT).until(ec.frame_to_be_available_and_switch_to_it(FRAME_NAME))
    WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(_tool_ready)
    links = driver.find_elements(By.ID, "lti1p3-new-tab-link")
    if links and links[0].is_displayed():
        before = set(driver.window_handles)
        links[0].click()
        WebDriverWait(driver, WAIT).until(lambda d: set(d.window_handles) - before)
        driver.switch_to.window((set(driver.window_handles) - before).pop())
        return "window"
    return "iframe"


def _in_tool(driver: Any, mode: str) -> None:
    """Back into the tool's frame (or window) after a step that reloaded it."""
    if mode == "iframe":
        driver.switch_to.default_content()
        driver.switch_to.frame(FRAME_NAME)


def _wait_path(driver: Any, fragment: str) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: fragment in d.execute_script("return location.pathname"))


def test_teacher_links_binds_and_deep_links_then_student_lands_on_the_sheet(
    browser: Any, tls_env: LtiEnv, screenshot: Any
) -> None:
    env = tls_env
    driver = browser

    # 1. The instructor opens the WIMS link in the course: the linking page, prefilled, in the iframe.
    mode = open_in_lms(driver, env, env.platform.start_launch(env.teacher, env.course, env.link), "Feuille 1")
    assert mode == "iframe"  # the partitioned state cookie works inside the cross-site iframe
    _wait_path(driver, "/course/")
    assert driver.find_element(By.ID, "id_create_description").get_attribute("value") == "Algèbre linéaire"
    driver.switch_to.default_content()
    screenshot("1-linking-page")
    _in_tool(driver, mode)
    # Keyboard only: focus the class name, shorten it, submit with Enter.
    name = driver.find_element(By.ID, "id_create_description")
    name.clear()
    name.send_keys("Algebre L1", Keys.ENTER)
    _wait_path(driver, "/teacher/")
    WebDriverWait(driver, WAIT).until(lambda d: "Open WIMS as supervisor" in _body_text(d))
    course = Course.objects.get()
    assert course.is_linked
    assert env.wims.emulator is not None
    assert env.wims.emulator.emulator.classes[course.qclass].props["description"] == "Algebre L1"

    # 2. Sheets prepared in WIMS (adm/raw: addsheet + putexo, activated); bind this link to sheet 2.
    add_sheets(env, "Vecteurs", "Matrices", "Espaces")
    driver.find_element(By.LINK_TEXT, "Sheets and exams").click()
    _wait_path(driver, "/activities/")
    WebDriverWait(driver, WAIT).until(lambda d: "Matrices" in _body_text(d))
    driver.switch_to.default_content()
    screenshot("2-activities")
    _in_tool(driver, mode)
    bind = driver.find_element(By.CSS_SELECTOR, "button[aria-label*='Matrices']")
    bind.click()
    WebDriverWait(driver, WAIT).until(lambda d: "Opened by this link" in _body_text(d))
    link = ResourceLink.objects.get(resource_link_id=env.link.id)
    assert (link.kind, link.number) == ("sheet", 2)

    # 3. Deep linking from the LMS's "add an activity": pick two sheets.
    initiation = env.platform.start_launch(env.teacher, env.course, None, message_type=DEEP_LINKING_REQUEST)
    mode = open_in_lms(driver, env, initiation, "Add an activity")
    _wait_path(driver, "/deep-linking/")
    # The frame's location changes before its new page is parsed: wait for the picker itself.
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "item-sheet-3"))
    for key in ("sheet-1", "sheet-3"):
        box = driver.find_element(By.ID, f"item-{key}")
        box.send_keys(Keys.SPACE)  # keyboard toggles the checkbox
        assert box.is_selected()
    driver.switch_to.default_content()
    screenshot("3-deep-linking-picker")
    _in_tool(driver, mode)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # The tool's page auto-submits the signed response to the LMS, in the same frame.
    WebDriverWait(driver, WAIT).until(lambda d: "Content added" in _body_text(d))
    driver.switch_to.default_content()
    screenshot("4-deep-linking-returned")
    result = env.platform.deep_linking_results[-1]
    assert result.accepted, result.error
    assert [item["custom"] for item in result.content_items] == [{"sheet": "1"}, {"sheet": "3"}]
    assert [li.label for li in result.line_items] == ["Vecteurs", "Espaces"]
    assert all(li.score_maximum == 10 for li in result.line_items)
    assert all(item["url"].startswith(env.tool_url + "/lti/") for item in result.content_items)

    # 4. A student opens the bound link in the LMS: straight onto sheet 2 in WIMS, inside the iframe.
    mode = open_in_lms(driver, env, env.platform.start_launch(env.student, env.course, env.link), "Feuille 1")
    assert mode == "iframe"
    href = driver.execute_script("return location.href")
    assert "module=adm%2Fsheet" in href or "module=adm/sheet" in href, href
    assert "sh=2" in href
    driver.switch_to.default_content()
    screenshot("5-student-on-sheet")
    # ...and one of the deep-linked links lands on its own sheet (bound on first sight).
    placed = result.resource_links[1]
    mode = open_in_lms(driver, env, env.platform.start_launch(env.student, env.course, placed), "Espaces")
    assert "sh=3" in driver.execute_script("return location.href")
    assert ResourceLink.objects.get(resource_link_id=placed.id).number == 3


def test_french_teacher_sees_errors_next_to_fields(browser: Any, tls_env: LtiEnv, screenshot: Any) -> None:
    env = tls_env
    driver = browser
    initiation = env.platform.start_launch(env.teacher, env.course, env.link, locale="fr-FR")
    mode = open_in_lms(driver, env, initiation, "Feuille 1")
    _wait_path(driver, "/course/")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    name = driver.find_element(By.ID, "id_create_description")
    name.clear()
    name.send_keys("!", Keys.ENTER)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "id_create_description_error"))
    name = driver.find_element(By.ID, "id_create_description")
    assert name.get_attribute("aria-invalid") == "true"
    assert "id_create_description_error" in (name.get_attribute("aria-describedby") or "")
    error = driver.find_element(By.ID, "id_create_description_error").text
    assert "au moins 2 caractères" in error
    # The focus ring is visible on the focused field.
    name.click()
    outline = driver.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    driver.switch_to.default_content()
    screenshot("fr-errors")
    assert not Course.objects.get().is_linked
    _in_tool(driver, mode)
