"""Markdown rendering of a ``Report`` (the CLI's stdout and the page's download)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .machine import describe

if TYPE_CHECKING:  # pragma: no cover
    from .document import Report


def cached_replies(report: "Report") -> str:
    """'12 of 30 generator replies from the reply cache' when any were, else '': the
    run's seconds then do not measure the generator."""
    gen = report.models.get("generator") if isinstance(report.models, dict) else None
    cached = gen.get("replies_cached", 0) if isinstance(gen, dict) else 0
    if not cached:
        return ""
    return f"{cached} of {cached + gen.get('replies_generated', 0)} generator replies from the reply cache"


def _one_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _md_escape(text: str) -> str:
    # keep article text from being read as Markdown/HTML structure
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def report_to_markdown(report: "Report") -> str:
    out: list[str] = ["# News repair report", ""]
    ids = {d.id: i for i, d in enumerate(report.documents, 1)}

    if report.summary.sentences:
        out += [f"## Summary ({report.summary.language}"
                + (f", {report.summary.method}" if report.summary.method else "") + ")", ""]
        for s in report.summary.sentences:
            cites = "".join(f"[{ids.get(d, d)}]" for d in s.sources)
            note = f" _({s.note})_" if s.note else ""
            out.append(f"- {_md_escape(s.text)} {cites}{note}")
        for note in report.summary.notes:
            out.append(f"  - note: {_md_escape(note)}")
        out.append("")

    out += ["## Documents", "",
            "| # | id | title | source | language | date | sentences | flagged | repaired | dropped |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for i, d in enumerate(report.documents, 1):
        flagged = sum(s.flagged for s in d.sentences)
        repaired = sum(1 for s in d.sentences if s.repair and s.repair.applied)
        out.append(f"| {i} | {d.id} | {_md_escape(_one_line(d.title or '', 60))} | {_md_escape(d.source or '')} | "
                   f"{d.language or '?'} | {d.date or '-'} | {len(d.sentences)} | {flagged} | {repaired} | "
                   f"{sum(1 for x in d.dropped if x[2] != 'markup')} |")
    out.append("")

    for err in report.errors:
        out.append(f"- **Input error** {_md_escape(err.get('input', ''))}: {_md_escape(err.get('error', ''))}")
    if report.errors:
        out.append("")

    for i, d in enumerate(report.documents, 1):
        out += [f"### [{i}] {_md_escape(_one_line(d.title or d.source or d.id, 100))}", ""]
        meta = [f"id `{d.id}`", f"language {d.language or '?'}", f"date {d.date or 'unknown'}"]
        if d.source:
            meta.append(f"source {_md_escape(d.source)}")
        out += ["; ".join(meta), ""]
        for msg in d.errors:
            out.append(f"- **problem:** {_md_escape(msg)}")
        for msg in d.notes:
            out.append(f"- note: {_md_escape(msg)}")
        dropped = [(k, d.text[s:e]) for s, e, k in d.dropped if k != "markup"]
        if dropped:
            out.append(f"- dropped ({len(dropped)}): " + "; ".join(
                f"{k}: “{_md_escape(_one_line(t, 50))}”" for k, t in dropped))
        translated = [s for s in d.sentences if s.translation is not None]
        if translated:
            # the reader of a foreign article needs its English, as later stages used it
            # (a repaired sentence in its repaired form)
            backends = sorted({s.translation_backend for s in translated if s.translation_backend})
            out += ["", f"Translation of {len(translated)} of {len(d.sentences)} sentences ({d.language or '?'} -> "
                    f"{report.settings.get('target_lang', 'en')}{', ' + ', '.join(backends) if backends else ''}):",
                    "", "> " + " ".join(_md_escape(s.english) for s in translated)]
        flagged = [s for s in d.sentences if s.flagged]
        if flagged:
            out += ["", "| score | sentence | reasons | repair |", "|---|---|---|---|"]
            for s in flagged:
                reasons = "; ".join(f"{r.code}: {_md_escape(_one_line(r.detail, 70))}" for r in s.reasons)
                if s.repair is None:
                    rep = "—"
                elif s.repair.applied:
                    rep = "✔ " + _md_escape(_one_line(s.repair.text, 200))
                    if s.repair.partial:
                        rep += f" ({_md_escape(s.repair.partial)})"
                    if s.repair.rescored:
                        rep += " (detection {:.2f} → {:.2f}{})".format(
                            *s.repair.rescored, ", still flagged: kept out of the summary" if s.repair.still_flagged else "")
                else:
                    rep = f"✘ not applied ({_md_escape(s.repair.guard)})"
                shown = _md_escape(_one_line(s.text, 200))
                if s.translation is not None:  # detection and repair worked on the translation
                    shown += f" (translation: {_md_escape(_one_line(s.translation, 200))})"
                elif s.source_text:  # the user's original: what the translation was checked against
                    shown += f" (original: {_md_escape(_one_line(s.source_text, 200))})"
                out.append(f"| {s.score:.2f} | {shown} | {reasons} | {rep} |")
        name_fixes = [s for s in d.sentences if not s.flagged and s.repair and s.repair.applied]
        if name_fixes:
            out.append(f"- {len(name_fixes)} other sentence(s) changed only to canonical name spellings")
        out.append("")

    if report.entities:
        out += ["## Names", ""]
        for e in report.entities:
            variants = ", ".join(f"“{v}” ({doc})" for v, doc in e.variants)
            out.append(f"- **{_md_escape(e.canonical)}** ← {_md_escape(variants)}")
        out.append("")

    if report.timings:
        out += ["## Timings (seconds)", "", " | ".join(f"{k} {v:.2f}" for k, v in report.timings.items()), ""]
        machine = report.settings.get("machine")
        if isinstance(machine, dict):
            out += [f"Measured on {_md_escape(describe(machine))}.", ""]
        if cached_replies(report):
            out += [cached_replies(report).capitalize() + " (the same requests in an earlier run).", ""]
    if report.models:
        out += ["## Models", ""]
        for role, info in report.models.items():
            if isinstance(info, dict):
                desc = ", ".join(f"{k}={v}" for k, v in info.items() if k in ("name", "backend", "version") or
                                 (role == "translation"))
            else:
                desc = str(info)
            out.append(f"- {role}: {_md_escape(desc)}")
        out.append("")
    return "\n".join(out)
