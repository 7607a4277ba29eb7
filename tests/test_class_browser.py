"""The role play in real headless Chromium: a teacher and three teams (each in its own browser profile,
as on its own device) play two turns; a team page is reloaded and the server restarted between turns;
the debrief's sums equal the drivers table the teacher exports, and the exported scenario replays the
session. Starts ``python run.py class`` as a teacher would. Screenshots (1280x720) go to
results/screenshots/."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from test_app_browser import CHROMIUM, FLAGS, SCREENSHOTS, stop_server

pytestmark = pytest.mark.browser


def _start(folder: Path, log: Path) -> tuple[subprocess.Popen, str, str]:
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "class", "--session", str(folder),
                                 "--port", "0"], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
    end = time.time() + 60
    while time.time() < end:
        m = re.search(r"teacher: open (http://127\.0\.0\.1:\d+/)teacher\?key=(\S+)", log.read_text())
        if m:
            return proc, m.group(1), m.group(2)
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"the class server did not start:\n{log.read_text()}")


PLAYS = {  # turn -> power -> (base, deal, rights, aid)
    1: {"RUS": (None, "TKM", "as before", {"TJK": 8}), "USA": ("UZB", None, "silent", {"UZB": 4, "KGZ": 3}),
        "CHN": (None, "KAZ", "as before", {"KAZ": 5})},
    2: {"RUS": ("KGZ", None, "as before", {"KGZ": 7}), "USA": (None, "KAZ", "press", {"KGZ": 7}),
        "CHN": (None, None, "silent", {"KGZ": 5, "TJK": 5})},
}


def _play(page, base, deal, rights, aid) -> None:
    page.select_option("#base", base or "")
    page.select_option("#deal", deal or "")
    page.select_option("#rights", rights)
    for s, n in aid.items():
        page.fill(f".aid[data-state='{s}']", str(n))
    page.click("#send")
    page.wait_for_selector("#sent", timeout=15_000)


def test_three_teams_and_a_teacher_play_two_turns(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/test.sh installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "session"
    proc, url, key = _start(folder, tmp_path / "class.log")
    try:
        with sync_api.sync_playwright() as p:
            def device(name):
                return p.chromium.launch_persistent_context(
                    str(tmp_path / name), executable_path=CHROMIUM, args=FLAGS, headless=True,
                    viewport={"width": 1280, "height": 720})

            ctx = {n: device(n) for n in ("teacher", "RUS", "USA", "CHN")}
            pages = {n: c.pages[0] if c.pages else c.new_page() for n, c in ctx.items()}
            outside = []
            for pg in pages.values():
                pg.on("request", lambda r: outside.append(r.url)
                      if not r.url.startswith(("http://127.0.0.1:", "data:", "about:")) else None)
            teacher = pages["teacher"]
            teacher.goto(f"{url}teacher?key={key}")
            teacher.wait_for_selector(".gg-team .gg-code")
            codes = {row.get_attribute("data-power"): row.locator(".gg-code").inner_text().strip()
                     for row in teacher.locator(".gg-team").all()}
            assert set(codes) == {"RUS", "USA", "CHN"}
            teacher.wait_for_selector(".gg-map svg")
            teacher.screenshot(path=str(SCREENSHOTS / "class-teacher-start.png"))
            for power in ("RUS", "USA", "CHN"):
                pg = pages[power]
                pg.goto(url)
                pg.fill("#code", codes[power].lower())
                pg.click("#join")
                pg.wait_for_selector("#base")
                assert pg.title().endswith({"RUS": "Russia", "USA": "the United States", "CHN": "China"}[power])
            # a wrong code is refused; the page of one team offers no way to act for another
            bad = pages["RUS"].request.post(f"{url}api/team/choose?code=ZZZZZ", data="{}")
            assert bad.status == 403
            for turn, month in ((1, "1999-12"), (2, "2000-12")):
                for power, play in PLAYS[turn].items():
                    _play(pages[power], *play)
                if turn == 1:
                    pages["USA"].screenshot(path=str(SCREENSHOTS / "class-team.png"))
                if turn == 2:  # a reload keeps the choices sent; then the server restarts
                    pages["CHN"].reload()
                    pages["CHN"].wait_for_selector("#sent")
                    assert pages["CHN"].input_value(".aid[data-state='TJK']") == "5"
                    stop_server(proc)
                    proc, url2, key2 = _start(folder, tmp_path / "class2.log")
                    assert key2 == key
                    url = url2
                    for pg_name in ("teacher",):
                        pages[pg_name].goto(f"{url}teacher?key={key}")
                teacher.wait_for_function(
                    "document.querySelectorAll('.gg-team[data-played=\"true\"]').length == 3", timeout=15_000)
                teacher.click("#run-turn")
                teacher.wait_for_function(f"document.querySelector('#month').innerText == '{month}'",
                                          timeout=30_000)
                for power in PLAYS[turn]:  # each team's page (on the server's new address after a restart)
                    pages[power].goto(f"{url}team?code={codes[power]}")
                    pages[power].wait_for_function(
                        f"document.querySelector('.gg-month')?.innerText == '{month}'", timeout=15_000)
                    assert pages[power].locator("#sent").count() == 0
                if turn == 1:
                    teacher.screenshot(path=str(SCREENSHOTS / "class-teacher-turn.png"))
                history = pages["USA"].locator("#history").inner_text()
                assert f"turn {turn}" in history and "Tajikistan" not in history  # its own choices only
            teacher.reload()
            teacher.wait_for_function("document.querySelector('#month').innerText == '2000-12'")
            teacher.click("#end-game")
            teacher.wait_for_selector(".gg-debrief .gg-pull", timeout=30_000)
            teacher.locator(".gg-debrief h2").first.scroll_into_view_if_needed()
            teacher.evaluate("document.querySelector('.gg-debrief h2').scrollIntoView()")
            teacher.wait_for_timeout(300)
            teacher.screenshot(path=str(SCREENSHOTS / "class-debrief.png"), full_page=False)
            cells = teacher.locator(".gg-pull").all()
            shown = {(c.get_attribute("data-turn"), c.get_attribute("data-power"), c.get_attribute("data-state"),
                      c.get_attribute("data-kind")): float(c.inner_text()) for c in cells}
            assert len(shown) == 2 * 3 * 5 * 4
            table = teacher.request.get(f"{url}export/drivers.csv?key={key}").text()
            rows = list(csv.DictReader(io.StringIO(table)))
            channels = {"base": ("security",), "deal": ("economy",), "aid": ("offers",),
                        "rights": ("conditions", "regime")}
            spans = {"1": ("1999-01", "1999-12"), "2": ("2000-01", "2000-12")}
            for (turn, power, state, kind), value in shown.items():
                a, b = spans[turn]
                total = sum(float(r["value"]) for r in rows if r["power"] == power and r["state"] == state
                            and r["driver"] in channels[kind] and a <= r["date"] <= b)
                assert value == pytest.approx(total, abs=6e-5), (turn, power, state, kind)
            exported = teacher.request.get(f"{url}export/scenario.yaml?key={key}").text()
            assert "controller: scripted" in exported and "Turn 2: Russia asks Kyrgyzstan for a base" in exported
            assert not outside, f"requests outside the server: {outside[:3]}"
            for c in ctx.values():
                c.close()
    finally:
        stop_server(proc)
    (tmp_path / "exported.yaml").write_text(exported)
    from sim.app.session import Session
    from sim.core.parameters import make_params
    from sim.engine import BatchEngine
    from sim.scenario import load_scenario

    sc = load_scenario(tmp_path / "exported.yaml")
    eng = BatchEngine(sc, [make_params(sc.spec.parameters)], [0])
    eng.run()
    import numpy as np

    np.testing.assert_array_equal(eng.world.runs.alignment[0], Session.load(folder).alignment_now())
