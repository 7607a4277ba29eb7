"""The classroom app in a real headless Chromium: load (no framework chrome), step, inject a what-if with a
title, step back and jump (every panel on the same month), move one slider and Reset (every other
parameter keeps its exact value), the Info tab, a second session, an outlook with its lead-in, the seed
band and the export.

Starts ``python run.py app --port 0`` as a user would, reads the address it prints, and drives the page
with Playwright using Debian's chromium (no browser is downloaded). The machine has no internet during
the test runs in CI, so a page that needed a CDN would stay blank and fail here. Skipped only when
chromium or Playwright is missing. Screenshots (1280x720) are saved under results/screenshots/.
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
        stop_server(proc)
    assert proc.returncode in (0, -signal.SIGTERM), log.read_text()


def stop_server(proc) -> None:
    """Stop a server started by a test: SIGTERM, then a kill if it has not ended within 20 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _html(page, css: str) -> str:
    return page.locator(css).first.inner_html()


def _wait_change(page, css: str, old: str, timeout: float = 30.0) -> str:
    end = time.time() + timeout
    while time.time() < end:
        new = _html(page, css)
        if new and new != old:
            return new
        page.wait_for_timeout(200)
    raise AssertionError(f"{css} did not change within {timeout}s")


def _month_is(page, month: str, timeout: int = 30_000) -> None:
    """Wait until the header, the map and the why panel all show ``month``."""
    page.wait_for_function(
        f"document.querySelector('.gg-month')?.innerText?.trim() == '{month}' && "
        f"document.querySelector('.gg-map')?.innerText?.includes('{month if month != 'start' else 'start'}')",
        timeout=timeout)


#: what Mesa's generic page showed and a teacher's page must not
CHROME = ("PAGE 0", "Page 0", "Use Threads", "Render Interval", "Information", "Time: ", "runs on Solara",
          "Play Interval", "Model Parameters")


def _param(page, name: str) -> str:
    return page.locator(f".gg-param-value[data-param='{name}']").inner_text().strip()


def test_page_loads_steps_and_takes_a_what_if(app_url, tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/test.sh installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(  # a fresh profile in tmp_path
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=FLAGS, headless=True,
            viewport={"width": 1280, "height": 720})
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.on("request", lambda r: outside.append(r.url)
                    if r.url.startswith("http") and not r.url.startswith(app_url) else None)
            page.goto(app_url)
            # the pictures: SVG drawn by the server, no image or script from elsewhere
            page.wait_for_selector(".gg-map svg", timeout=90_000)
            page.wait_for_selector(".gg-chart svg", timeout=30_000)
            assert page.locator(".gg-month").inner_text().strip() == "start"
            page.wait_for_timeout(500)
            page.screenshot(path=str(SCREENSHOTS / "app-start.png"))
            body = page.locator("body").inner_text()
            for text in CHROME:
                assert text not in body, f"framework chrome on the page: {text!r}"
            assert page.get_by_text("This website runs on").count() == 0  # the badge (its template is in the page)
            assert page.title().startswith("greatgame")
            # sliders: plain names, a one-line meaning, the exact value in use
            assert "Weight of regime survival" in body and "backs the regime" in body
            from sim.app.classroom import exact
            from sim.core.parameters import DEFAULTS

            assert _param(page, "w_regime") == exact(DEFAULTS["w_regime"])
            assert _param(page, "w_blame") == exact(DEFAULTS["w_blame"])
            map0, chart0 = _html(page, ".gg-map-month"), _html(page, ".gg-chart")
            events0 = page.locator(".gg-event-row").count()

            page.locator(".gg-step").click()
            _month_is(page, "1999-01")
            map1 = _wait_change(page, ".gg-map-month", map0)
            chart1 = _wait_change(page, ".gg-chart", chart0)

            # a what-if with a bad value gets a message, and the page keeps working
            size = page.locator(".gg-whatif-size input")
            size.fill("lots")
            page.locator(".gg-inject").click()
            page.wait_for_selector(".gg-whatif-error", timeout=15_000)
            assert "magnitude: expected a number, got 'lots'" in page.locator(".gg-whatif-error").inner_text()

            # the default what-if: a color revolution in Uzbekistan, blamed on the United States, with a title
            size.fill("2.5")
            page.locator(".gg-whatif-title input").fill("Revolution in Tashkent")
            page.locator(".gg-inject").click()
            page.wait_for_function(
                "[...document.querySelectorAll('.gg-whatif-message')].some(e => e.innerText.includes('color revolution'))",
                timeout=15_000)
            page.wait_for_function(f"document.querySelectorAll('.gg-event-row').length > {events0}",
                                   timeout=15_000)
            log = page.locator(".gg-events").inner_text()
            assert "what-if Revolution in Tashkent" in log and "color revolution in Uzbekistan" in log

            for month in ("1999-02", "1999-03", "1999-04"):
                page.locator(".gg-step").click()
                _month_is(page, month)
            chart2 = _wait_change(page, ".gg-chart", chart1)
            assert "stroke-dasharray" in chart2  # the what-if is marked on the chart
            _wait_change(page, ".gg-map-month", map1)
            page.wait_for_function("document.querySelector('.gg-why-sentence')?.innerText?.startsWith('1999-04')",
                                   timeout=30_000)
            why = page.locator(".gg-why-sentence").inner_text()
            assert why.startswith("1999-04: Uzbekistan's alignment with the United States")
            assert "for Revolution in Tashkent (1999-02)" in why
            assert "The Tashkent bombings" in page.locator(".gg-events").inner_text()  # events by their titles

            # play, then pause: the header, the map and the why panel stop on the same month
            page.locator(".gg-play").click()
            page.wait_for_function("document.querySelector('.gg-month')?.innerText?.trim() >= '1999-07'",
                                   timeout=60_000)
            page.locator(".gg-play").click()
            page.wait_for_timeout(1500)
            shown = page.locator(".gg-month").inner_text().strip()
            assert shown >= "1999-07"
            assert f"Leading alignment, {shown}" in page.locator(".gg-map").inner_text()
            assert page.locator(".gg-why-sentence").inner_text().startswith(shown)
            page.locator(".gg-jump input").fill("1999-04")
            page.locator(".gg-go").click()
            _month_is(page, "1999-04")

            # step back and jump: every panel shows the month asked for
            page.locator(".gg-back").click()
            _month_is(page, "1999-03")
            page.wait_for_function("document.querySelector('.gg-why-sentence')?.innerText?.startsWith('1999-03')",
                                   timeout=30_000)
            assert f"(simulated to {shown}" in page.locator(".gg-month-panel").inner_text()
            page.locator(".gg-jump input").fill("2005-06")
            page.locator(".gg-go").click()
            _month_is(page, "2005-06", timeout=60_000)
            page.wait_for_function("document.querySelector('.gg-why-sentence')?.innerText?.startsWith('2005-06')",
                                   timeout=30_000)
            page.wait_for_function("document.querySelector('.gg-events')?.innerText?.includes('The Andijan unrest')",
                                   timeout=30_000)
            page.locator(".gg-month").scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            page.screenshot(path=str(SCREENSHOTS / "app.png"))
            page.screenshot(path=str(SCREENSHOTS / "app-full.png"), full_page=True)
            page.locator(".gg-jump input").fill("1999-02")
            page.locator(".gg-go").click()
            _month_is(page, "1999-02")
            page.wait_for_function("!document.querySelector('.gg-events')?.innerText?.includes('Andijan')",
                                   timeout=30_000)

            # a slider moved, then Reset: that parameter changes, every other keeps its exact value
            before = {n: _param(page, n) for n in ("w_security", "w_regime", "w_conditions", "w_blame",
                                                    "alignment_rate", "contagion", "blame_decay")}
            slider = page.locator(".gg-param", has=page.locator("[data-param='w_blame']")).locator(".v-slider")
            slider.scroll_into_view_if_needed()
            box = slider.bounding_box()
            page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
            page.wait_for_selector(".gg-param-new", timeout=15_000)
            page.locator(".gg-reset").click()
            _month_is(page, "start")
            page.wait_for_function("document.querySelector(\".gg-param-value[data-param='w_blame']\")?.innerText"
                                   f" != '{before['w_blame']}'", timeout=30_000)
            after = {n: _param(page, n) for n in before}
            assert after["w_blame"] != before["w_blame"] and 1.0 < float(after["w_blame"]) < 3.0
            assert {n: v for n, v in after.items() if n != "w_blame"} == \
                   {n: v for n, v in before.items() if n != "w_blame"}

            # the Info tab: the guide's four sections
            page.get_by_role("tab", name="Info").click()
            page.wait_for_selector(".gg-info", timeout=15_000)
            info = page.locator(".gg-info").inner_text()
            for heading in ("WHAT IS IT?", "HOW IT WORKS", "THINGS TO NOTICE", "THINGS TO TRY"):
                assert heading in info
            page.screenshot(path=str(SCREENSHOTS / "app-info.png"))
            page.get_by_role("tab", name="The run").click()
            page.wait_for_selector(".gg-map svg", timeout=15_000)

            # a second student opening the app gets a run of their own, at the start
            other = browser.new_page()
            other.goto(app_url)
            other.wait_for_selector(".gg-map svg", timeout=60_000)
            assert other.locator(".gg-month").inner_text().strip() == "start"
            assert "what-if" not in other.locator(".gg-events").inner_text()
            other.close()

            # the scenario picker and a bad seed: Reset loads the scenario and explains what it did with the seed
            page.locator(".gg-scenario .v-select__selections").click()
            page.get_by_role("option", name="outlook_baseline.yaml").click()
            page.locator(".gg-seed input").fill("x7")
            page.locator(".gg-reset").click()
            page.wait_for_function("document.querySelector('.gg-month-panel')?.innerText?.includes('Outlook') && "
                                   "document.querySelector('.gg-notice')?.innerText?.includes('x7')",
                                   timeout=60_000)
            panel = page.locator(".gg-month-panel").inner_text() + page.locator(".gg-notice").inner_text()
            assert "seed: expected a whole number of 0 or more, got 'x7'; using 0" in panel
            assert page.locator(".gg-month").inner_text().strip() == "start"
            assert "grey: the run it continues" in _html(page, ".gg-chart")  # the 1999-2008 lead-in
            for _ in range(3):
                page.locator(".gg-step").click()
                page.wait_for_timeout(200)
            _month_is(page, "2009-03")
            page.get_by_role("tab", name="Several seeds").click()
            slider = page.locator(".gg-band-slider .v-slider")
            slider.wait_for(state="visible", timeout=15_000)
            for attempt in range(3):  # a click while the tab still slides in can miss the slider
                page.wait_for_timeout(500)
                band = slider.bounding_box()
                page.mouse.click(band["x"] + band["width"] * 0.2, band["y"] + band["height"] / 2)  # ~10 seeds
                try:
                    page.wait_for_function("[...document.querySelectorAll('.gg-chart')].some(e => "
                                           "e.innerHTML.includes('gg-band'))", timeout=30_000)
                    break
                except sync_api.TimeoutError:
                    if attempt == 2:
                        raise
            page.wait_for_timeout(500)
            page.screenshot(path=str(SCREENSHOTS / "app-seeds.png"))
            page.get_by_role("tab", name="Export").click()
            with page.expect_download(timeout=60_000) as dl:
                page.get_by_role("button", name="Download the run (zip)").click()
            assert dl.value.suggested_filename == "outlook_baseline-seed0.zip"
        except BaseException:
            for n, pg in enumerate(browser.pages):  # what the page showed when it failed, for the CI log
                pg.screenshot(path=str(SCREENSHOTS / f"app-failure-{n}.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert outside == [], f"the page asked for files outside the app: {outside[:5]}"
