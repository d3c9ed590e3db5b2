"""The web page (Gradio): paste articles, see bad passages, repairs and the cited summary.

Everything here is built on the Python API (``Pipeline.run`` and the ``Report``
contract), so the page shows whatever the stages fill in. Two rules shape the code:

- Article text is untrusted. Every piece of it reaching the page goes through
  ``html.escape``; the page uses no JavaScript of its own (hover/click behaviour is
  CSS and ``<details>``), so there is nothing an article could hook into.
- Results appear as they come. The pipeline runs in a worker thread; its ``on_stage``
  callback renders the partial report to HTML *in that thread* (the report is not
  mutated while the callback runs) and hands the strings to the request's generator
  through a queue, which yields them to the browser.
"""

from __future__ import annotations

import difflib
import html
import json
import os
import queue
import re
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # never phone home

from .config import PROJECT_ROOT, SUPPORTED_LANGUAGES, Config  # noqa: E402
from .context import Cancelled, Context  # noqa: E402
from .document import Document, Report, Sentence  # noqa: E402
from .errors import InputError, SummarizerError  # noqa: E402
from .ingest import Article, decode_bytes  # noqa: E402
from .machine import describe  # noqa: E402
from .models.hub import ModelHub  # noqa: E402
from .pipeline import Pipeline  # noqa: E402
from .render import cached_replies  # noqa: E402

EXAMPLES_DIR = PROJECT_ROOT / "examples"
MAX_SLOTS = 10  # article slots on the page; more articles can come as uploaded files
INITIAL_SLOTS = 3
STAGES = ["ingest", "segment", "language", "translate", "assess", "repair", "align", "summarize"]
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm"]

# score bands for the highlight colours (the legend shows the same bands)
BANDS = [(0.25, "b0", "below 0.25: reads fine"), (0.5, "b1", "0.25–0.5: minor doubts"),
         (0.75, "b2", "0.5–0.75: likely damaged"), (1.01, "b3", "0.75 and above: badly damaged")]


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def band(score: float) -> str:
    for limit, cls, _ in BANDS:
        if score < limit:
            return cls
    return BANDS[-1][1]


# --- rendering: Report -> HTML (pure functions, tested without a browser) -------------

def _input_rows(report: Report, n_inputs: int) -> list[tuple[int, Document | None, dict | None]]:
    """(article number, document or None, input error or None), in input order.

    Documents are ``d1``, ``d2``, ... by input position, so a failed input keeps its
    place and its error is shown where the article would have been."""
    docs = {d.id: d for d in report.documents}
    errors = {e.get("id"): e for e in report.errors if e.get("id")}
    n = max([n_inputs] + [int(k[1:]) for k in list(docs) + list(errors) if k and k[1:].isdigit()])
    rows = []
    for i in range(1, n + 1):
        key = f"d{i}"
        if key in docs or key in errors:
            rows.append((i, docs.get(key), errors.get(key)))
    return rows


def _doc_name(doc: Document) -> str:
    return doc.source or doc.title or doc.id


def _sentence_tip(sent: Sentence) -> str:
    parts = [f"<b>score {sent.score:.2f}</b>" + (" · flagged" if sent.flagged else "")]
    if sent.language:
        parts[0] += f" · {esc(sent.language)}"
    for r in sent.reasons:
        parts.append(f"<span class='rc'>{esc(r.code)}</span> {esc(r.detail)}")
    if not sent.reasons:
        parts.append("<i>no reasons recorded</i>")
    if sent.translation is not None:
        parts.append(f"<span class='rc'>translation</span> {esc(sent.translation)}")
    elif sent.source_text:
        parts.append(f"<span class='rc'>original</span> {esc(sent.source_text)}")
    if sent.repair is not None:
        state = "applied" if sent.repair.applied else f"not applied: {sent.repair.guard}"
        if sent.repair.applied and sent.repair.partial:
            state += f"; {sent.repair.partial}"
        if sent.repair.applied and sent.repair.rescored:
            state += "; detection {:.2f} → {:.2f}".format(*sent.repair.rescored)
            if sent.repair.still_flagged:
                state += ", still flagged: kept out of the summary"
        parts.append(f"<span class='rc'>repair ({esc(state)})</span> {esc(sent.repair.text)}")
    return "<br>".join(parts)


def render_article_text(doc: Document) -> str:
    """The original text with sentences highlighted by score and dropped text greyed.

    Everything is addressed by offsets into ``doc.text``; pieces no sentence or dropped
    span covers (line breaks, spaces) are shown as they are. Markup of an HTML input is
    left out (the visible text is what was analysed)."""
    text = doc.text
    pieces: list[tuple[int, int, str, Any]] = []
    for s in doc.sentences:
        pieces.append((s.start, s.end, "sent", s))
    for start, end, kind in doc.dropped:
        pieces.append((int(start), int(end), "markup" if kind == "markup" else "drop", kind))
    pieces.sort(key=lambda p: (p[0], -p[1]))
    out: list[str] = []
    pos = 0
    for start, end, kind, item in pieces:
        if start < pos:  # overlapping (should not happen): never show text twice
            continue
        if start > pos:
            out.append(esc(text[pos:start]))
        chunk = text[start:end]
        if kind == "sent":
            s: Sentence = item
            cls = f"sent {band(s.score)}" + (" flag" if s.flagged else "")
            if s.repair is not None and s.repair.applied:
                cls += " fixed"
            out.append(f"<span class='{cls}' tabindex='0' data-score='{s.score:.3f}' data-start='{s.start}'>"
                       f"{esc(chunk)}<span class='tip' role='tooltip'>{_sentence_tip(s)}</span></span>")
        elif kind == "drop":
            out.append(f"<span class='dropped' title='dropped: {esc(item)}'>{esc(chunk)}"
                       f"<span class='dk'>{esc(item)}</span></span>")
        else:
            out.append("\n" if "\n" in chunk or re.search(r"<(p|div|br|h\d|li)\b", chunk, re.I) else " ")
        pos = end
    if pos < len(text):
        out.append(esc(text[pos:]))
    return "".join(out)


def render_legend(threshold: float) -> str:
    items = "".join(f"<span class='sent {cls} key'>{esc(label)}</span>" for _, cls, label in BANDS)
    return (f"<div class='legend'><b>Legend</b> {items}<span class='sent b3 flag key'>flagged (score ≥ "
            f"{threshold:.2f})</span><span class='dropped'>dropped boilerplate<span class='dk'>kind</span></span>"
            "<span class='hint'>hover or click a sentence for its score and reasons</span></div>")


def render_articles(report: Report, n_inputs: int, threshold: float) -> str:
    rows = _input_rows(report, n_inputs)
    if not rows:
        return "<div class='empty'>No articles yet.</div>"
    cards = [render_legend(threshold)]
    for i, doc, err in rows:
        if doc is None:
            cards.append(f"<div class='card error' id='article-{i}'><h3><span class='num'>{i}</span> "
                         f"{esc(err.get('input'))}</h3><div class='err'>✘ {esc(err.get('input'))}: "
                         f"{esc(err.get('error'))}</div><p class='muted'>This article was not run; the others were."
                         "</p></div>")
            continue
        flagged = sum(s.flagged for s in doc.sentences)
        meta = [f"language <b>{esc(doc.language or '?')}</b>", f"date <b>{esc(doc.date or 'unknown')}</b>",
                f"{len(doc.sentences)} sentences", f"{flagged} flagged"]
        dropped = [d for d in doc.dropped if d[2] != "markup"]
        if dropped:
            meta.append(f"{len(dropped)} dropped")
        errs = "".join(f"<div class='err'>⚠ {esc(e)}</div>" for e in doc.errors)
        notes = "".join(f"<div class='note'>{esc(n)}</div>" for n in doc.notes)
        translated = [s for s in doc.sentences if s.translation is not None]
        trans = ""
        if translated:
            trans = ("<details class='trans'><summary>Show the translation "
                     f"({len(translated)} sentences)</summary><p>"
                     + " ".join(f"<span class='sent {band(s.score)}{' flag' if s.flagged else ''}'>"
                                f"{esc(s.translation)}</span>" for s in translated) + "</p></details>")
        title = doc.title or doc.source or doc.id
        source = f" <span class='outlet'>{esc(doc.source)}</span>" if doc.source and doc.source != title else ""
        cards.append(f"<div class='card' id='article-{i}' data-doc='{esc(doc.id)}'><h3><span class='num'>{i}</span> "
                     f"{esc(title)}{source}</h3><div class='meta'>{' · '.join(meta)}</div>{errs}{notes}"
                     f"<div class='doctext'>{render_article_text(doc)}</div>{trans}</div>")
    return "".join(cards)


def word_diff(old: str, new: str) -> str:
    """Word-level diff as HTML: deletions struck through, insertions underlined."""
    a, b = re.findall(r"\S+", old), re.findall(r"\S+", new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(esc(" ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{esc(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{esc(' '.join(b[j1:j2]))}</ins>")
    return " ".join(out)


def render_repairs(report: Report, n_inputs: int) -> str:
    blocks = []
    for i, doc, _ in _input_rows(report, n_inputs):
        if doc is None:
            continue
        items = []
        for s in doc.sentences:
            if s.repair is None:
                continue
            r = s.repair
            status = ("<span class='ok'>✔ applied · guard ok</span>" if r.applied
                      else f"<span class='rej'>✘ not applied · guard: {esc(r.guard)}</span>")
            if r.applied and r.partial:
                status += f" <span class='muted'>({esc(r.partial)})</span>"
            if r.applied and r.rescored:
                status += " <span class='muted'>(detection {:.2f} → {:.2f})</span>".format(*r.rescored)
            reasons = ", ".join(f"<span class='rc' title='{esc(x.detail)}'>{esc(x.code)}</span>" for x in s.reasons)
            kind = "" if s.flagged else " <span class='muted'>(name spelling only)</span>"
            # a translated sentence is repaired in its translation: diff against that
            base = s.translation if s.translation is not None else s.text
            source = (f"<div class='orig'>{esc(s.text)}</div><div class='orig'>(translation) {esc(base)}</div>"
                      if s.translation is not None else f"<div class='orig'>{esc(s.text)}</div>")
            items.append(f"<div class='repair{' applied' if r.applied else ' rejected'}'>"
                         f"<div class='rhead'>score {s.score:.2f} {reasons}{kind} {status}</div>"
                         f"<div class='diff'>{word_diff(base, r.text)}</div>"
                         f"<details><summary>original / rewrite</summary>{source}"
                         f"<div class='new'>{esc(r.text)}</div></details></div>")
        flagged_unrepaired = sum(1 for s in doc.sentences if s.flagged and s.repair is None)
        if items or flagged_unrepaired:
            extra = (f"<p class='muted'>{flagged_unrepaired} flagged sentence(s) without a rewrite.</p>"
                     if flagged_unrepaired else "")
            blocks.append(f"<div class='card'><h3><span class='num'>{i}</span> {esc(_doc_name(doc))}</h3>"
                          f"{''.join(items)}{extra}</div>")
    ids = {d.id: i for i, d, _ in _input_rows(report, n_inputs) if d is not None}
    if report.entities:
        names = "".join(
            f"<li><b>{esc(e.canonical)}</b> ← " + ", ".join(
                f"“{esc(v)}” <span class='chipref'>{ids.get(d, esc(d))}</span>" for v, d in e.variants) + "</li>"
            for e in report.entities)
        blocks.append(f"<div class='card'><h3>Name spellings</h3><ul class='names'>{names}</ul></div>")
    if not blocks:
        return "<div class='empty'>No repairs (yet).</div>"
    return "".join(blocks)


def _evidence_html(report: Report, doc_id: str, evidence: list, number: int | str) -> str:
    try:
        doc = report.document(doc_id)
    except KeyError:
        return "<i>source not found</i>"
    spans = [(int(e[1]), int(e[2])) for e in evidence if e and e[0] == doc_id]
    head = f"<div class='evsrc'>[{number}] {esc(_doc_name(doc))}" + (f" · {esc(doc.date)}" if doc.date else "") + "</div>"
    if not spans:
        return head + "<i>supports this sentence (no evidence sentence recorded)</i>"
    quotes = []
    for start, end in spans:
        q = f"<blockquote>{esc(doc.text[start:end])}</blockquote>"
        for s in doc.sentences:
            if s.start == start and s.translation is not None:
                q += f"<div class='evtr'>translation: {esc(s.translation)}</div>"
        quotes.append(q)
    return head + "".join(quotes)


def render_summary(report: Report, n_inputs: int, done: bool) -> str:
    summary = report.summary
    if not summary.sentences:
        if done:
            return "<div class='empty'>No summary (the summary stage was off or produced nothing).</div>"
        return "<div class='empty'>The summary appears here when the last stage finishes.</div>"
    ids = {d.id: i for i, d, _ in _input_rows(report, n_inputs) if d is not None}

    def chips(s) -> str:
        return "".join(
            f"<details class='chip'><summary title='show the evidence in article {ids.get(d, esc(d))}'>"
            f"{ids.get(d, esc(d))}</summary><div class='evidence'>{_evidence_html(report, d, s.evidence, ids.get(d, d))}"
            "</div></details>" for d in s.sources)

    # the headline above the roundup, as a wire story prints it; still cited
    heads = [s for s in summary.sentences if s.note == "headline"]
    head = "".join(f"<div class='headline'><span class='stext'>{esc(s.text.rstrip('.'))}</span> "
                   f"<span class='chips'>{chips(s)}</span></div>" for s in heads)
    items = []
    for s in summary.sentences:
        if s.note == "headline":
            continue
        note = f" <span class='muted'>({esc(s.note)})</span>" if s.note else ""
        items.append(f"<li><span class='stext'>{esc(s.text)}</span>{note} <span class='chips'>{chips(s)}</span></li>")
    meta = f"language {esc(summary.language)}" + (f" · {esc(summary.method)}" if summary.method else "")
    # the stage's working notes (what was checked, dropped, added) fold away under the
    # roundup: a reader wants the summary first; a dozen notes had pushed it off screen
    notes = ""
    if summary.notes:
        notes = (f"<details class='notes'><summary>How this summary was made ({len(summary.notes)} "
                 f"note{'s' if len(summary.notes) != 1 else ''})</summary>"
                 + "".join(f"<div class='note'>{esc(n)}</div>" for n in summary.notes) + "</details>")
    return (f"<div class='summary'><div class='meta'>{meta} · click a number to see the sentence it comes from"
            f"</div>{head}<ol>{''.join(items)}</ol>{notes}</div>")


def render_overview(report: Report, n_inputs: int) -> str:
    rows = []
    for i, doc, err in _input_rows(report, n_inputs):
        if doc is None:
            rows.append(f"<tr class='error'><td>{i}</td><td colspan='8'>✘ {esc(err.get('input'))}: "
                        f"{esc(err.get('error'))}</td></tr>")
            continue
        bars = "".join(
            f"<span class='bar {band(s.score)}{' flag' if s.flagged else ''}' "
            f"style='height:{max(2, round(s.score * 28))}px' title='sentence {k}: {s.score:.2f}'></span>"
            for k, s in enumerate(doc.sentences, 1))
        rows.append(
            f"<tr><td><span class='num'>{i}</span></td><td>{esc(doc.source or '')}</td>"
            f"<td>{esc(doc.title or '')}</td><td>{esc(doc.language or '?')}</td><td class='nw'>{esc(doc.date or '–')}</td>"
            f"<td>{len(doc.sentences)}</td><td>{sum(s.flagged for s in doc.sentences)}</td>"
            f"<td>{sum(1 for s in doc.sentences if s.repair and s.repair.applied)}</td>"
            f"<td><div class='bars'>{bars}</div></td></tr>")
    if not rows:
        return "<div class='empty'>No articles yet.</div>"
    timings = " · ".join(f"{esc(k)} {v:.1f}s" for k, v in report.timings.items())
    machine = report.settings.get("machine")
    if timings and isinstance(machine, dict):
        timings += f" (on {esc(describe(machine))})"
    if timings and cached_replies(report):
        timings += f"; {esc(cached_replies(report))}"
    return ("<table class='overview'><thead><tr><th>#</th><th>outlet</th><th>title</th><th>lang</th><th>date</th>"
            "<th>sentences</th><th>flagged</th><th>repaired</th><th>scores by sentence</th></tr></thead><tbody>"
            + "".join(rows) + f"</tbody></table><div class='muted'>{timings}</div>")


def render_status(state: dict[str, Any]) -> str:
    """Stage chips: done (with seconds), running, waiting."""
    chips = []
    for name in state["stages"]:
        if name in state["done"]:
            chips.append(f"<span class='stage done'>✔ {name} <small>{state['done'][name]:.1f}s</small></span>")
        elif name == state.get("current"):
            detail = state.get("detail") or ""
            chips.append(f"<span class='stage run'>⟳ {name} <small>{esc(detail)}</small></span>")
        else:
            chips.append(f"<span class='stage wait'>{name}</span>")
    msg = state.get("message")
    cls = state.get("level", "info")
    return (f"<div class='status'>{''.join(chips)}</div>"
            + (f"<div class='msg {cls}'>{esc(msg)}</div>" if msg else ""))


# --- running ------------------------------------------------------------------------

_HUBS: dict[tuple, ModelHub] = {}
_HUBS_LOCK = threading.Lock()
_MODEL_FIELDS = ("generator_backend", "generator_model", "generator_url", "scorer_model", "scorer_backend",
                 "scorer_precision", "torch_dtype", "translation_model", "generator_translation", "threads",
                 "context_size", "allow_hub", "home")


def shared_hub(config: Config) -> ModelHub:
    """One ModelHub per model configuration, shared by every run in this process.

    Models load once (the generator is seconds to load and hundreds of MB); the
    generators serialise their own calls with a lock, so concurrent runs are safe."""
    key = tuple(str(getattr(config, f)) for f in _MODEL_FIELDS)
    with _HUBS_LOCK:
        if key not in _HUBS:
            _HUBS[key] = ModelHub(config)
        return _HUBS[key]


def make_pipeline(config: Config) -> Pipeline:
    pipe = Pipeline(config)
    # per-run context (progress, cancel, entities), shared models
    pipe.context = Context(config=config, models=shared_hub(config))
    return pipe


@dataclass
class Rendered:
    summary: str
    overview: str
    articles: str
    repairs: str


def render_all(report: Report, n_inputs: int, threshold: float, done: bool) -> Rendered:
    return Rendered(render_summary(report, n_inputs, done), render_overview(report, n_inputs),
                    render_articles(report, n_inputs, threshold), render_repairs(report, n_inputs))


def write_downloads(report: Report) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="summarizer-report-"))
    json_path, md_path = folder / "report.json", folder / "report.md"
    json_path.write_text(report.to_json(), encoding="utf-8")
    try:
        md_path.write_text(report.to_markdown(), encoding="utf-8")
    except Exception as exc:  # the Markdown renderer must not cost the user the JSON
        md_path.write_text(f"# Report\n\nMarkdown rendering failed: {exc}\n", encoding="utf-8")
    return str(json_path), str(md_path)


def settings_to_config(base: Config, settings: dict[str, Any]) -> Config:
    allowed = {"target_lang", "summary_lang", "threshold", "generator_backend", "generator_model",
               "summary_words", "repair", "summary"}
    changes = {k: v for k, v in settings.items() if k in allowed and v is not None}
    if "summary_words" in changes:
        changes["summary_words"] = int(changes["summary_words"])
    if "threshold" in changes:
        changes["threshold"] = float(changes["threshold"])
    return base.replace(**changes)


def run_streaming(articles: list[Article], config: Config, cancel: threading.Event):
    """Run the pipeline in a thread; yield ("progress", stage, done, total, msg),
    ("stage", name, Rendered, seconds) and finally ("done", Report) / ("error", msg) /
    ("cancelled", None)."""
    q: queue.Queue = queue.Queue()
    n_inputs = len(articles)

    def on_stage(name: str, report: Report) -> None:
        q.put(("stage", name, render_all(report, n_inputs, config.threshold, done=False),
               report.timings.get(name, 0.0)))

    def progress(stage: str, done: int, total: int, msg: str) -> None:
        q.put(("progress", stage, done, total, msg))

    def work() -> None:
        try:
            report = make_pipeline(config).run(articles, progress=progress, cancel_event=cancel, on_stage=on_stage)
            q.put(("done", report))
        except Cancelled:
            q.put(("cancelled", None))
        except SummarizerError as exc:
            q.put(("error", str(exc)))
        except Exception as exc:  # shown in the page, not swallowed
            q.put(("error", f"{type(exc).__name__}: {exc}"))

    thread = threading.Thread(target=work, name="summarizer-run", daemon=True)
    thread.start()
    while True:
        try:
            item = q.get(timeout=0.25)
        except queue.Empty:
            if cancel.is_set():
                # the worker stops at its next progress check; the page need not wait
                yield ("cancelled", None)
                return
            continue
        yield item
        if item[0] in ("done", "error", "cancelled"):
            return


def articles_from_dicts(items: list[dict[str, Any]]) -> list[Article]:
    keys = {"text", "title", "source", "date", "path", "language", "source_text"}
    return [Article(**{k: v for k, v in item.items() if k in keys and v not in (None, "")}) for item in items]


def run_api(articles: list[dict], settings: dict | None = None, base: Config | None = None) -> dict:
    """The ``/summarize`` endpoint: articles as dicts -> the report as a dict."""
    config = settings_to_config(base or Config.load(), settings or {})
    report = make_pipeline(config).run(articles_from_dicts(articles))
    return report.to_dict()


# --- examples and uploads -------------------------------------------------------------

def load_example_cluster(folder: Path = EXAMPLES_DIR) -> list[dict[str, str]]:
    meta = tomllib.loads((folder / "cluster.toml").read_text(encoding="utf-8"))
    return [{"text": (folder / a["file"]).read_text(encoding="utf-8"), "source": a.get("outlet", ""),
             "date": a.get("date", ""), "title": a.get("title", "")} for a in meta["article"]]


def read_upload(path: str, max_bytes: int) -> tuple[str, str]:
    """(text, error) for a file uploaded into a slot; error is "" when it reads."""
    p = Path(path)
    name = p.name
    size = p.stat().st_size
    if size > max_bytes:
        return "", f"{name} is too large: {size:,} bytes (limit {max_bytes:,})"
    try:
        text, _ = decode_bytes(p.read_bytes(), name)
    except InputError as exc:
        return "", str(exc)
    return text, ""


# --- the page -----------------------------------------------------------------------

CSS = """
.gradio-container {max-width: 1180px !important; margin: auto;}
#hdr h1 {margin-bottom: 0;} #hdr p {margin-top: 4px; color: var(--body-text-color-subdued);}
#slots {display: grid !important; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px;}
#slots > .slot {min-width: 0 !important;}
.slot {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 6px !important;}
.slot-err {color: #b42318; font-size: 0.85em;}
.status {display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0;}
.stage {padding: 3px 10px; border-radius: 999px; font-size: 0.85em; border: 1px solid #d0d5dd; color: #667085;}
.stage.done {background: #ecfdf3; border-color: #75e0a7; color: #067647;}
.stage.run {background: #eff8ff; border-color: #84caff; color: #175cd3; font-weight: 600;}
.msg {margin-top: 6px; padding: 6px 10px; border-radius: 8px; font-size: 0.9em;}
.msg.info {background: #f2f4f7;} .msg.error {background: #fef3f2; color: #b42318;}
.msg.ok {background: #ecfdf3; color: #067647;} .msg.warn {background: #fffaeb; color: #b54708;}
.results .card {border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 14px;
  margin: 10px 0; background: var(--block-background-fill);}
.results .card.error {border-color: #fda29b; background: #fef3f2;}
.results h3 {margin: 2px 0 4px; font-size: 1.05em;}
.num {display: inline-block; min-width: 1.5em; text-align: center; border-radius: 6px; background: #344054;
  color: white; font-size: 0.85em; padding: 0 4px; margin-right: 4px;}
.outlet {font-weight: normal; color: #667085; font-size: 0.9em; margin-left: 6px;}
.meta, .muted {color: #667085; font-size: 0.85em;}
.err {color: #b42318; font-size: 0.9em; margin: 4px 0;} .note {color: #475467; font-size: 0.85em;}
details.notes {margin-top: 8px;} details.notes > summary {cursor: pointer; color: #475467; font-size: 0.9em;}
.doctext {white-space: pre-wrap; line-height: 1.75; margin-top: 6px; font-size: 0.95em;}
.sent {position: relative; border-radius: 3px; padding: 1px 0; cursor: help; outline: none;}
.sent.b1 {background: #fefbe8;} .sent.b2 {background: #fedf89;} .sent.b3 {background: #fda29b;}
.sent.flag {box-shadow: inset 0 -2px 0 #d92d20; font-weight: 500;}
.sent.fixed {box-shadow: inset 0 -2px 0 #12b76a;}
.sent .tip {display: none; position: absolute; left: 0; top: 100%; z-index: 50; min-width: 260px;
  max-width: 460px; white-space: normal; background: #101828; color: #f9fafb; padding: 8px 10px;
  border-radius: 8px; font-size: 0.82em; font-weight: normal; line-height: 1.45;
  box-shadow: 0 6px 18px rgba(16,24,40,.25);}
.sent:hover > .tip, .sent:focus > .tip {display: block;}
.sent .tip, .sent .tip * {color: #f9fafb !important;} .sent .tip .rc {color: #fec84b !important;}
.rc {font-family: ui-monospace, monospace; font-size: 0.85em; background: #f2f4f7; border-radius: 4px;
  padding: 0 4px; color: #344054;}
.tip .rc {background: transparent; padding: 0;}
.dropped {color: #98a2b3; text-decoration: line-through; font-size: 0.9em;}
.dropped .dk {text-decoration: none; display: inline-block; margin-left: 4px; font-size: 0.75em;
  border: 1px solid #d0d5dd; border-radius: 4px; padding: 0 3px;}
.legend {display: flex; flex-wrap: wrap; gap: 8px; align-items: center; font-size: 0.85em;
  padding: 6px 0;}
.legend .sent {padding: 1px 6px; cursor: default;} .legend .hint {color: #667085; font-style: italic;}
.trans summary {cursor: pointer; color: #175cd3; font-size: 0.9em;}
.repair {border-top: 1px dashed #e4e7ec; padding: 6px 0;}
.rhead {font-size: 0.85em; color: #475467; display: flex; gap: 6px; flex-wrap: wrap; align-items: center;}
.ok {color: #067647; font-weight: 600;} .rej {color: #b42318; font-weight: 600;}
.diff {margin: 4px 0; line-height: 1.7;}
.diff del {background: #fee4e2; color: #912018;} .diff ins {background: #d1fadf; color: #05603a;
  text-decoration: none;}
.orig, .new {font-size: 0.9em; padding: 2px 0;} .orig::before {content: "original: "; color: #667085;}
.new::before {content: "rewrite: "; color: #667085;}
.summary ol {padding-left: 1.4em;} .summary li {margin: 6px 0; line-height: 1.6;}
.summary .headline {font-weight: 600; font-size: 1.15em; margin: 8px 0 4px;}
.chips {white-space: nowrap;}
details.chip {display: inline-block; vertical-align: top; margin-left: 2px;}
details.chip > summary {list-style: none; cursor: pointer; display: inline-block; min-width: 1.4em;
  text-align: center; font-size: 0.75em; font-weight: 700; background: #eff8ff; color: #175cd3;
  border: 1px solid #84caff; border-radius: 999px; padding: 0 5px;}
details.chip > summary::-webkit-details-marker {display: none;}
details.chip[open] > summary {background: #175cd3; color: white;}
details.chip .evidence {display: block; white-space: normal; position: absolute; z-index: 40; max-width: 520px;
  background: white; border: 1px solid #84caff; border-radius: 8px; padding: 6px 10px; font-size: 0.85em;
  box-shadow: 0 6px 18px rgba(16,24,40,.15); color: #101828;}
.evidence blockquote {margin: 4px 0; padding-left: 8px; border-left: 3px solid #84caff;}
.evsrc {font-weight: 600;} .evtr {color: #475467; font-style: italic;}
.chipref {font-size: 0.75em; background: #eff8ff; color: #175cd3; border-radius: 999px; padding: 0 5px;}
table.overview {width: 100%; border-collapse: collapse; font-size: 0.9em;}
table.overview th, table.overview td {border: none !important; border-bottom: 1px solid #e4e7ec !important;
  padding: 4px 6px; text-align: left; vertical-align: middle;}
table.overview td.nw {white-space: nowrap;} table.overview {border: none !important;}
table.overview tr.error td {color: #b42318;}
.bars {display: flex; align-items: flex-end; gap: 1px; height: 30px;}
.bar {display: inline-block; width: 6px; background: #d0d5dd; border-radius: 1px;}
.bar.b1 {background: #fdb022;} .bar.b2 {background: #f79009;} .bar.b3 {background: #f04438;}
.bar.flag {outline: 1px solid #912018;}
.empty {color: #98a2b3; font-style: italic; padding: 8px 0;}
"""


def _theme():
    import gradio as gr

    # system fonts only: the default theme would fetch Google Fonts from the internet
    sans = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=sans, font_mono=mono)


def build_app(base_config: Config | None = None, concurrency: int | None = None):
    """The Gradio Blocks app. ``concurrency`` bounds simultaneous pipeline runs (page and
    API share one limit); default from $SUMMARIZER_WEB_CONCURRENCY or 2."""
    import gradio as gr

    base = base_config or Config.load()
    limit = concurrency or int(os.environ.get("SUMMARIZER_WEB_CONCURRENCY", "2"))
    cancels: dict[str, threading.Event] = {}

    with gr.Blocks(title="News repair and merged summary", analytics_enabled=False) as demo:
        gr.Markdown("# News repair and merged summary\nPaste several articles about one story (any of "
                    f"{', '.join(SUPPORTED_LANGUAGES)}; articles in other languages "
                    "are translated by the generator). The page flags badly machine-translated sentences, "
                    "rewrites them, and writes one neutral summary in which every sentence cites its sources.",
                    elem_id="hdr")
        n_visible = gr.State(INITIAL_SLOTS)
        slots = []
        with gr.Row(equal_height=False, elem_id="slots"):
            for k in range(MAX_SLOTS):
                with gr.Column(visible=k < INITIAL_SLOTS, min_width=330, elem_classes=["slot"],
                               elem_id=f"slot-{k + 1}") as col:
                    text = gr.Textbox(label=f"Article {k + 1}", lines=7, max_lines=14,
                                      placeholder="Paste the article text (plain text, Markdown or HTML)",
                                      elem_id=f"text-{k + 1}")
                    title = gr.Textbox(label="Title", placeholder="optional (else the first line if it is a headline)",
                                       elem_id=f"title-{k + 1}")
                    with gr.Row():
                        outlet = gr.Textbox(label="Outlet", placeholder="optional", min_width=120,
                                            elem_id=f"outlet-{k + 1}")
                        date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD", min_width=120,
                                          elem_id=f"date-{k + 1}")
                    with gr.Row():
                        upload = gr.UploadButton("Upload .txt / .md / .html", file_types=UPLOAD_TYPES,
                                                 file_count="single", size="sm", variant="secondary")
                        note = gr.HTML("", elem_classes=["slot-err"])
                    # the article in its original language, when this one is a translation:
                    # detection and repair then read each sentence against its source
                    with gr.Accordion("Original (if this article is a translation)", open=False):
                        original = gr.Textbox(show_label=False, lines=4, max_lines=10, elem_id=f"original-{k + 1}",
                                              placeholder="optional: the article in its original language, for "
                                                          "bilingual checks of the translation")
                slots.append({"col": col, "text": text, "title": title, "outlet": outlet, "date": date,
                              "original": original, "upload": upload, "note": note})
        with gr.Row():
            add_btn = gr.Button("+ Add article", size="sm", elem_id="add-article")
            example_btn = gr.Button("Load example", size="sm", elem_id="load-example")
            clear_btn = gr.Button("Clear", size="sm")
        with gr.Accordion("More articles as files", open=False):
            files = gr.File(label="Articles (.txt, .md, .html); each file is one more article",
                            file_count="multiple", file_types=UPLOAD_TYPES, type="filepath")
        with gr.Accordion("Settings", open=False, elem_id="settings"):
            with gr.Row():
                langs = list(SUPPORTED_LANGUAGES)
                target = gr.Dropdown(langs, value=base.target_lang, label="Target language (analysis)")
                summary_lang = gr.Dropdown([("same as target", "")] + [(x, x) for x in langs],
                                           value=base.summary_lang, label="Summary language")
                threshold = gr.Slider(0.05, 0.95, value=base.threshold, step=0.05,
                                      label="Flag threshold (badness score)")
                words = gr.Slider(40, 400, value=base.summary_words, step=10, label="Summary length (words)")
            with gr.Row():
                # "openai" needs generator_url, set where the app is started (TOML or
                # SUMMARIZER_GENERATOR_URL), not on the page: a page that lets any visitor
                # point the app at an address would let them make it call any host
                backend = gr.Dropdown(["auto", "llamacpp", "transformers", "openai"], value=base.generator_backend,
                                      label="Generator backend")
                model = gr.Dropdown(["qwen", "smollm2"], value=base.generator_model, allow_custom_value=True,
                                    label="Generator model (qwen, smollm2, a .gguf path or a HF id)")
                do_repair = gr.Checkbox(value=base.repair, label="Repair flagged sentences")
                do_summary = gr.Checkbox(value=base.summary, label="Write the summary")
        with gr.Row():
            run_btn = gr.Button("Run", variant="primary", elem_id="run", scale=3)
            cancel_btn = gr.Button("Cancel", variant="stop", elem_id="cancel", scale=1)
        status = gr.HTML(render_status({"stages": STAGES, "done": {}, "message": "Ready."}), elem_id="status")
        with gr.Column(elem_classes=["results"]):
            gr.Markdown("## Summary")
            summary_html = gr.HTML("<div class='empty'>Run to see the merged summary.</div>", elem_id="summary",
                                   js_on_load=None)
            gr.Markdown("## Overview")
            overview_html = gr.HTML("", elem_id="overview", js_on_load=None)
            gr.Markdown("## Articles")
            articles_html = gr.HTML("", elem_id="articles", js_on_load=None)
            gr.Markdown("## Repairs")
            repairs_html = gr.HTML("", elem_id="repairs", js_on_load=None)
            with gr.Row():
                json_file = gr.File(label="JSON report", elem_id="json-download", interactive=False)
                md_file = gr.File(label="Markdown report", elem_id="md-download", interactive=False)

        slot_fields = [c for s in slots for c in (s["text"], s["title"], s["outlet"], s["date"], s["original"])]
        per_slot = len(slot_fields) // MAX_SLOTS
        settings_inputs = [target, summary_lang, threshold, words, backend, model, do_repair, do_summary]

        # --- slots ---------------------------------------------------------------
        def add_slot(n):
            n = min(MAX_SLOTS, n + 1)
            return [n] + [gr.update(visible=k < n) for k in range(MAX_SLOTS)]

        add_btn.click(add_slot, n_visible, [n_visible] + [s["col"] for s in slots], api_visibility="private")

        def load_example():
            cluster = load_example_cluster()[:MAX_SLOTS]
            n = max(INITIAL_SLOTS, len(cluster))
            values = []
            for k in range(MAX_SLOTS):
                a = cluster[k] if k < len(cluster) else {}
                values += [a.get("text", ""), a.get("title", ""), a.get("source", ""), a.get("date", ""),
                           a.get("source_text", "")]
            return [n] + [gr.update(visible=k < n) for k in range(MAX_SLOTS)] + values

        example_btn.click(load_example, None, [n_visible] + [s["col"] for s in slots] + slot_fields,
                          api_visibility="private")

        def clear():
            return [INITIAL_SLOTS] + [gr.update(visible=k < INITIAL_SLOTS) for k in range(MAX_SLOTS)] + \
                ["" for _ in slot_fields] + [None]

        clear_btn.click(clear, None, [n_visible] + [s["col"] for s in slots] + slot_fields + [files],
                        api_visibility="private")

        for s in slots:
            def on_upload(path, outlet_value):
                if not path:
                    return gr.update(), gr.update(), ""
                text, error = read_upload(path, base.max_article_bytes)
                if error:
                    return gr.update(), gr.update(), f"✘ {esc(error)}"
                return text, outlet_value or Path(path).name, ""

            s["upload"].upload(on_upload, [s["upload"], s["outlet"]], [s["text"], s["outlet"], s["note"]],
                               api_visibility="private")

        # --- run -----------------------------------------------------------------
        def run(*values, progress=gr.Progress(), request: gr.Request = None):
            fields, rest = values[: len(slot_fields)], values[len(slot_fields):]
            extra_files, settings = rest[0], rest[1:]
            articles = []
            for k in range(MAX_SLOTS):
                text, title, outlet, date, original = fields[per_slot * k: per_slot * (k + 1)]
                # an original alone is still an article: its missing text is an input error
                # shown next to it, not a paste silently dropped
                if (text or "").strip() or (title or "").strip() or (original or "").strip():
                    articles.append(Article(text=text or "", title=(title or "").strip() or None,
                                            source=(outlet or "").strip() or None, date=(date or "").strip() or None,
                                            source_text=original if (original or "").strip() else None))
            for path in extra_files or []:
                articles.append(Article(path=path, source=Path(path).name))
            keys = ["target_lang", "summary_lang", "threshold", "summary_words", "generator_backend",
                    "generator_model", "repair", "summary"]
            state = {"stages": [s for s in STAGES], "done": {}, "current": None, "message": ""}
            empty = ("", "", "", "", None, None)
            if not articles:
                state.update(message="Paste at least one article (or press “Load example”).", level="error")
                yield (render_status(state),) + empty
                return
            try:
                config = settings_to_config(base, dict(zip(keys, settings)))
            except (TypeError, ValueError) as exc:
                state.update(message=f"Settings: {exc}", level="error")
                yield (render_status(state),) + empty
                return
            if not config.repair:
                state["stages"].remove("repair")
            if not config.summary:
                state["stages"].remove("align")
                state["stages"].remove("summarize")
            cancel = threading.Event()
            session = getattr(request, "session_hash", None) or "default"
            cancels[session] = cancel
            started = time.perf_counter()
            rendered = Rendered("<div class='empty'>The summary appears here when the last stage finishes.</div>",
                                "", "", "")
            state.update(message=f"Running on {len(articles)} article(s)…", level="info", current="ingest")
            yield (render_status(state), rendered.summary, rendered.overview, rendered.articles,
                   rendered.repairs, None, None)
            n_stages = len(state["stages"])
            try:
                for item in run_streaming(articles, config, cancel):
                    kind = item[0]
                    if kind == "progress":
                        _, stage, done, total, msg = item
                        if stage in state["stages"]:
                            idx = state["stages"].index(stage)
                            frac = (idx + (done / total if total else 0)) / n_stages
                            progress(min(frac, 0.999), desc=f"{stage} {done}/{total} {msg}".strip())
                            state.update(current=stage, detail=f"{done}/{total}" if total > 1 else "")
                        yield (render_status(state), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip())
                    elif kind == "stage":
                        _, name, rendered, seconds = item
                        state["done"][name] = seconds
                        state.update(current=None, detail="")
                        yield (render_status(state), rendered.summary, rendered.overview, rendered.articles,
                               rendered.repairs, gr.skip(), gr.skip())
                    elif kind == "done":
                        report: Report = item[1]
                        final = render_all(report, len(articles), config.threshold, done=True)
                        json_path, md_path = write_downloads(report)
                        n_err = len(report.errors) + sum(bool(d.errors) for d in report.documents)
                        state.update(current=None, level="warn" if n_err else "ok",
                                     message=f"Done in {time.perf_counter() - started:.1f}s"
                                     + (f" · {n_err} article(s) with problems (shown next to them)" if n_err else ""))
                        yield (render_status(state), final.summary, final.overview, final.articles,
                               final.repairs, json_path, md_path)
                    elif kind == "cancelled":
                        state.update(current=None, level="warn",
                                     message="Cancelled. Results of the finished stages are kept above.")
                        yield (render_status(state), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                               gr.skip())
                    elif kind == "error":
                        state.update(current=None, level="error", message=f"The run failed: {item[1]}")
                        yield (render_status(state), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(),
                               gr.skip())
            finally:
                cancel.set()  # a closed page or a finished run stops the worker
                if cancels.get(session) is cancel:
                    del cancels[session]

        outputs = [status, summary_html, overview_html, articles_html, repairs_html, json_file, md_file]
        run_btn.click(run, slot_fields + [files] + settings_inputs, outputs, api_name="run",
                      concurrency_limit=limit, concurrency_id="pipeline", show_progress="minimal",
                      show_progress_on=[status])

        def cancel_run(request: gr.Request = None):
            event = cancels.get(getattr(request, "session_hash", None) or "default")
            if event is not None:
                event.set()

        cancel_btn.click(cancel_run, None, None, queue=False, api_visibility="private")

        def summarize(articles: list[dict], settings: dict | None = None) -> str:
            """Run the pipeline on articles ([{"text", "title", "source", "date", "source_text"}, ...]; source_text:
            the article's original when it is a translation) with optional
            settings (target_lang, summary_lang, threshold, summary_words, generator_backend,
            generator_model, repair, summary); returns the report as a JSON string."""
            # a string, not a dict: clients would take the report's model "path" entries for
            # files to download
            return json.dumps(run_api(articles, settings, base), ensure_ascii=False)

        gr.api(summarize, api_name="summarize", concurrency_limit=limit, concurrency_id="pipeline")
    demo.queue(default_concurrency_limit=limit)
    return demo


def launch(host: str = "127.0.0.1", port: int = 7860, auth: tuple[str, str] | None = None,
           config: Config | None = None, concurrency: int | None = None) -> None:
    demo = build_app(config, concurrency)
    # models load while the page starts, so the first run does not wait for them
    threading.Thread(target=shared_hub(config or Config.load()).warm_up, daemon=True, name="warm-up").start()
    demo.launch(server_name=host, server_port=port, auth=auth, theme=_theme(), css=CSS, ssr_mode=False,
                share=False, show_error=True, footer_links=[])
