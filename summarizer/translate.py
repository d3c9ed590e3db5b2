"""Translation stage: sentences not in the target language get a translation.

The original sentence stays where it is (offsets into the original text); the
translation goes to ``Sentence.translation`` with the backend that made it, so the
pair (source sentence, translation) is available to bilingual detection. A pair that
no backend covers is reported on the document, never passed off as translated.
"""

from __future__ import annotations

from collections import defaultdict

from .context import Context
from .document import Document


def run(docs: list[Document], ctx: Context) -> None:
    target = ctx.config.target_lang
    plan: list[tuple[Document, str, list]] = []
    for doc in docs:
        by_lang: dict[str, list] = defaultdict(list)
        for sent in doc.sentences:
            if sent.language and sent.language != target:
                by_lang[sent.language].append(sent)
        plan += [(doc, lang, sentences) for lang, sentences in by_lang.items()]
    total = sum(len(sentences) for _, _, sentences in plan)
    done = 0
    for doc, lang, sentences in plan:
        translator = ctx.models.translators.for_pair(lang, target)
        if translator is None:
            msg = (f"{len(sentences)} sentence(s) in '{lang}' were NOT translated: no translation backend "
                   f"for {lang}->{target} (configure translation_model, or enable generator_translation)")
            doc.errors.append(msg)
            done += len(sentences)
            ctx.report_progress("translate", done, total, doc.id)
            continue
        ctx.models.record_translation(f"{lang}-{target}", translator.name)
        start = done

        def progress(_k: int, doc=doc, lang=lang) -> None:  # sentence by sentence: long articles take minutes
            nonlocal done
            done += 1
            ctx.report_progress("translate", done, total, f"{doc.id} {lang}->{target}")

        outputs = translator.translate([s.text for s in sentences], lang, target, on_done=progress)
        done = start + len(sentences)
        for sent, out in zip(sentences, outputs):
            sent.translation = out
            sent.translation_backend = translator.name
        kind = "the generator as a fallback translator" if translator.kind == "generator" else translator.name
        doc.notes.append(f"{len(sentences)} sentence(s) translated {lang}->{target} by {kind}")
