"""The web page without a browser: rendering (escaping, offsets, diff, chips), the
streaming runner with cancel, uploads, app.py options, and 5 concurrent runs through
``gradio_client`` against a real server (SmolLM2 as the generator, to stay fast)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from summarizer import Article
from summarizer.document import (Document, Entity, Reason, Repair, Report, Sentence, Summary,
                                 SummarySentence)
from summarizer import webapp

PROJECT = Path(__file__).resolve().parents[1]
OUT = PROJECT / "test-output"


# --- a real server, shared with test_browser.py ------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(concurrency: int = 2, extra_env: dict | None = None):
    """Start ``app.py`` on a free port with a fast configuration; yield its URL."""
    port = free_port()
    # SmolLM2 as the generator keeps the suite fast; TEST_GENERATOR_MODEL=qwen measures
    # the page with the default generator
    env = {**os.environ, "PYTHONPATH": str(PROJECT),
           "SUMMARIZER_GENERATOR_MODEL": os.environ.get("TEST_GENERATOR_MODEL", "smollm2"),
           "SUMMARIZER_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE", "GRADIO_ANALYTICS_ENABLED": "False",
           "HF_HUB_OFFLINE": "1", **(extra_env or {})}
    OUT.mkdir(exist_ok=True)
    log = open(OUT / f"app-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, str(PROJECT / "app.py"), "--port", str(port),
                             "--concurrency", str(concurrency)], cwd=PROJECT, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"app.py exited with {proc.returncode}; see {log.name}")
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError(f"app.py did not answer on {url} within 120 s; see {log.name}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


# --- rendering ------------------------------------------------------------------------

def _report_with_everything() -> Report:
    text = "Loading...\nThe dam held <b>firm</b>. Velichko said <script>alert(1)</script> it held, sir.\n"
    s1_start = text.index("The dam")
    s1_end = text.index("</b>.") + 5
    s2_start = text.index("Velichko")
    s2_end = len(text) - 1
    s1 = Sentence(s1_start, s1_end, text[s1_start:s1_end], "en", 0.1)
    s2 = Sentence(s2_start, s2_end, text[s2_start:s2_end], "en", 0.9, True,
                  [Reason("stray_honorific", "ends in 'sir.' <img src=x onerror=alert(2)>", None, 0.5)],
                  Repair("Wieliczko said it held.", True, "ok"))
    doc = Document("d1", text, title="Dam <i>news</i>", source="Outlet & Co", date="2026-03-13",
                   language="en", dropped=[[0, 10, "boilerplate"]], sentences=[s1, s2])
    summary = Summary("en", [SummarySentence("The dam held.", ["d1"], [["d1", s1_start, s1_end]])])
    return Report(documents=[doc], summary=summary, entities=[Entity("Tomasz Wieliczko", [["Velichko", "d1"]])],
                  errors=[{"input": "article 2", "error": "is empty (only whitespace)", "id": "d2"}])


def test_article_text_is_escaped_and_follows_offsets():
    report = _report_with_everything()
    out = webapp.render_articles(report, 2, 0.5)
    # markup in an article is shown as text, never as markup
    assert "<script>" not in out and "<b>firm" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;b&gt;firm&lt;/b&gt;" in out
    assert "onerror=alert(2)" in out.replace("&lt;img src=x ", "")  # the reason text, escaped
    assert "Dam &lt;i&gt;news&lt;/i&gt;" in out and "Outlet &amp; Co" in out
    # one highlighted span per sentence, flagged one marked, band by score
    assert out.count("class='sent b0'") == 1 and out.count("class='sent b3 flag fixed'") == 1
    # dropped boilerplate greyed with its kind
    assert "<span class='dropped' title='dropped: boilerplate'>Loading...<span class='dk'>boilerplate" in out
    # the input error is shown at the second article's place
    assert "id='article-2'" in out and "is empty (only whitespace)" in out
    assert out.index("id='article-1'") < out.index("id='article-2'")


class _VisibleText(HTMLParser):
    """The text a reader sees, leaving out tooltips and the dropped-kind labels."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.out = [], []

    def handle_starttag(self, tag, attrs):
        if tag != "br":  # void element: no end tag
            self.stack.append(dict(attrs).get("class", ""))

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        if not any(c in ("tip", "dk", "rc") for c in self.stack):
            self.out.append(data)


def test_render_article_text_shows_the_original_exactly_once():
    doc = _report_with_everything().documents[0]
    parser = _VisibleText()
    parser.feed(webapp.render_article_text(doc))
    parser.close()
    assert "".join(parser.out) == doc.text


def test_word_diff_marks_changed_words_only():
    out = webapp.word_diff("Velichko said it <held>, sir.", "Wieliczko said it <held>.")
    assert "<del>Velichko</del><ins>Wieliczko</ins>" in out.replace(" ", "")
    assert "said it" in out and "&lt;held&gt;" in out and "<del>&lt;held&gt;, sir.</del>" in out


def test_repairs_summary_overview():
    report = _report_with_everything()
    rep = webapp.render_repairs(report, 2)
    assert "✔ applied · guard ok" in rep and "<del>" in rep and "<ins>Wieliczko" in rep
    assert "Tomasz Wieliczko" in rep and "“Velichko”" in rep
    report.documents[0].sentences[1].repair = Repair("X", False, "adds a number not in the sources: 7")
    assert "✘ not applied · guard: adds a number not in the sources: 7" in webapp.render_repairs(report, 2)
    report.documents[0].sentences[1].repair = Repair("X", True, "ok", rescored=[0.81, 0.234])
    assert "(detection 0.81 → 0.23)" in webapp.render_repairs(report, 2)
    assert "detection 0.81 → 0.23" in webapp._sentence_tip(report.documents[0].sentences[1])

    summ = webapp.render_summary(report, 2, done=True)
    # one numbered chip per source, revealing the evidence sentence (escaped) from that article
    assert summ.count("<details class='chip'>") == 1
    assert "<blockquote>The dam held &lt;b&gt;firm&lt;/b&gt;.</blockquote>" in summ

    ov = webapp.render_overview(report, 2)
    assert ov.count("class='bar ") == 2 and "height:25px" in ov  # 0.9 * 28
    assert "is empty (only whitespace)" in ov


def test_the_headline_is_printed_above_the_roundup_and_stays_cited():
    report = _report_with_everything()
    body = report.summary.sentences[0]
    report.summary.sentences.insert(0, SummarySentence("Dam Holds Against Flood.", ["d1"], body.evidence,
                                                       note="headline"))
    summ = webapp.render_summary(report, 2, done=True)
    assert "<div class='headline'><span class='stext'>Dam Holds Against Flood</span>" in summ
    assert summ.index("class='headline'") < summ.index("<ol>")
    assert summ.count("<li>") == 1 and "(headline)" not in summ
    assert summ.count("<details class='chip'>") == 2  # the headline keeps its citation
    # the stage's notes fold away below the roundup, counted
    report.summary.notes = ["lede: d1's opening sentence", "12.0 s"]
    summ = webapp.render_summary(report, 2, done=True)
    assert "<details class='notes'><summary>How this summary was made (2 notes)</summary>" in summ
    assert summ.index("</ol>") < summ.index("class='notes'") and summ.count("<div class='note'>") == 2


def test_status_chips():
    out = webapp.render_status({"stages": ["segment", "assess"], "done": {"segment": 0.25}, "current": "assess",
                                "detail": "1/3", "message": "Running <x>", "level": "info"})
    assert "✔ segment <small>0.2s</small>" in out or "✔ segment <small>0.3s</small>" in out
    assert "stage run'>⟳ assess" in out and "Running &lt;x&gt;" in out


# --- running --------------------------------------------------------------------------

def test_example_cluster_loads_with_metadata():
    cluster = webapp.load_example_cluster()
    assert len(cluster) >= 3
    assert {a["source"] for a in cluster} >= {"Valley Herald", "Jornal do Vale"}
    assert all(a["text"].strip() and a["date"] for a in cluster)


def test_streaming_run_renders_stages_in_order_and_reports_errors(config):
    cfg = config.replace(repair=False, summary=False)
    articles = [Article(text=a["text"], source=a["source"], date=a["date"])
                for a in webapp.load_example_cluster()[:2]]
    articles.insert(1, Article(text="   \n  ", title="blank one"))
    events = list(webapp.run_streaming(articles, cfg, threading.Event()))
    stages = [e[1] for e in events if e[0] == "stage"]
    assert stages == ["ingest", "segment", "language", "translate", "assess"]
    assert events[-1][0] == "done"
    report = events[-1][1]
    assert [d.id for d in report.documents] == ["d1", "d3"]
    assert report.errors[0]["id"] == "d2"
    # sentences are on the page from the segment stage on, each as a highlight span
    after_segment = next(e[2] for e in events if e[0] == "stage" and e[1] == "segment")
    n_sent = sum(len(d.sentences) for d in report.documents)
    assert after_segment.articles.count(" data-start=") == n_sent
    assert "blank one: is empty" in after_segment.articles
    json_path, md_path = webapp.write_downloads(report)
    assert json.loads(Path(json_path).read_text())["documents"][0]["id"] == "d1"
    assert Path(md_path).read_text().startswith("# ")


def test_cancel_stops_the_run_quickly(config):
    cfg = config.replace(repair=False, summary=False)
    cancel = threading.Event()
    articles = [Article(text=a["text"]) for a in webapp.load_example_cluster()]
    started = time.perf_counter()
    seen = []
    for event in webapp.run_streaming(articles, cfg, cancel):
        seen.append(event[0])
        if event[0] == "stage" and event[1] == "segment":
            cancel.set()
    assert seen[-1] == "cancelled" and "done" not in seen
    assert time.perf_counter() - started < 30


def test_upload_reads_text_and_refuses_binary(tmp_path):
    good = tmp_path / "a.html"
    good.write_text("<p>Olá <b>mundo</b></p>", encoding="utf-8")
    assert webapp.read_upload(str(good), 1000) == ("<p>Olá <b>mundo</b></p>", "")
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    text, error = webapp.read_upload(str(binary), 10_000)
    assert text == "" and "binary" in error
    assert "too large" in webapp.read_upload(str(binary), 10)[1]


def test_app_rejects_bad_auth_option():
    proc = subprocess.run([sys.executable, str(PROJECT / "app.py"), "--auth", "nopassword"],
                          capture_output=True, text=True, cwd=PROJECT, timeout=60)
    assert proc.returncode == 2 and "user:password" in proc.stderr


# --- concurrency through gradio_client ---------------------------------------------------

def test_five_concurrent_runs_get_separate_reports():
    """Five clients at once, each with its own articles; the queue runs two at a time.
    Each report must hold exactly that client's articles (no state shared between runs)."""
    from gradio_client import Client

    cluster = webapp.load_example_cluster()
    with running_app(concurrency=2) as url:
        def job(k: int, results: dict):
            client = Client(url, verbose=False, httpx_kwargs={"timeout": 600})
            marker = f"Relief convoy number {k + 11} reached the village of Olszyna on Friday morning."
            articles = [{"text": cluster[k % len(cluster)]["text"], "source": f"outlet-{k}"},
                        {"text": marker + " Volunteers unloaded blankets and drinking water.",
                         "source": f"marker-{k}"}]
            start = time.perf_counter()
            report = client.predict(articles, {"repair": True, "summary": True}, api_name="/summarize")
            results[k] = (time.perf_counter() - start, report, marker)

        results: dict = {}
        wall = time.perf_counter()
        threads = [threading.Thread(target=job, args=(k, results)) for k in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=900)
        wall = time.perf_counter() - wall

    assert sorted(results) == [0, 1, 2, 3, 4]
    for k, (seconds, report, marker) in results.items():
        report = json.loads(report)
        sources = [d["source"] for d in report["documents"]]
        assert sources == [f"outlet-{k}", f"marker-{k}"]
        assert report["documents"][0]["text"] == cluster[k % len(cluster)]["text"]
        assert report["documents"][1]["text"].startswith(marker)
        assert all(e.get("id") != "d1" for e in report["errors"])
    timings = {k: round(v[0], 1) for k, v in sorted(results.items())}
    OUT.mkdir(exist_ok=True)
    (OUT / "concurrency.json").write_text(json.dumps({"wall_seconds": round(wall, 1), "per_client": timings,
                                                      "concurrency_limit": 2}, indent=2))
    print(f"5 concurrent runs: wall {wall:.1f}s, per client {timings}")
