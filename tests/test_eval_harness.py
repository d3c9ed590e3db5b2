"""The harness around the stages: signatures, per-item cache and resume, CLI, baselines.

The detection and repair stages are replaced by small fakes here (these tests are about
the logic around them); the LexRank baseline runs on the real embedder.
"""

import json
from types import SimpleNamespace

import pytest

from summarizer.config import Config
from summarizer.context import Context
from summarizer.evaluation import cli as eval_cli
from summarizer.evaluation.baselines import cut_words, lead, length_quality, lexrank
from summarizer.evaluation.cache import ItemCache
from summarizer.evaluation.datasets import read_mlqe, read_neus
from summarizer.evaluation.qe import evaluate_qe
from summarizer.evaluation.repair import evaluate_repair, format_repair
from summarizer.evaluation.summarize import evaluate_summarize
from tests.test_eval_datasets import write_mlqe

SIGNATURE_KEYS = {"task", "data", "split", "n", "mode", "models", "settings", "summarizer", "date", "string",
                  "system", "libraries", "machine"}


class FakeAssessor:
    """Badness = share of words not in a small vocabulary; bad span = the first such word."""

    vocab = {"the", "cat", "he", "said", "yes"}

    def __init__(self, fail_after=None):
        self.calls = 0
        self.fail_after = fail_after

    def score_segments(self, mt, src=None, src_lang=None):
        self.calls += len(mt)
        if self.fail_after is not None and self.calls > self.fail_after:
            raise KeyboardInterrupt("simulated interruption")
        out = []
        for text in mt:
            words = text.rstrip(".").replace(",", "").split()
            unknown = [w for w in words if w.lower() not in self.vocab]
            span = []
            if unknown:
                i = text.find(unknown[0])
                span = [[i, i + len(unknown[0])]]
            out.append(SimpleNamespace(score=len(unknown) / max(1, len(words)), bad_spans=span,
                                       reasons=[SimpleNamespace(code="unknown_word")]))
        return out


class FakeRepairer:
    def repair_segments(self, mt, src=None, src_lang=None, assessments=None):
        out = []
        for text, a in zip(mt, assessments):
            flagged = a.score >= 0.3
            fixed = text.replace("sleeps", "is sleeping")
            out.append(SimpleNamespace(output=fixed if flagged else text, flagged=flagged, applied=flagged,
                                       guard="ok" if flagged else "not flagged"))
        return out


@pytest.fixture(scope="module")
def ctx():
    return Context.create(Config.load())


def test_qe_result_has_signature_items_baselines_and_word_f1(tmp_path, ctx):
    data = read_mlqe(write_mlqe(tmp_path / "ru-en"), "dev")
    res = evaluate_qe(data, ctx, mode="bilingual", cache_dir=tmp_path / "cache", assessor=FakeAssessor(),
                      progress=False)
    sig = res["signature"]
    assert SIGNATURE_KEYS <= set(sig)
    assert (sig["task"], sig["data"], sig["split"], sig["n"], sig["mode"]) == ("qe", "ru-en", "dev", 3, "bilingual")
    assert sig["string"].startswith("task:qe|data:ru-en|split:dev|n:3|mode:bilingual")
    assert "13a" in sig["settings"]["tokenization"]
    assert [i["index"] for i in res["items"]] == [0, 1, 2]
    # "The cat sleeps." -> 1 of 3 words unknown
    assert res["items"][0]["quality"] == pytest.approx(1 - 1 / 3, abs=1e-6)
    systems = {(r["system"], r["against"]) for r in res["table"]}
    assert ("glass-box (MT model log-prob)", "z_mean") in systems and ("length (-tokens)", "-hter") in systems
    # the fake marks "sleeps" (gold BAD) and "didn't" = tokens "didn" "'t" (gold OK) as bad;
    # gold BAD "cat" is missed: tp 1, fp 2, fn 1 -> P 1/3, R 1/2, F1 0.4
    w = res["word_level"]["summarizer"]
    assert w["f1_bad"] == pytest.approx(0.4) and w["words"] == 14


def test_cache_resumes_interrupted_run_and_rescoring_needs_no_stage(tmp_path, ctx):
    data = read_mlqe(write_mlqe(tmp_path / "ru-en"), "dev")
    cache_dir = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        evaluate_qe(data, ctx, cache_dir=cache_dir, assessor=FakeAssessor(fail_after=1), batch_size=1,
                    progress=False)
    files = list(cache_dir.glob("qe-ru-en-dev-bilingual-*.jsonl"))
    assert len(files) == 1
    assert len(ItemCache(files[0]).items) == 1  # the first item survived the interruption
    resumed = FakeAssessor()
    res = evaluate_qe(data, ctx, cache_dir=cache_dir, assessor=resumed, batch_size=1, progress=False)
    assert resumed.calls == 2  # only the two missing items were computed
    assert res["timing"]["items_cached"] == 1
    never = FakeAssessor(fail_after=0)  # would raise if called
    again = evaluate_qe(data, ctx, cache_dir=cache_dir, assessor=never, progress=False)
    assert never.calls == 0 and again["items"] == res["items"]


def test_cache_ignores_torn_line_and_changed_input(tmp_path):
    path = tmp_path / "c.jsonl"
    c = ItemCache(path)
    c.put(0, "k0", {"quality": 0.5})
    c.put_models({"scorer": {"name": "x"}})
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"index": 1, "key": "k1", "qual')  # killed mid-write
    reread = ItemCache(path)
    assert reread.get(0, "k0")["quality"] == 0.5 and reread.get(1, "k1") is None
    assert reread.get(0, "other-input") is None  # input changed: recompute
    assert reread.models == {"scorer": {"name": "x"}}


def test_repair_counts_and_do_nothing_baseline(tmp_path, ctx):
    data = read_mlqe(write_mlqe(tmp_path / "ru-en"), "dev")
    res = evaluate_repair(data, ctx, cache_dir=None, assessor=FakeAssessor(), repairer=FakeRepairer(),
                          progress=False)
    c = res["counts"]
    assert c["segments"] == 3 and c["changed"] == 1 and c["rejected_by_guard"] == 0
    assert res["items"][0]["output"] == "The cat is sleeping."
    changed = res["scores"]["changed"]
    assert changed["summarizer"]["n"] == 1 and changed["summarizer"]["bleu"] == pytest.approx(100.0)
    assert changed["do-nothing"]["bleu"] < 100
    assert set(res["signature"]["metrics"]) == {"bleu", "chrf", "ter", "significance"}
    sig = res["significance"]
    assert sig["all"]["chrf"]["delta"] > 0 and sig["all"]["ter"]["delta"] < 0  # the one fix helps
    assert sig["all"]["chrf"]["p_value"] is None  # three segments: too few to resample
    assert "summarizer minus do-nothing" in format_repair(res)


def test_cli_qe_writes_json_and_plot(tmp_path, monkeypatch):
    import summarizer.assess

    monkeypatch.setattr(summarizer.assess, "Assessor", lambda ctx: FakeAssessor(), raising=False)
    d = write_mlqe(tmp_path / "ru-en")
    out = tmp_path / "res" / "qe.json"
    rc = eval_cli.main(["qe", "--data", str(d), "--split", "dev", "--mode", "target", "--limit", "2",
                        "--json", str(out), "--cache-dir", str(tmp_path / "cache"), "--quiet"])
    assert rc == 0
    res = json.loads(out.read_text())
    assert res["signature"]["n"] == 2 and res["signature"]["mode"] == "target" and len(res["items"]) == 2
    assert out.with_suffix(".png").stat().st_size > 1000
    assert eval_cli.main(["qe", "--data", str(tmp_path / "missing"), "--quiet", "--no-cache"]) == 2


def test_full_dev_table_reads_every_pair_and_mode(tmp_path, monkeypatch):
    """eval/qe_dev_table.py: one row a pair from `eval qe --json` results of both modes."""
    import importlib.util
    from pathlib import Path

    import summarizer.assess

    monkeypatch.setattr(summarizer.assess, "Assessor", lambda ctx: FakeAssessor(), raising=False)
    d = write_mlqe(tmp_path / "ru-en")
    for mode in ("bilingual", "target"):
        assert eval_cli.main(["qe", "--data", str(d), "--split", "dev", "--mode", mode, "--json",
                              str(tmp_path / "res" / f"qe-ru-en-{mode}.json"), "--no-cache", "--quiet"]) == 0
    path = Path(__file__).resolve().parents[1] / "eval" / "qe_dev_table.py"
    spec = importlib.util.spec_from_file_location("qe_dev_table", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "table.md"
    monkeypatch.setattr("sys.argv", ["qe_dev_table.py", str(tmp_path / "res"), "--out", str(out)])
    mod.main()
    text = out.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| ru-en |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "3" and cells[2] != "–" and cells[3] != "–"  # n, bilingual r, target-only r
    assert text.count("task:qe|data:ru-en") == 2 and "mode:target" in text and "mode:bilingual" in text


def test_cli_jsonl_format(tmp_path, monkeypatch):
    import summarizer.assess

    monkeypatch.setattr(summarizer.assess, "Assessor", lambda ctx: FakeAssessor(), raising=False)
    f = tmp_path / "mine.jsonl"
    f.write_text("\n".join(json.dumps({"src": "x", "mt": m, "ref": r, "score": s}) for m, r, s in [
        ("the cat", "the cat", 1.0), ("the dog barks", "the dog", 0.2), ("yes", "yes", 0.9),
        ("he flew away", "he left", -0.5)]) + "\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert eval_cli.main(["qe", "--format", "jsonl", "--data", str(f), "--json", str(out), "--no-cache",
                          "--quiet"]) == 0
    rows = json.loads(out.read_text())["table"]
    mine = next(r for r in rows if r["system"] == "summarizer" and r["against"] == "z_mean")
    assert mine["n"] == 4 and mine["pearson"] > 0.5


def test_lead_and_budget():
    docs = [{"title": "T1", "text": "A one. A two."}, {"title": "T2", "text": "B one. B two."}]
    assert lead(docs, 4) == "T1 T2 A one."
    assert cut_words(["a b c", "d e"], 4) == "a b c d"
    assert length_quality("a b c") == -3.0


def test_lexrank_prefers_central_sentences_real_embedder(ctx):
    docs = [{"title": None, "text": "The central bank raised interest rates by half a point. "
                                    "My cousin likes painting birds."},
            {"title": None, "text": "Interest rates went up by 0.5 points at the central bank."},
            {"title": None, "text": "The bank lifted its key interest rate half a percentage point."}]
    first = lexrank(docs, 10, ctx.models.embedder)
    assert "interest rate" in first.lower() and "cousin" not in first


def test_summarize_eval_with_fake_system(tmp_path, ctx):
    (tmp_path / "val.source").write_text(
        "TITLE=> Rates rise. ARTICLE=> The central bank raised rates. Markets fell. [SEP] "
        "TITLE=> Bank hikes. ARTICLE=> Rates went up at the bank. [SEP] TITLE=> Hike. ARTICLE=> A hike came.\n",
        encoding="utf-8")
    (tmp_path / "val.target").write_text("TITLE=> Central Bank Raises Rates. ARTICLE=> The central bank raised "
                                         "rates and markets fell.\n", encoding="utf-8")
    data = read_neus(tmp_path, "val")
    res = evaluate_summarize(data, ctx.config, cache_dir=tmp_path / "cache", progress=False,
                             summarize_fn=lambda docs: "TITLE=> The central bank raised rates.",
                             embedder=ctx.models.embedder)
    assert set(res["scores"]) == {"summarizer", "lead", "lexrank", "lead-fixed", "lexrank-fixed",
                                  "lead-matched", "lexrank-matched"}
    assert res["scores"]["summarizer"]["rouge1"] > 50  # markers stripped before scoring
    assert res["signature"]["settings"]["baseline_budget_words"] == 12  # words in the one reference
    assert res["items"][0]["output"].startswith("TITLE=>")  # raw output kept for rescoring
    # one story: a difference per ROUGE type against every baseline, no interval
    assert set(res["significance"]) == set(res["scores"]) - {"summarizer"}
    assert res["significance"]["lead"]["rouge1"]["ci95"] is None
    assert res["significance"]["lead"]["rouge1"]["delta"] == pytest.approx(
        res["scores"]["summarizer"]["rouge1"] - res["scores"]["lead"]["rouge1"], abs=0.02)


def test_baselines_are_cut_to_the_summarizers_length_per_story(tmp_path, ctx):
    """A short story's baselines get the summarizer's share of its input, a long one's the
    budget (the references' average length), as the summarizer itself does."""
    from summarizer.summarize import INPUT_SHARE, length_target

    def story(n_words):
        sentences = " ".join(f"Item {k} of the council budget was approved." for k in range(n_words // 8))
        return " [SEP] ".join(f"TITLE=> Budget {j}. ARTICLE=> {sentences}" for j in range(3))

    (tmp_path / "val.source").write_text(story(48) + "\n" + story(400) + "\n", encoding="utf-8")
    reference = "TITLE=> Council approves budget. ARTICLE=> " + " ".join(["The council approved the budget."] * 14)
    (tmp_path / "val.target").write_text(reference + "\n" + reference + "\n", encoding="utf-8")
    data = read_neus(tmp_path, "val")
    res = evaluate_summarize(data, ctx.config, cache_dir=tmp_path / "cache", progress=False,
                             summarize_fn=lambda docs: "The council approved the budget.",
                             embedder=ctx.models.embedder)
    budget = res["signature"]["settings"]["baseline_budget_words"]
    assert budget == 73  # 3 + 14 x 5 reference words
    short_in, long_in = 3 * 48, 3 * 400  # six 8-word sentences / fifty per article
    assert length_target(short_in, budget) == round(INPUT_SHARE * short_in) < budget
    assert length_target(long_in, budget) == budget
    lead_words = res["scores"]["lead"]["avg_words"]
    assert lead_words == (round(INPUT_SHARE * short_in) + budget) / 2
    assert res["scores"]["lead-fixed"]["avg_words"] == budget
    # the matched rows get the summarizer's own 5 words a story
    assert res["scores"]["lead-matched"]["avg_words"] == res["scores"]["lexrank-matched"]["avg_words"] == 5
    assert "length rule" in res["signature"]["settings"]["baseline_length"]


def test_eval_all_writes_results_and_markdown_table(tmp_path, monkeypatch):
    import summarizer.assess
    import summarizer.repair

    monkeypatch.setattr(summarizer.assess, "Assessor", lambda ctx: FakeAssessor(), raising=False)
    monkeypatch.setattr(summarizer.repair, "Repairer", lambda ctx: FakeRepairer(), raising=False)
    root = tmp_path / "data"
    write_mlqe(root / "mlqe-pe" / "ru-en")
    out = tmp_path / "results"
    assert eval_cli.main(["all", "--quick", "--data-root", str(root), "--out", str(out), "--tasks", "qe,repair",
                          "--cache-dir", str(tmp_path / "cache"), "--quiet"]) == 0
    assert {p.name for p in out.iterdir()} == {"qe-ru-en-dev.json", "qe-ru-en-dev.png", "repair-ru-en-dev.json",
                                               "repair-ru-en-dev.png", "README.md"}
    md = (out / "README.md").read_text()
    assert "| ru-en dev | 3 | bilingual | summarizer |" in md and "do-nothing" in md
    assert "task:repair|data:ru-en|split:dev|n:3" in md
    assert "| ru-en dev | 3 | bilingual | all (n=3) | " in md  # tool minus do nothing


def test_signature_string_names_each_models_backend_version_and_precision():
    # two scorers that differ only in precision give different scores: the line says which
    from summarizer.evaluation.signature import signature_string

    sig = {"task": "qe", "data": "ru-en", "split": "dev", "n": 3, "mode": "target", "system": "abc",
           "settings": {"threshold": 0.5}, "summarizer": "0.1.0", "date": "2026-12-02T00:00:00Z",
           "models": {"scorer": {"name": "SmolLM2", "backend": "onnx", "onnxruntime": "1.32.0", "precision": "int8"},
                      "generator": {"name": "Qwen", "backend": "llamacpp", "llama_cpp_python": "0.3.36"}}}
    line = signature_string(sig)
    assert "generator=Qwen@llamacpp-0.3.36,scorer=SmolLM2@onnx-1.32.0-int8|" in line
    sig["models"]["scorer"]["precision"] = "float32"
    assert "scorer=SmolLM2@onnx-1.32.0-float32|" in signature_string(sig)


def test_fingerprint_changes_with_the_detection_settings_that_change_scores():
    # an evaluation cache keyed by the fingerprint must not serve second-look scores to a
    # run without the second look (or LM evidence to a cheap-tier run)
    from summarizer.config import Config
    from summarizer.evaluation.signature import system_fingerprint

    base = Config.load()
    prints = {system_fingerprint(c, {"task": "qe"}, task="qe") for c in
              (base, base.replace(second_look=not base.second_look), base.replace(assess_lm=not base.assess_lm),
               base.replace(scorer_precision="float32" if base.scorer_precision == "int8" else "int8"),
               base.replace(parallel_sequences=1 if base.parallel_sequences != 1 else 24))}
    assert len(prints) == 5


def test_qe_training_keeps_the_second_looks_rows_out():
    """eval/train_qe.py: the MLQE-PE train rows the second look is fitted on (it learns
    from the cheap tier's scores of them) are in neither the combiners' seeded 1,500-row
    prefix nor the cross-lingual head's rows, which are every other train row."""
    import importlib.util
    from pathlib import Path

    from conftest import SHARED

    if not (SHARED / "data" / "mlqe-pe" / "ru-en" / "train.da.tsv").exists():
        pytest.skip("MLQE-PE train data not available in ../shared/data")
    path = Path(__file__).resolve().parents[1] / "eval" / "train_qe.py"
    spec = importlib.util.spec_from_file_location("train_qe", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    import qe_cache
    from train_second_look import N_TRAIN, PAIRS as SECOND_LOOK_PAIRS

    held = mod.second_look_rows()
    assert len(held) == N_TRAIN * len(SECOND_LOOK_PAIRS)
    prefix = {(p, r["idx"]) for p in qe_cache.PAIRS
              for r in qe_cache.subsample(qe_cache.load_split(p, "train"), 1500)}
    assert len(prefix) == 1500 * len(qe_cache.PAIRS) and not held & prefix
    head = {(r["pair"], r["idx"]) for r in mod.head_rows()}
    total = sum(len(qe_cache.load_split(p, "train")) for p in qe_cache.PAIRS)
    assert not held & head and len(head) == total - len(held)


def test_eval_cluster_scores_a_report_against_held_out_files(tmp_path):
    from summarizer.document import Document, Repair, Report, Sentence, Summary, SummarySentence
    from summarizer.evaluation.cluster import evaluate_cluster, format_cluster
    from summarizer.evaluation.datasets import DataError

    def doc(doc_id, source, sents):  # (text, flagged, repair or None)
        text, out = "", []
        for s, flagged, rep in sents:
            out.append(Sentence(len(text), len(text) + len(s), s, "en", flagged=flagged, repair=rep))
            text += s + " "
        return Document(id=doc_id, text=text, source=source, sentences=out)

    report = Report(documents=[
        doc("d1", "a.txt", [("The port of Lagos stays closed until March.", False, None),
                            ("Director Emeka Okafor said so on Monday.", False, None)]),
        doc("d2", "b.txt", [("sir. Okafor Told reporters the port stays shut.", True,
                             Repair("Mr. Okafor told reporters the port stays shut.", True, "ok")),
                            ("Mr. Okafor and Mr. Mensah met 300 workers.", True,
                             Repair("Mr. Okafor and Mr. Mensah met 300 workers in Accra.", True, "ok")),
                            ("The workers Went home.", False, None)])],
        summary=Summary(sentences=[SummarySentence("The port of Lagos stays closed until March.", ["d1"], [])]))
    path = tmp_path / "report.json"
    path.write_text(report.to_json())
    ann = tmp_path / "ann.jsonl"
    ann.write_text("\n".join(json.dumps(x) for x in [
        {"source": "a.txt", "sentence": "The port of Lagos stays closed until March.", "bad": False},
        {"source": "a.txt", "sentence": "Emeka Okafor said so", "bad": False},  # a unique substring
        {"source": "b.txt", "sentence": "sir. Okafor Told reporters the port stays shut.", "bad": True},
        {"sentence": "Mr. Okafor and Mr. Mensah met 300 workers.", "bad": False},  # flagged: a false alarm
        {"source": "b.txt", "sentence": "The workers Went home.", "bad": True}]))  # missed
    reps = tmp_path / "repairs.jsonl"
    reps.write_text("\n".join(json.dumps(x) for x in [
        {"source": "b.txt", "sentence": "sir. Okafor Told reporters the port stays shut.",
         "reference": "Mr. Okafor told reporters the port stays shut."},
        {"source": "b.txt", "sentence": "Mr. Okafor and Mr. Mensah met 300 workers.",
         "reference": "Mr. Okafor and Mr. Mensah met 300 workers."}]))
    ref = tmp_path / "ref.txt"
    ref.write_text("The port of Lagos stays closed until March, its director said.")
    out = evaluate_cluster(path, annotation=ann, repairs=reps, summary_reference=ref)
    d = out["detection"]
    assert (d["tp"], d["fp"], d["fn"], d["bad"], d["clean"]) == (1, 1, 1, 2, 3)
    assert d["precision"] == d["recall"] == 0.5 and d["clean_flagged"] == 1 / 3
    r = out["repair"]
    assert r["changed"] == 2 and r["chrf_tool"] > r["chrf_original"]
    assert r["invented_facts"] == 1 and "Accra" in r["invented"][0]  # in no article of the cluster
    assert out["summary"]["rouge1"] > 50 and out["signature"].startswith("task:cluster|report:")
    assert "recall 50.0%" in format_cluster(out)
    bad_line = tmp_path / "bad.jsonl"
    bad_line.write_text(json.dumps({"source": "b.txt", "sentence": "Nothing like this is there.", "bad": True}))
    with pytest.raises(DataError, match="line 1: no sentence"):
        evaluate_cluster(path, annotation=bad_line)
    with pytest.raises(DataError, match="at least one"):
        evaluate_cluster(path)
    # the command: a table on stdout, exit 2 naming a missing report
    assert eval_cli.main(["cluster", "--report", str(path), "--annotation", str(ann)]) == 0
    assert eval_cli.main(["cluster", "--report", str(tmp_path / "none.json"), "--annotation", str(ann)]) == 2
