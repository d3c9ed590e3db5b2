"""Dataset readers on small fixtures written here (no shared data needed)."""

import json

import pytest

from summarizer.evaluation.datasets import (DataError, parse_neus_part, read_jsonl_segments, read_jsonl_stories,
                                            read_mlqe, read_neus, strip_markers)

DA_HEADER = "segid\toriginal\ttranslation\tscores\tmean\tz_scores\tz_mean\tmodel_scores\n"


def write_mlqe(d, with_da=True):
    d.mkdir(parents=True, exist_ok=True)
    (d / "dev.src").write_text("Кот спит .\nОн не пришёл , сказал он .\nДа .\n", encoding="utf-8")
    (d / "dev.mt").write_text("The cat sleeps .\nHe didn 't come , he said .\nYes .\n", encoding="utf-8")
    (d / "dev.pe").write_text("The cat is sleeping .\nHe didn 't come , he said .\nYes .\n", encoding="utf-8")
    (d / "dev.hter").write_text("0.250000\n0.000000\n0.000000\n", encoding="utf-8")
    # gap/word interleaved: 4 words -> 9 tags; 8 words -> 17 tags; 2 words -> 5 tags
    (d / "dev.tags").write_text("OK OK OK BAD OK BAD OK OK OK\n" + " ".join(["OK"] * 17) + "\nOK OK OK OK OK\n",
                                encoding="utf-8")
    if with_da:
        rows = [("7", "Кот спит.", "The cat sleeps.", "-0.5", "-1.2"),
                ("3", "Он не пришёл, сказал он.", "He didn't come, he said.", "0.8", "-0.3"),
                ("9", "Да.", "Yes.", "0.9", "-0.1")]
        (d / "dev.da.tsv").write_text(DA_HEADER + "".join(
            f"{s}\t{o}\t{t}\t[1]\t1\t[1]\t{z}\t{m}\n" for s, o, t, z, m in rows), encoding="utf-8")
    return d


def test_read_mlqe_fields(tmp_path):
    data = read_mlqe(write_mlqe(tmp_path / "ru-en"), "dev")
    assert data.name == "ru-en" and data.src_lang == "ru" and data.total == 3 and len(data.segments) == 3
    s = data.segments[1]
    assert s.mt == "He didn't come, he said."  # the data's own detokenized MT
    assert s.src == "Он не пришёл, сказал он."
    assert s.pe == "He didn't come, he said."  # detokenized by our rules
    assert s.mt_tokens == ["He", "didn", "'t", "come", ",", "he", "said", "."]
    assert s.tags == ["OK"] * 8
    assert data.segments[0].tags == ["OK", "BAD", "BAD", "OK"]
    assert data.segments[0].hter == 0.25 and data.segments[0].z_mean == -0.5 and data.segments[0].model_score == -1.2
    assert data.notes["detok_agreement"] == 1.0 and "13a" in data.notes["tokenization"]


def test_read_mlqe_limit_and_without_da(tmp_path):
    data = read_mlqe(write_mlqe(tmp_path / "et-en", with_da=False), "dev", limit=2)
    assert len(data.segments) == 2 and data.total == 3
    assert data.segments[1].mt == "He didn't come, he said."  # detokenized by rule
    assert data.segments[1].z_mean is None and data.segments[1].model_score is None


def test_read_mlqe_errors(tmp_path):
    with pytest.raises(DataError, match="dev.mt"):
        read_mlqe(tmp_path, "dev")
    d = write_mlqe(tmp_path / "ro-en")
    (d / "dev.pe").write_text("only one line\n", encoding="utf-8")
    with pytest.raises(DataError, match="1 lines"):
        read_mlqe(d, "dev")


def test_lines_split_only_on_newline(tmp_path):
    d = write_mlqe(tmp_path / "ne-en", with_da=False)
    # U+2028 inside a sentence must not create an extra line
    (d / "dev.mt").write_text("The cat\u2028sleeps .\nHe didn 't come , he said .\nYes .\n", encoding="utf-8")
    assert len(read_mlqe(d, "dev").segments) == 3


def test_read_neus(tmp_path):
    (tmp_path / "val.source").write_text(
        "TITLE=> A rises. ARTICLE=> A rose today. It was high. [SEP] TITLE=> A up. ARTICLE=> Up went A. "
        "[SEP] TITLE=> Big A. ARTICLE=> A is big.\n"
        "TITLE=> B. ARTICLE=> B fell. [SEP] TITLE=> B down. ARTICLE=> Down. [SEP] TITLE=> C. ARTICLE=> C.\n",
        encoding="utf-8")
    (tmp_path / "val.target").write_text("TITLE=> A Rises. ARTICLE=> A rose.\nTITLE=> B Falls. ARTICLE=> B fell.\n",
                                         encoding="utf-8")
    data = read_neus(tmp_path, "val", limit=1)
    assert data.total == 2 and len(data.stories) == 1
    story = data.stories[0]
    assert story.documents[0] == {"title": "A rises.", "text": "A rose today. It was high."}
    assert len(story.documents) == 3
    assert story.reference == "A Rises. A rose."
    with pytest.raises(DataError):
        read_neus(tmp_path, "test")


def test_markers():
    assert strip_markers("TITLE=> T. ARTICLE=> Body.") == "T. Body."
    assert parse_neus_part("no markers here") == {"title": None, "text": "no markers here"}


def test_jsonl_readers(tmp_path):
    seg = tmp_path / "mine.jsonl"
    seg.write_text("\n".join(json.dumps(r) for r in [
        {"src": "Bonjour", "mt": "Hello there", "ref": "Hello", "score": 0.7},
        {"mt": "Good day", "ref": "Good day"}]) + "\n", encoding="utf-8")
    data = read_jsonl_segments(seg, src_lang="fr")
    assert [s.mt for s in data.segments] == ["Hello there", "Good day"]
    assert data.segments[0].hter == pytest.approx(1.0)  # TER stands in: one edit over one reference word
    assert data.segments[1].hter == 0.0 and data.segments[0].z_mean == 0.7 and data.src_lang == "fr"
    sto = tmp_path / "stories.jsonl"
    sto.write_text(json.dumps({"documents": ["One. Two.", {"title": "T", "text": "Three."}], "summary": "S."}) + "\n",
                   encoding="utf-8")
    st = read_jsonl_stories(sto)
    assert st.stories[0].documents == [{"title": None, "text": "One. Two."}, {"title": "T", "text": "Three."}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"documents": "not a list", "summary": "x"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="item 1"):
        read_jsonl_stories(bad)
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        read_jsonl_segments(bad)
