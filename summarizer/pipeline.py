"""The pipeline: articles in, one ``Report`` out.

ingest -> clean -> segment -> language -> translate -> assess -> repair -> align
-> summarize. Each stage is a function ``run(docs, ctx)`` in its own module that fills
slots of the documents (or of the context); this module only orders them, times them,
and keeps one bad article from stopping the others.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, Sequence

from . import __version__
from .config import Config
from .context import Context, ProgressFn
from .document import Document, Report, Summary
from .errors import InputError
from .ingest import Article, load_article
from .machine import machine_info


class Pipeline:
    """``Pipeline(config).run([Article(...), ...]) -> Report``.

    Keyword overrides are settings (``Pipeline(repair=False, summary=False)``).
    """

    def __init__(self, config: Config | None = None, **overrides: Any):
        self.config = (config or Config.load()).replace(**overrides) if overrides else (config or Config.load())
        self.context = Context.create(self.config)

    # the stage order; each entry is (name, function(docs, ctx), enabled?)
    def stages(self) -> list[tuple[str, Callable[[list[Document], Context], Any], bool]]:
        from . import align, assess, language, repair, segment, summarize, translate

        c = self.config
        return [
            ("segment", segment.run, True),
            ("language", language.run, True),
            ("translate", translate.run, True),
            ("assess", assess.run, True),
            ("repair", repair.run, c.repair),
            ("align", align.run, c.summary),
            ("summarize", summarize.run, c.summary),
        ]

    def run(self, articles: Sequence[Article | str] | Iterable[Article | str], *,
            progress: ProgressFn | None = None, cancel_event=None,
            on_stage: Callable[[str, Report], None] | None = None) -> Report:
        """Run every enabled stage. ``on_stage(name, report)`` is called after each
        stage with the partial report, so a page can show results as they come."""
        ctx = self.context
        ctx.progress, ctx.cancel_event = progress, cancel_event
        ctx.entities, ctx.groups, ctx.notes = [], [], {}
        report = Report(settings=self.config.as_dict())
        # the timings' meaning: seconds differ 2-3x between CPUs (machine.py)
        report.settings["machine"] = machine_info()
        articles = [a if isinstance(a, Article) else Article(text=a) for a in articles]

        start = time.perf_counter()
        if len(articles) > self.config.max_articles:
            report.errors.append({"input": f"articles {self.config.max_articles + 1}-{len(articles)}",
                                  "error": f"too many articles: {len(articles)} given, the limit is "
                                           f"{self.config.max_articles} (setting max_articles); the rest were not run"})
            articles = articles[: self.config.max_articles]
        docs: list[Document] = []
        seen: dict[str, Document] = {}
        for i, article in enumerate(articles, 1):
            try:
                doc = load_article(article, f"d{i}", self.config)
            except InputError as exc:
                report.errors.append({"input": exc.name, "error": exc.problem, "id": f"d{i}"})
            else:
                # the same article given twice (a file dropped in twice, a paste repeated)
                # would count as two sources of every fact it states
                key = " ".join(doc.text.split()).lower()
                if key in seen:
                    first = seen[key]
                    report.errors.append({"input": article.display_name(i), "id": f"d{i}",
                                          "error": f"the same text as {first.id} ({first.source or first.title}): "
                                                   "not run twice, so that one article does not count as two sources"})
                else:
                    seen[key] = doc
                    docs.append(doc)
            ctx.report_progress("ingest", i, len(articles), article.display_name(i))
        report.documents = docs
        report.timings["ingest"] = round(time.perf_counter() - start, 4)
        if on_stage:
            on_stage("ingest", report)
        loading = None
        if self.config.assess_lm and docs:
            # the scorer takes ~5 s to load (mostly importing torch): load it while
            # segmentation and language id run (a loaded model returns at once)
            loading = threading.Thread(target=ctx.models.warm_up, args=(("scorer",),), daemon=True,
                                       name="load-scorer")
            loading.start()
        try:
            return self._run_stages(docs, report, on_stage)
        finally:
            # a scorer still loading when the caller exits dies inside ONNX Runtime's
            # thread setup ("terminate called without an active exception", exit 134:
            # 3 of 30 CLI runs on an empty file had ended before the load did)
            if loading is not None:
                loading.join()

    def _run_stages(self, docs: list[Document], report: Report,
                    on_stage: Callable[[str, Report], None] | None) -> Report:
        ctx = self.context
        replies_before = ctx.models.reply_cache_counts() or (0, 0)
        for name, fn, enabled in self.stages():
            if not enabled or not docs:
                continue
            ctx.report_progress(name, 0, 1, "")
            start = time.perf_counter()
            result = fn(docs, ctx)
            report.timings[name] = round(time.perf_counter() - start, 4)
            if isinstance(result, Summary):
                report.summary = result
            report.entities = ctx.entities
            report.models = self._models_used()
            ctx.report_progress(name, 1, 1, "done")
            if on_stage:
                on_stage(name, report)
        report.models = self._models_used()
        replies = ctx.models.reply_cache_counts()
        if replies is not None:
            cached, generated = (now - before for now, before in zip(replies, replies_before))
            if cached or generated:
                report.models["generator"] = {**report.models.get("generator", {}),
                                              "replies_cached": cached, "replies_generated": generated}
            if cached:
                # seconds of a run served from the cache are no measure of the model's speed
                ctx.note("generator", f"{cached} of {cached + generated} generator replies came from the reply "
                                      "cache: the same requests in an earlier run (setting reply_cache)")
            problem = ctx.models.reply_cache_problem()
            if problem:
                ctx.note("generator", f"the reply cache failed ({problem}); replies are generated and not kept")
        report.timings["total"] = round(sum(v for k, v in report.timings.items() if k != "total"), 4)
        for stage, notes in ctx.notes.items():
            report.settings.setdefault("notes", {})[stage] = notes
        return report

    def _models_used(self) -> dict[str, Any]:
        used = dict(self.context.models.used)
        used["summarizer"] = __version__
        used["generator_setting"] = {"backend": self.config.generator_backend, "model": self.config.generator_model}
        return used
