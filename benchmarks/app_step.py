"""How long the classroom page takes to show the next month after Step, on this machine.

(a) in this process: the page (sim/app/app.py) rendered with Solara's widgets, no browser; each Step is a
    click on the button, timed until every panel has been redrawn for the next month;
(b) side by side, the pictures alone: the SVG map and chart the page draws now against the matplotlib
    PNG images it drew before (the same figures as sim/app/mapview.draw_map and a 2x3 chart);
(c) in headless Chromium, when it and Playwright are installed: ``run.py app`` served as a user starts
    it, Step clicked, timed until the month shown, the map and the why panel all read the next month.

    .venv/bin/python benchmarks/app_step.py [--steps 20] [--from 2004-12] [--no-browser]

The last line printed is one JSON object: {"page_step_median_s": ..., "page_step_max_s": ...,
"svg_pictures_s": ..., "matplotlib_pictures_s": ..., "ratio": ..., "browser_step_median_s": ...}.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _walk(widget):
    import ipywidgets

    yield widget
    for child in getattr(widget, "children", None) or []:
        if isinstance(child, ipywidgets.Widget):
            yield from _walk(child)


def page_steps(steps: int, start: str) -> list[float]:
    import ipyvuetify as v
    import solara

    from sim.app import app

    @solara.component
    def Wrapped():
        with solara.AppLayout():
            app.Page()

    box, rc = solara.render(Wrapped(), handle_error=False)
    buttons = {c: w for w in _walk(box) if isinstance(w, v.Btn) for c in (w.class_ or "").split()}
    jump = next(w for w in _walk(box) if isinstance(w, v.TextField) and str(w.label).startswith("Jump"))
    jump.v_model = start
    buttons["gg-go"].click()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        buttons["gg-step"].click()
        times.append(time.perf_counter() - t)
    rc.close()
    return times


def pictures(repeats: int = 5) -> tuple[float, float]:
    """Seconds to draw the map and the chart of one month: SVG text, and matplotlib PNG images."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from sim.app.classroom import ClassroomModel
    from sim.app.mapview import draw_map, power_colour
    from sim.app.svg import chart_svg, map_svg, years

    m = ClassroomModel("replay_1999_2008.yaml", seed=0)
    for _ in range(72):
        m.step()
    st = m.world.setup
    dates, a = m.alignment_series()
    bases = m.history[-1]["bases"]

    def svg():
        map_svg(a[-1], st.states, st.powers, dates[-1], bases)
        chart_svg(dates, a, st.states, st.powers, (1998.9, 2008.9))

    def mpl():
        fig = Figure(figsize=(6.2, 4.1), dpi=90)
        draw_map(fig.add_axes([0.01, 0.01, 0.98, 0.92]), a[-1], st.states, st.powers, dates[-1], bases)
        fig.savefig(io.BytesIO(), format="png")
        fig = Figure(figsize=(6.6, 4.3), dpi=90)
        axes = fig.subplots(2, 3, sharex=True, sharey=True).ravel()
        x = years(dates)
        for i in range(st.S):
            for j, p in enumerate(st.powers):
                axes[i].plot(x, a[:, i, j], color=power_colour(p, st.powers), lw=1.4)
        fig.savefig(io.BytesIO(), format="png")

    out = []
    for fn in (svg, mpl):
        fn()
        t = time.perf_counter()
        for _ in range(repeats):
            fn()
        out.append((time.perf_counter() - t) / repeats)
    return out[0], out[1]


def browser_steps(steps: int, start: str) -> list[float] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "app", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the app stopped before it printed its address")
            m = re.search(r"open (http://127\.0\.0\.1:\d+/)", line)
            url = m.group(1) if m else None
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            for _ in range(120):
                try:
                    page.goto(url)
                    break
                except Exception:  # noqa: BLE001 - the server is still starting
                    time.sleep(0.5)
            page.wait_for_selector(".gg-map svg", timeout=120_000)
            page.locator(".gg-jump input").fill(start)
            page.locator(".gg-go").click()
            page.wait_for_function(f"document.querySelector('.gg-month').innerText.trim() == '{start}'",
                                   timeout=60_000)
            times = []
            for _ in range(steps):
                month = page.locator(".gg-month").inner_text().strip()
                y, mo = int(month[:4]), int(month[5:7])
                nxt = f"{y + mo // 12:04d}-{mo % 12 + 1:02d}"
                # clicked in the page, timed in the page: until the frame in which the month shown, the
                # map and the why panel all read the next month
                ms = page.evaluate("""(nxt) => new Promise(done => {
                    const t0 = performance.now();
                    const ready = () => document.querySelector('.gg-month').innerText.trim() == nxt
                        && document.querySelector('.gg-map').innerText.includes(nxt)
                        && document.querySelector('.gg-why-sentence').innerText.startsWith(nxt);
                    const check = () => ready() ? done(performance.now() - t0) : requestAnimationFrame(check);
                    document.querySelector('.gg-step').click();
                    requestAnimationFrame(check);
                })""", nxt)
                times.append(ms / 1000)
            browser.close()
        return times
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--from", dest="start", default="2004-12", help="month to jump to before timing (YYYY-MM)")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    page = page_steps(args.steps, args.start)
    svg, mpl = pictures()
    print(f"page step (in process, {args.steps} steps from {args.start}): median {statistics.median(page):.3f} s, "
          f"max {max(page):.3f} s")
    print(f"pictures of one month: SVG {svg * 1000:.1f} ms, matplotlib PNG {mpl * 1000:.1f} ms "
          f"(matplotlib / SVG = {mpl / svg:.0f}x)")
    result = {"page_step_median_s": round(statistics.median(page), 4), "page_step_max_s": round(max(page), 4),
              "svg_pictures_s": round(svg, 4), "matplotlib_pictures_s": round(mpl, 4), "ratio": round(mpl / svg, 1)}
    browser = None if args.no_browser else browser_steps(args.steps, args.start)
    if browser:
        print(f"browser step (headless Chromium, click to the next month on screen): median "
              f"{statistics.median(browser):.3f} s, max {max(browser):.3f} s")
        result.update(browser_step_median_s=round(statistics.median(browser), 4),
                      browser_step_max_s=round(max(browser), 4))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
