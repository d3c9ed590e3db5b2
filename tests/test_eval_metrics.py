"""Metric wrappers against small cases computed by hand."""

import math

import numpy as np
import pytest
from scipy import stats

from summarizer.evaluation import metrics as M


def test_bleu_by_hand():
    # 1-4-gram precisions 5/6, 3/5, 2/4, 1/3; equal lengths so no brevity penalty
    expected = 100 * (5 / 6 * 3 / 5 * 2 / 4 * 1 / 3) ** 0.25
    got = M.mt_scores(["the cat sat on the mat"], ["the cat sat on a mat"])
    assert got["bleu"] == pytest.approx(expected, abs=0.01)
    assert got["n"] == 1


def test_identical_text_is_perfect_and_ter_counts_edits():
    same = M.mt_scores(["A short sentence ."], ["A short sentence ."])
    assert same["bleu"] == pytest.approx(100) and same["chrf"] == pytest.approx(100) and same["ter"] == 0
    # one substitution over four reference words
    assert M.mt_scores(["a b c d"], ["a b x d"])["ter"] == pytest.approx(25.0)
    assert M.sentence_ter("a b c d", "a b x d") == pytest.approx(0.25)
    assert M.mt_scores([], [])["bleu"] is None


def test_mt_signatures_come_from_sacrebleu():
    sig = M.mt_signatures()
    assert "tok:13a" in sig["bleu"] and sig["chrf"].startswith("nrefs:1") and "version:" in sig["ter"]


def test_rouge_by_hand():
    r = M.rouge(["the cat sat"], ["the cat ran"])
    assert r["rouge1"] == pytest.approx(100 * 2 / 3, abs=0.01)  # 2 of 3 unigrams each way
    assert r["rouge2"] == pytest.approx(50.0)  # "the cat" of two bigrams each way
    assert r["rougeL"] == pytest.approx(100 * 2 / 3, abs=0.01)


def test_rouge_on_russian_is_not_zero():
    from rouge_score import rouge_scorer

    hyp, ref = "Кот сидел на ковре", "Кот лежал на ковре"
    # the library default drops every non-Latin character: this is why we replace it
    default = rouge_scorer.RougeScorer(["rouge1"]).score(ref, hyp)["rouge1"].fmeasure
    assert default == 0.0
    r = M.rouge([hyp], [ref])
    assert r["rouge1"] == pytest.approx(75.0)  # 3 of 4 words shared
    assert r["rouge2"] == pytest.approx(100 * 1 / 3, abs=0.01)  # "на ковре" of 3 bigrams


def test_unicode_tokenizer_stems_english_only():
    tok = M.UnicodeTokenizer(use_stemmer=True)
    assert tok.tokenize("Running runners, Бегущие!") == ["run", "runner", "бегущие"]


def test_correlation_perfect_and_ci():
    x = [1, 2, 3, 4, 5, 6]
    assert M.correlation(x, [2 * v for v in x])["pearson"] == pytest.approx(1.0)
    assert M.correlation(x, [-v for v in x])["spearman"] == pytest.approx(-1.0)
    sq = M.correlation(x, [v * v for v in x])
    assert sq["spearman"] == pytest.approx(1.0)
    assert sq["pearson"] == pytest.approx(stats.pearsonr(x, [v * v for v in x])[0], abs=1e-4)


def test_correlation_matches_scipy_and_interval_brackets_estimate():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    y = 0.5 * x + rng.normal(size=200)
    c = M.correlation(x, y, n_resamples=500)
    assert c["pearson"] == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-4)
    assert c["spearman"] == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-4)
    for name in ("pearson", "spearman"):
        lo, hi = c[f"{name}_ci"]
        assert lo < c[name] < hi and hi - lo < 0.4


def test_correlation_drops_missing_and_handles_constant():
    c = M.correlation([1, 2, float("nan"), 4], [1, 2, 3, 4])
    assert c["n"] == 3
    const = M.correlation([0.5] * 5, [1, 2, 3, 4, 5])
    assert const["pearson"] is None and const["spearman_ci"] is None


def test_word_tags_and_f1_by_hand():
    assert M.word_tags("OK BAD OK OK OK") == ["BAD", "OK"]  # gap w1 gap w2 gap
    f = M.tag_f1([["BAD", "OK", "OK", "BAD"]], [["BAD", "BAD", "OK", "OK"]])
    # BAD: tp 1, fp 1, fn 1 -> 0.5; OK likewise -> 0.5
    assert f["f1_bad"] == pytest.approx(0.5) and f["f1_ok"] == pytest.approx(0.5)
    assert f["f1_mult"] == pytest.approx(0.25) and f["words"] == 4


def test_spans_map_onto_tokenized_words():
    tokens = ["He", "hadn", "'t", "gone", "."]
    text = "He hadn't gone."
    spans = M.token_char_spans(tokens, text)
    assert spans[2] == (7, 9) and spans[3] == (10, 14)
    assert M.spans_to_word_tags(spans, [[10, 14]]) == ["OK", "OK", "OK", "BAD", "OK"]
    assert M.spans_to_word_tags(spans, [[3, 5]]) == ["OK", "BAD", "OK", "OK", "OK"]


@pytest.mark.parametrize("tok,detok", [
    ("Who would have known if he hadn 't said it himself .", "Who would have known if he hadn't said it himself."),
    ('He said , " it is fine " ( really ) .', 'He said, "it is fine" (really).'),
    ("It costs $ 5 , or 10 % .", "It costs $5, or 10%."),
])
def test_detokenize(tok, detok):
    assert M.detokenize(tok) == detok
    assert M.detokenize(detok) == detok  # idempotent on ordinary text (repair outputs)


def test_detokenize_agrees_with_mlqe_own_detokenization():
    from pathlib import Path

    from summarizer.evaluation.datasets import SHARED_DATA, read_mlqe

    pair = Path(SHARED_DATA) / "mlqe-pe" / "ru-en"
    if not (pair / "dev.mt").is_file():
        pytest.skip("../shared/data not present")
    data = read_mlqe(pair, "dev", limit=300)
    assert data.notes["detok_agreement"] > 0.95
    assert not math.isnan(data.notes["detok_agreement"])


def test_paired_mt_test_finds_a_real_gain_and_none_between_identical_outputs():
    rng = np.random.default_rng(0)
    words = "the council approved a new budget for roads schools and parks on monday".split()
    refs = [" ".join(rng.permutation(words)[:8]) for _ in range(40)]
    worse = [" ".join(r.split()[::-1]) for r in refs]  # every segment scrambled
    better = [r if k % 2 else w for k, (r, w) in enumerate(zip(refs, worse))]  # half fixed
    test = M.paired_mt_test(worse, better, refs)
    assert test["chrf"]["delta"] > 0 and test["bleu"]["delta"] > 0 and test["ter"]["delta"] < 0
    assert test["chrf"]["p_value"] < 0.05 and test["chrf"]["ci95"] > 0
    assert "bs:1000" in test["signature"] and "nrefs:1" in test["signature"]
    same = M.paired_mt_test(worse, list(worse), refs)
    assert same["chrf"]["delta"] == 0 and same["chrf"]["p_value"] == 1.0  # not sacreBLEU's 1/1001 floor
    few = M.paired_mt_test(worse[:3], better[:3], refs[:3])  # too few to resample: the difference only
    assert few["chrf"]["delta"] > 0 and few["chrf"]["p_value"] is None and "signature" not in few
    cased = [w.upper() if k == 0 else w for k, w in enumerate(worse)]  # TER ignores case
    ter = M.paired_mt_test(worse, cased, refs)["ter"]
    assert ter["delta"] == 0 and ter["p_value"] == 1.0


def test_paired_item_test_mean_interval_and_p():
    rng = np.random.default_rng(1)
    base = rng.normal(40, 10, 300)
    clear = M.paired_item_test(base + 2 + rng.normal(0, 1, 300), base)
    assert clear["delta"] == pytest.approx(2, abs=0.3)
    assert clear["ci95"][0] < clear["delta"] < clear["ci95"][1] and clear["ci95"][0] > 0
    assert clear["p_value"] < 0.01
    noise = M.paired_item_test(base + rng.normal(0, 5, 300), base)
    assert noise["ci95"][0] < 0 < noise["ci95"][1] and noise["p_value"] > 0.05
    assert M.paired_item_test(list(base), list(base)) == {"delta": 0.0, "ci95": None, "p_value": 1.0}
    assert M.paired_item_test([3.0, 4.0], [1.0, 1.0]) == {"delta": 2.5, "ci95": None, "p_value": None}
