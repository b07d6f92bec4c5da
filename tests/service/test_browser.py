"""The web interview in a real browser: headless Chromium driven by Selenium against ``ddx serve`` on a free port.

Skipped only when Chromium is not installed (``.ci/run`` installs it). With
``DDX_SCREENSHOTS=docs/img`` the steps are saved as the pictures of docs/web.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="Chromium and chromedriver are not installed")

from helpers import serve_in_thread  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

import ddx  # noqa: E402
from ddx.knowledge.interview_settings import load_settings  # noqa: E402
from ddx.service.app import create_app  # noqa: E402

SCIATICA = {"radiates_from_lower_back_down_leg": True, "back_pain": True, "one_leg_only": True, "leg_pain": True}
WAIT = 20


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    yield from serve_in_thread(create_app(ddx.load()))


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    os.environ.setdefault("SE_OFFLINE", "true")  # never download a driver: use the system's
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def shoot(tmp_path: Path) -> Callable[[WebDriver, str], None]:
    keep = os.environ.get("DDX_SCREENSHOTS")
    folder = Path(keep or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def save(driver: WebDriver, name: str) -> None:
        path = folder / f"web-{name}.png"
        driver.save_screenshot(str(path))
        if keep:  # pictures for the docs: 64 colours are plenty for a page of text, at a third of the size
            from PIL import Image

            with Image.open(path) as picture:
                small = picture.convert("RGB").quantize(64)
            small.save(path, optimize=True)

    return save


def _wait(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    return WebDriverWait(driver, WAIT).until(condition)


def _shown(driver: WebDriver) -> int:
    return int(driver.execute_script("return Number(document.body.dataset.shown || 0)"))


def _act(driver: WebDriver, action: Callable[[], None]) -> None:
    """Do something that calls the service, and wait until the page has shown its answer."""
    before = _shown(driver)
    action()
    _wait(driver, lambda d: _shown(d) > before)


def _visible(driver: WebDriver, element_id: str) -> bool:
    return bool(driver.find_element(By.ID, element_id).is_displayed())


def _start(driver: WebDriver, server: str, age: str = "", sex: str = "") -> None:
    driver.get(server + "/")
    _wait(driver, lambda d: d.execute_script("return document.activeElement.id") == "start-title")
    driver.execute_script("document.body.classList.remove('clinician')")
    if age:
        driver.find_element(By.ID, "age").send_keys(age)
    if sex:
        driver.find_element(By.CSS_SELECTOR, f"input[name=sex][value={sex}]").click()


def _submit_start(driver: WebDriver) -> None:
    _act(driver, lambda: driver.find_element(By.ID, "age").send_keys(Keys.ENTER))  # the form sent by the keyboard


def _question(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "q-text").get_attribute("data-question"))


def _answer_by_keyboard(driver: WebDriver, value: bool | None) -> None:
    """Tab from the focused question to the answer's button and press Enter: no mouse."""
    wanted = {True: "yes", False: "no", None: "unknown"}[value]
    assert driver.execute_script("return document.activeElement.id") == "q-text"  # focus moved to the question
    for _ in range(6):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.switch_to.active_element.get_attribute("data-answer") == wanted:
            break
    else:
        raise AssertionError(f"the {wanted} button cannot be reached with Tab")
    _act(driver, lambda: driver.switch_to.active_element.send_keys(Keys.ENTER))


def _answer_checklist(driver: WebDriver, person: dict[str, Any]) -> None:
    boxes = driver.find_elements(By.CSS_SELECTOR, "#q-options input[type=checkbox]")
    ticked = [box for box in boxes if person.get(str(box.get_attribute("value")))]
    for box in ticked:
        box.send_keys(Keys.SPACE)
    if ticked or all(person.get(str(b.get_attribute("value"))) is False for b in boxes):
        _act(driver, lambda: driver.find_element(By.ID, "q-continue").click())
    else:
        _act(driver, lambda: driver.find_element(By.ID, "q-unknown").click())


def _run(driver: WebDriver, person: dict[str, Any], shots: Callable[[str], None] | None = None) -> int:
    """Answer every question from ``person`` (absent: don't know) until the page stops asking; the questions."""
    count = 0
    while _visible(driver, "ask") and not _visible(driver, "emergency"):
        assert count < 30, "the interview never stopped"
        count += 1
        if _visible(driver, "q-checklist"):
            if shots and count == 2:
                shots("2-checklist")
            _answer_checklist(driver, person)
        else:
            if shots and count == 4:
                shots("3-question")
            _answer_by_keyboard(driver, person.get(_question(driver)))
    return count


def test_a_sciatica_walk_through_reaches_its_result(browser: WebDriver, server: str, shoot: Any) -> None:
    _start(browser, server, "45", "male")
    shoot(browser, "1-start")
    _submit_start(browser)
    assert _question(browser) == "emergency_screen"
    assert _visible(browser, "running")  # the running summary is beside the questions
    person = {**SCIATICA, "saddle_numbness": False, "new_difficulty_passing_urine": False}
    _run(browser, person, lambda name: shoot(browser, name))
    assert _visible(browser, "final")
    causes = browser.find_elements(By.CSS_SELECTOR, "#final-causes li")
    assert causes and causes[0].text.startswith("Sciatica")
    text = browser.find_element(By.ID, "final").text
    assert "decision support, not a diagnosis" in text and "MRI" in text
    assert "log-odds" not in text and ".txt" not in text and ".yaml" not in text  # words a patient reads
    assert browser.execute_script("return document.activeElement.id") == "final-title"
    shoot(browser, "4-result")
    browser.find_element(By.ID, "clinician").send_keys(Keys.SPACE)  # the clinician view: reasons and sources
    _wait(browser, lambda d: "For:" in d.find_element(By.ID, "final-reasons").text)
    assert ".txt" in browser.find_element(By.ID, "final-reasons").text
    shoot(browser, "5-clinician")
    browser.set_window_size(390, 844)  # a phone: one column, nothing wider than the screen
    width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1]
    browser.find_element(By.ID, "clinician").send_keys(Keys.SPACE)  # back to the patient's view
    browser.execute_script("window.scrollTo(0, 0)")
    shoot(browser, "8-phone")
    browser.set_window_size(1100, 900)


def test_a_red_flag_stops_the_interview_with_the_emergency_advice(browser: WebDriver, server: str, shoot: Any) -> None:
    _start(browser, server, "70")
    _submit_start(browser)
    box = browser.find_element(By.CSS_SELECTOR, "#q-options input[value=slurred_speech]")
    box.send_keys(Keys.SPACE)
    assert browser.find_element(By.ID, "q-continue").text.startswith("Continue")
    _act(browser, lambda: browser.find_element(By.ID, "q-continue").send_keys(Keys.ENTER))
    assert _visible(browser, "emergency")
    overlay = browser.find_element(By.ID, "emergency")
    script = "const v = document.documentElement; "
    script += "return [arguments[0].getBoundingClientRect(), v.clientWidth, v.clientHeight]"
    box, width, height = browser.execute_script(script, overlay)
    assert box["x"] == box["y"] == 0 and box["width"] >= width and box["height"] >= height  # it fills the screen
    assert "emergency services" in overlay.text.lower()
    assert browser.execute_script("return document.activeElement.id") == "emergency-title"
    assert browser.execute_script("return document.querySelector('main').inert")  # nothing behind it is reachable
    shoot(browser, "6-emergency")
    browser.find_element(By.ID, "emergency-summary").click()
    assert _visible(browser, "final") and "emergency" in browser.find_element(By.ID, "final-triage").text.lower()


def test_dont_know_to_everything_ends_sensibly(browser: WebDriver, server: str) -> None:
    _start(browser, server)
    _submit_start(browser)
    asked = _run(browser, {})
    assert _visible(browser, "final") and not _visible(browser, "emergency")
    assert asked == load_settings(ddx.load().kb).max_questions  # each question answered don't know, then the end
    triage = browser.find_element(By.ID, "final-triage")
    assert "self_care" not in str(triage.get_attribute("class"))  # with nothing known the advice is never self-care
    assert triage.find_element(By.TAG_NAME, "strong").text == "Book a visit with a clinician"
    assert browser.find_elements(By.CSS_SELECTOR, "#final-causes li")


def test_an_api_error_shows_a_readable_message(browser: WebDriver, server: str, shoot: Any) -> None:
    _start(browser, server, "-5")
    _submit_start(browser)  # the service refuses the age: its message is shown, not a blank page
    assert _visible(browser, "error")
    message = browser.find_element(By.ID, "error-text").text
    assert message.startswith("The service could not use these answers:") and "age" in message
    browser.find_element(By.ID, "age").clear()
    _submit_start(browser)
    assert not _visible(browser, "error") and _question(browser) == "emergency_screen"
    browser.execute_script("window._fetch = window.fetch; window.fetch = () => Promise.reject(new TypeError('down'))")
    _act(browser, lambda: browser.find_element(By.ID, "q-unknown").click())  # the service cannot be reached
    assert "Could not reach the ddx service" in browser.find_element(By.ID, "error-text").text
    assert browser.execute_script("return document.activeElement.id") == "retry"
    shoot(browser, "7-error")
    browser.execute_script("window.fetch = window._fetch")
    _act(browser, lambda: browser.find_element(By.ID, "retry").send_keys(Keys.ENTER))
    assert not _visible(browser, "error") and _visible(browser, "ask")
    assert _question(browser) != "emergency_screen"


def test_a_chart_link_starts_the_interview_with_the_charts_answers(browser: WebDriver, server: str) -> None:
    from ddx.fhir.read import BundleEvidence
    from ddx.service.cards import interview_link

    chart = BundleEvidence(answers=SCIATICA, age=45.0, sex="male", patient="Patient/p1")
    browser.get("about:blank")  # a new page: the fragment is read when the page loads
    browser.get(interview_link(server, chart))
    _wait(browser, lambda d: d.find_element(By.ID, "chart-note").is_displayed())
    assert browser.find_element(By.ID, "chart-note").text.startswith("4 answers from the chart will be used")
    assert browser.find_element(By.ID, "age").get_attribute("value") == "45"
    assert browser.find_element(By.CSS_SELECTOR, "input[name=sex][value=male]").is_selected()
    assert "clinician" in str(browser.find_element(By.TAG_NAME, "body").get_attribute("class"))
    _submit_start(browser)
    asked = []
    person = {**SCIATICA, "saddle_numbness": False, "new_difficulty_passing_urine": False}
    while _visible(browser, "ask") and not _visible(browser, "emergency"):
        assert len(asked) < 30, "the interview never stopped"
        asked.append(_question(browser))
        if _visible(browser, "q-checklist"):
            options = [b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, "#q-options input")]
            assert not set(options) & set(SCIATICA), "a chart answer offered again"
            _answer_checklist(browser, person)
        else:
            _answer_by_keyboard(browser, person.get(_question(browser)))
    assert asked[0] == "emergency_screen"
    assert not set(asked) & set(SCIATICA), "a chart answer asked again"
    causes = browser.find_elements(By.CSS_SELECTOR, "#final-causes li")
    assert causes and causes[0].text.startswith("Sciatica")
    browser.get("about:blank")
