"""The reply cache (summarizer/models/reply_cache.py): a request answered before is
answered from disk with the model's own earlier reply; any change to the request, the
sampling or the model's settings asks the model again. The logic runs on a counting
stand-in; the model path runs on SmolLM2 through llama.cpp."""

from __future__ import annotations

import pytest

from summarizer.config import Config
from summarizer.models.reply_cache import CachedGenerator, ReplyStore, replies_since

CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a river."}]


class CountingGenerator:
    """Answers with a count of the calls so far: a repeated reply can only come from the cache."""

    name, backend = "counting", "test"

    def __init__(self, settings: str = "a"):
        self.settings = settings
        self.calls: list[tuple[str, int]] = []

    def info(self):
        return {"name": self.name, "backend": self.backend, "settings": self.settings}

    def chat(self, messages, *, max_tokens=256, stop=None, temperature=0.0, seed=None):
        self.calls.append(("chat", 1))
        return f"reply {len(self.calls)}"

    def stream_chat(self, messages, **kw):
        reply = self.chat(messages, **kw)
        yield from (reply[:3], reply[3:])

    def complete(self, prompt, **kw):
        self.calls.append(("complete", 1))
        return f"completion {len(self.calls)}"

    def chat_batch(self, conversations, *, max_tokens=256, stop=None, temperature=0.0, seed=None, on_done=None):
        self.calls.append(("batch", len(conversations)))
        out = [f"batch reply {len(self.calls)}.{k}" for k in range(len(conversations))]
        for k in range(len(out)):
            if on_done:
                on_done(k)
        return out


def test_a_request_answered_before_is_answered_from_the_cache(tmp_path):
    inner = CountingGenerator()
    gen = CachedGenerator(inner, ReplyStore(tmp_path / "r.sqlite3"))
    first = gen.chat(CHAT, max_tokens=20)
    assert gen.chat(CHAT, max_tokens=20) == first
    assert len(inner.calls) == 1 and gen.counts() == (1, 1)
    assert "".join(gen.stream_chat(CHAT, max_tokens=20)) == first  # a streamed reply is the same reply
    # every part of the request and of the sampling is part of the key
    variants = [dict(max_tokens=21), dict(max_tokens=20, stop=["\n"]), dict(max_tokens=20, temperature=0.5, seed=1),
                dict(max_tokens=20, temperature=0.5, seed=2)]
    assert len({gen.chat(CHAT, **v) for v in variants} | {first}) == 5
    other = [CHAT[0], {"role": "user", "content": "Name a lake."}]
    assert gen.chat(other, max_tokens=20) != first
    assert gen.complete("Name a river.") != first  # a completion is another kind of call
    assert len(inner.calls) == 7


def test_the_cache_outlives_the_process_but_not_a_change_of_model_settings(tmp_path):
    path = tmp_path / "r.sqlite3"
    first = CachedGenerator(CountingGenerator(), ReplyStore(path)).chat(CHAT)
    again = CountingGenerator()
    assert CachedGenerator(again, ReplyStore(path)).chat(CHAT) == first and again.calls == []
    changed = CountingGenerator(settings="b")  # e.g. another model file, draft tokens, CPU
    CachedGenerator(changed, ReplyStore(path)).chat(CHAT)
    assert len(changed.calls) == 1  # asked, not answered from the cache


def test_a_batch_sends_only_its_unanswered_chats_to_the_model(tmp_path):
    inner = CountingGenerator()
    gen = CachedGenerator(inner, ReplyStore(tmp_path / "r.sqlite3"))
    convs = [[{"role": "user", "content": f"sentence {k}"}] for k in range(4)]
    first = gen.chat_batch(convs[:2], max_tokens=[10, 11])
    done: list[int] = []
    out = gen.chat_batch(convs, max_tokens=[10, 11, 12, 13], on_done=done.append)
    assert out[:2] == first
    assert inner.calls == [("batch", 2), ("batch", 2)]  # the second call held chats 2 and 3 only
    assert sorted(done) == [0, 1, 2, 3]  # progress counts every chat
    assert gen.chat_batch(convs, max_tokens=[10, 11, 12, 13]) == out and len(inner.calls) == 2


def test_the_least_recently_used_replies_go_first(tmp_path):
    store = ReplyStore(tmp_path / "r.sqlite3", max_entries=2)
    store.put("a", "1")
    store.put("b", "2")
    assert store.get("a") == "1"  # used: "b" is now the oldest
    store.put("c", "3")
    assert len(store) == 2 and store.get("b") is None and store.get("a") == "1"


def test_replies_since():
    assert replies_since((2, 5), (7, 6)) == {"cached": 5, "generated": 1}
    assert replies_since(None, None) is None


def test_smollm2_reply_is_given_again_and_a_second_run_says_it(tmp_path, monkeypatch):
    """The model path: SmolLM2 (llama.cpp) answers once; the same pipeline run again gets
    the same summary from the cache, and its report counts and says so."""
    from summarizer.ingest import Article
    from summarizer.models import reply_cache
    from summarizer.models.generator import load_generator
    from summarizer.pipeline import Pipeline

    config = Config.load(env={}, threads=2, generator_model="smollm2", repair=False)
    model = load_generator(config)
    gen = CachedGenerator(model, ReplyStore(tmp_path / "r.sqlite3"))
    reply = gen.chat(CHAT, max_tokens=12)
    assert reply.strip() and gen.counts() == (0, 1)
    assert gen.chat(CHAT, max_tokens=12) == reply and gen.counts() == (1, 1)

    # the whole pipeline, with the cache on (the suite turns it off: conftest.py)
    monkeypatch.setattr(reply_cache, "with_reply_cache", lambda g, home: CachedGenerator(g, ReplyStore(tmp_path / "p.sqlite3")))
    articles = [Article(text="The river Sanna burst its banks in Brzezina on Wednesday. About 3,200 people left "
                             "their homes. Two people died.", title="Sanna floods Brzezina"),
                Article(text="Floods forced about 3,200 residents of Brzezina from their homes on Wednesday after "
                             "the Sanna burst its banks. Two people were killed.", title="Thousands flee floods")]
    pipe = Pipeline(config)
    first = pipe.run(articles)
    assert first.models["generator"]["replies_cached"] == 0
    made = first.models["generator"]["replies_generated"]
    assert made >= 1
    again = pipe.run(articles)
    assert again.summary.text == first.summary.text
    assert again.models["generator"]["replies_cached"] == made and again.models["generator"]["replies_generated"] == 0
    assert any("from the reply cache" in n for n in again.settings["notes"]["generator"])
    assert f"{made} of {made} generator replies from the reply cache" in again.to_markdown()
    assert "reply cache" not in first.to_markdown()


@pytest.mark.parametrize("value, expected", [("0", False), ("1", True)])
def test_the_setting_reads_from_the_environment(value, expected):
    assert Config.load(env={"SUMMARIZER_REPLY_CACHE": value}).reply_cache is expected


def test_each_thread_counts_its_own_requests(tmp_path):
    import threading

    gen = CachedGenerator(CountingGenerator(), ReplyStore(tmp_path / "r.sqlite3"))
    gen.chat(CHAT)
    seen = {}
    worker = threading.Thread(target=lambda: (gen.chat(CHAT), seen.update(counts=gen.counts())))
    worker.start()
    worker.join()
    assert seen["counts"] == (1, 0) and gen.counts() == (0, 1)


def test_a_damaged_cache_file_never_stops_the_generator(tmp_path):
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"not a database " * 100)
    inner = CountingGenerator()
    gen = CachedGenerator(inner, ReplyStore(path))
    assert gen.chat(CHAT) == "reply 1" and gen.chat(CHAT) == "reply 2"  # generated each time, not kept
    assert "DatabaseError" in gen.store.problem
    (tmp_path / "file").write_text("x")  # a file where the cache's folder should be
    blocked = ReplyStore(tmp_path / "file" / "r.sqlite3")
    blocked.put("k", "v")
    assert blocked.problem and blocked.get("k") is None and len(blocked) == 0
