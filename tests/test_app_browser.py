"""The classroom app in a real headless Chromium: load, step, inject a what-if, see the page change,
open a second session, pick another scenario.

Starts ``python run.py app --port 0`` as a user would, reads the address it prints, and drives the page
with Playwright using Debian's chromium (no browser is downloaded). The machine has no internet during
the test runs in CI, so a page that needed a CDN would stay blank and fail here. Skipped only when
chromium or Playwright is missing. The screenshot is saved under results/screenshots/.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "results" / "screenshots"


def _wait_for_server(proc, log: Path, timeout: float = 90.0) -> str:
    """The address the app prints, once the server answers there."""
    end = time.time() + timeout
    url = None
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the app stopped (exit {proc.returncode}):\n{log.read_text()}")
        if url is None:
            m = re.search(r"open (http://127\.0\.0\.1:\d+/)", log.read_text())
            url = m.group(1) if m else None
        if url is not None:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        return url
            except OSError:
                pass
        time.sleep(0.5)
    raise AssertionError(f"the app did not answer within {timeout}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    pytest.importorskip("solara")
    log = tmp_path_factory.mktemp("app") / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "app", "--port", "0"], cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        yield _wait_for_server(proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, -signal.SIGTERM), log.read_text()


def _img_src(page, css: str) -> str:
    return page.locator(f"{css} img").first.get_attribute("src") or ""


def _wait_change(page, css: str, old: str, timeout: float = 30.0) -> str:
    end = time.time() + timeout
    while time.time() < end:
        new = _img_src(page, css)
        if new and new != old:
            return new
        page.wait_for_timeout(200)
    raise AssertionError(f"{css} did not change within {timeout}s")


def test_page_loads_steps_and_takes_a_what_if(app_url, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/test.sh installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(  # a fresh profile in tmp_path
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True,
            viewport={"width": 1500, "height": 1300})
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on("request", lambda r: outside.append(r.url)
                    if r.url.startswith("http") and not r.url.startswith(app_url) else None)
            page.goto(app_url)
            # the plots: the map and the chart are images drawn by the server
            page.wait_for_selector(".gg-map img[src]", timeout=90_000)
            page.wait_for_selector(".gg-chart img[src]", timeout=30_000)
            assert page.locator(".gg-month").inner_text().strip() == "start"
            map0, chart0 = _img_src(page, ".gg-map"), _img_src(page, ".gg-chart")
            events0 = page.locator(".gg-event-row").count()

            page.get_by_role("button", name="Step").click()
            page.wait_for_function("document.querySelector('.gg-month').innerText.trim() == '1999-01'",
                                   timeout=30_000)
            map1 = _wait_change(page, ".gg-map", map0)
            chart1 = _wait_change(page, ".gg-chart", chart0)

            # a what-if with a bad value gets a message, and the page keeps working
            size = page.locator(".gg-whatif-size input")
            size.fill("lots")
            page.locator(".gg-inject").click()
            page.wait_for_selector(".gg-whatif-error", timeout=15_000)
            assert "magnitude: expected a number, got 'lots'" in page.locator(".gg-whatif-error").inner_text()

            # the default what-if: a color revolution in Uzbekistan, blamed on the United States
            size.fill("2.5")
            page.locator(".gg-inject").click()
            page.wait_for_function(
                "[...document.querySelectorAll('.gg-whatif-message')].some(e => e.innerText.includes('color revolution'))",
                timeout=15_000)
            page.wait_for_function(f"document.querySelectorAll('.gg-event-row').length > {events0}",
                                   timeout=15_000)
            log = page.locator(".gg-events").inner_text()
            assert "what-if" in log and "color revolution in Uzbekistan" in log
            chart2 = _wait_change(page, ".gg-chart", chart1)  # the what-if is marked on the chart

            for _ in range(3):
                page.get_by_role("button", name="Step").click()
                page.wait_for_timeout(400)
            page.wait_for_function("document.querySelector('.gg-month').innerText.trim() == '1999-04'",
                                   timeout=30_000)
            _wait_change(page, ".gg-map", map1)
            _wait_change(page, ".gg-chart", chart2)
            page.wait_for_function("document.querySelector('.gg-why-sentence').innerText.startsWith('1999-04')",
                                   timeout=30_000)
            why = page.locator(".gg-why-sentence").inner_text()
            assert why.startswith("1999-04: Uzbekistan's alignment with the United States")
            assert "blame for the what-if revolution #1 (1999-02)" in why
            page.wait_for_timeout(500)
            shot = SCREENSHOTS / "app.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000

            # a second student opening the app gets a run of their own, at the start
            other = browser.new_page()
            other.goto(app_url)
            other.wait_for_selector(".gg-map img[src]", timeout=60_000)
            assert other.locator(".gg-month").inner_text().strip() == "start"
            assert "what-if" not in other.locator(".gg-events").inner_text()
            assert page.locator(".gg-month").inner_text().strip() == "1999-04"

            # the scenario picker and a bad seed: Reset loads the scenario and explains what it did with the seed
            page.locator(".v-select", has_text="Scenario (applies on Reset)").locator(".v-select__selections").click()
            page.get_by_role("option", name="counterfactuals/no_sept11.yaml").click()
            page.get_by_label("Seed (a whole number; applies on Reset)").fill("x7")
            page.keyboard.press("Enter")
            page.get_by_role("button", name="Reset", exact=True).click()
            page.wait_for_function("document.querySelector('.gg-month-panel').innerText.includes('no 9/11') && "
                                   "document.querySelector('.gg-month-panel').innerText.includes('x7')",
                                   timeout=30_000)
            panel = page.locator(".gg-month-panel").inner_text()
            assert "seed: expected a whole number of 0 or more, got 'x7'; using 0" in panel
            assert page.locator(".gg-month").inner_text().strip() == "start"
        except BaseException:
            for n, pg in enumerate(browser.pages):  # what the page showed when it failed, for the CI log
                pg.screenshot(path=str(SCREENSHOTS / f"app-failure-{n}.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert outside == [], f"the page asked for files outside the app: {outside[:5]}"
