"""The page in a real headless Chromium (Debian ``chromium``), driven by Playwright.

Needs /usr/bin/chromium (apt-get install chromium chromium-driver) and the Python
``playwright`` package; never downloads a browser. Screenshots and timings go to
test-output/.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from test_app import OUT, running_app

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium chromium-driver"),
]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def app_url():
    with running_app(concurrency=2) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (Python package only)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#run")
    return page


def _wait_done(page, timeout_ms=600_000):
    page.wait_for_selector("#status .msg.ok, #status .msg.warn, #status .msg.error", timeout=timeout_ms)
    return page.inner_text("#status .msg")


def test_example_run_end_to_end(browser, app_url):
    started = time.perf_counter()
    page = _page(browser, app_url)
    page.click("#load-example")
    page.wait_for_function("document.querySelector('#text-4 textarea')?.value.includes('Brzezina')")
    assert page.input_value("#outlet-3 textarea, #outlet-3 input") == "Jornal do Vale"

    clicked = time.perf_counter()
    page.click("#run")
    page.wait_for_selector("#articles .doctext .sent", timeout=120_000)
    first_sentence = time.perf_counter() - clicked
    # scored highlights arrive with the assess stage
    page.wait_for_selector("#status .stage.done:has-text('assess')", timeout=300_000)
    first_scored = time.perf_counter() - clicked
    message = _wait_done(page)
    run_seconds = time.perf_counter() - clicked
    assert "failed" not in message, message
    page.screenshot(path=str(OUT / "browser-example.png"), full_page=True)

    # the JSON download parses and agrees with what the page shows
    with page.expect_download() as info:
        page.click("#json-download a")
    path = info.value.path()
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    docs = report["documents"]
    assert [d["source"] for d in docs] == ["Valley Herald", "Riverside Daily Online", "Jornal do Vale",
                                           "Eastern Courier"]
    n_sent = sum(len(d["sentences"]) for d in docs)
    n_flagged = sum(s["flagged"] for d in docs for s in d["sentences"])
    n_repairs = sum(s["repair"] is not None for d in docs for s in d["sentences"])
    n_chips = sum(len(s["sources"]) for s in report["summary"]["sentences"])
    assert page.locator("#articles .doctext .sent").count() == n_sent
    assert page.locator("#articles .doctext .sent.flag").count() == n_flagged
    assert page.locator("#repairs .repair").count() == n_repairs
    assert page.locator("#summary details.chip").count() == n_chips
    # boilerplate of article 2 is shown greyed with its kind, not as article text
    assert page.locator("#article-2 .dropped:has-text('READ MORE')").count() == 1
    assert page.locator("#article-2 .dropped .dk:text-is('tags')").count() >= 4
    # the Portuguese article's translation is on the page
    assert page.locator("#article-3 details.trans").count() == 1

    # hovering a (flagged) sentence shows its score and reasons; a chip reveals its evidence
    target = page.locator("#articles .doctext .sent.flag" if n_flagged else "#articles .doctext .sent").first
    target.hover()
    tip = target.locator(".tip")
    assert tip.is_visible() and "score" in tip.inner_text()
    page.locator("#articles").screenshot(path=str(OUT / "browser-articles-hover.png"))
    if n_chips:
        chip = page.locator("#summary details.chip").first
        assert not chip.locator(".evidence").is_visible()
        chip.locator("summary").click()
        evidence = chip.locator(".evidence blockquote").first
        assert evidence.is_visible() and len(evidence.inner_text()) > 10
    page.locator("#summary").screenshot(path=str(OUT / "browser-summary-chip.png"))
    page.locator("#repairs").screenshot(path=str(OUT / "browser-repairs.png"))

    timings = {"first_sentence_on_page_s": round(first_sentence, 2),
               "first_scored_highlights_s": round(first_scored, 2),
               "run_s": round(run_seconds, 1), "test_wall_s": round(time.perf_counter() - started, 1),
               "stage_timings": report["timings"], "sentences": n_sent, "flagged": n_flagged,
               "repairs": n_repairs, "chips": n_chips}
    (OUT / "browser-timings.json").write_text(json.dumps(timings, indent=2))
    print("browser timings:", timings)

    # the example carries deliberate damage: the stages must find and act on it
    assert n_flagged > 0, "assess flagged nothing in the damaged example articles"
    assert page.locator("#repairs .diff del, #repairs .diff ins").count() > 0, "no repair diff on the page"
    assert n_chips > 0, "the summary has no citation chips"


def test_article_html_and_script_never_run(browser, app_url):
    page = _page(browser, app_url)
    page.evaluate("window.__pwned = 0")
    hostile = ("Officials met in Brzezina on Monday. <script>window.__pwned = 1</script> "
               "<img src=x onerror=\"window.__pwned = 2\"> The report <b>was</b> published. "
               "${window.__pwned = 3} {{constructor.constructor('window.__pwned = 4')()}} "
               "<a href=\"javascript:window.__pwned=5\">link</a> The meeting ended at noon.")
    page.fill("#text-1 textarea", hostile)
    page.fill("#outlet-1 textarea, #outlet-1 input", "<img src=y onerror=\"window.__pwned=6\">")
    # fast: detection only
    page.click("#settings")
    page.locator("#settings label:has-text('Repair flagged sentences') input").uncheck()
    page.locator("#settings label:has-text('Write the summary') input").uncheck()
    page.click("#run")
    message = _wait_done(page, 180_000)
    assert "failed" not in message, message
    page.wait_for_timeout(500)  # give any injected handler a chance to fire
    assert page.evaluate("window.__pwned") == 0
    # no element from the article made it into the DOM; its markup shows as text
    assert page.locator("#articles img, #articles script, #articles a, #articles b:text-is('was')").count() == 0
    assert page.locator("#overview img").count() == 0
    text = page.inner_text("#articles .doctext")
    assert "<script>window.__pwned = 1</script>" in text and "onerror=" in text
    page.screenshot(path=str(OUT / "browser-xss.png"), full_page=True)


def test_input_error_is_shown_next_to_its_article(browser, app_url):
    page = _page(browser, app_url)
    page.fill("#text-1 textarea", "The river rose by two metres overnight. Schools were closed on Tuesday.")
    # its original, given in the slot's folded field: aligned sentence by sentence
    page.locator("#slot-1").get_by_text("Original (if this article is a translation)").click()
    page.fill("#original-1 textarea", "Le fleuve est monté de deux mètres pendant la nuit. "
                                      "Les écoles ont été fermées mardi.")
    page.fill("#title-2 textarea, #title-2 input", "Only a title")  # no text: an input error
    page.fill("#text-3 textarea", "Le fleuve a débordé mardi. Les écoles sont fermées.")
    page.click("#settings")
    page.locator("#settings label:has-text('Repair flagged sentences') input").uncheck()
    page.locator("#settings label:has-text('Write the summary') input").uncheck()
    page.click("#run")
    _wait_done(page, 300_000)
    card = page.locator("#article-2.error")
    assert card.count() == 1 and "Only a title" in card.inner_text()
    assert page.locator("#article-1 .doctext .sent").count() == 2  # the others still ran
    assert "original (fr) given: 2 of 2 sentences" in page.inner_text("#article-1 .note")
    assert page.locator("#article-3 .doctext .sent").count() == 2


def test_cancel_stops_a_run(browser, app_url):
    page = _page(browser, app_url)
    page.click("#load-example")
    page.wait_for_function("document.querySelector('#text-4 textarea')?.value.includes('Brzezina')")
    page.click("#run")
    page.wait_for_selector("#status .stage.done:has-text('segment')", timeout=120_000)
    clicked = time.perf_counter()
    page.click("#cancel")
    page.wait_for_selector("#status .msg.warn:has-text('Cancelled')", timeout=30_000)
    assert time.perf_counter() - clicked < 10
    assert page.locator("#articles .doctext .sent").count() > 0  # finished stages stay on the page
