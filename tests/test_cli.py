"""The CLI's contract: output, files, exit codes."""

import json
import os
import subprocess
import sys

from conftest import PROJECT

ENV = {**os.environ, "PYTHONPATH": str(PROJECT), "HF_HUB_OFFLINE": "1"}


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "summarizer", *args], input=stdin, capture_output=True,
                          env=ENV, cwd=PROJECT, timeout=600)


def test_run_prints_markdown_and_writes_json(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("Storm hits coast\nA storm hit the coast on Monday. Thousands lost power.\nLoading...\n")
    out_json = tmp_path / "r.json"
    res = cli("run", str(a), "--no-repair", "--no-summary", "--quiet")
    assert res.returncode == 0, res.stderr
    assert b"# News repair report" in res.stdout and b"Storm hits coast" in res.stdout
    assert b"Measured on " in res.stdout and b" cores" in res.stdout  # the CPU the timings are for
    res = cli("run", str(a), "--no-repair", "--no-summary", "--json", str(out_json), "--quiet")
    assert res.returncode == 0 and res.stdout == b""
    data = json.loads(out_json.read_text())
    assert data["documents"][0]["dropped"][0][2] == "boilerplate"
    assert data["settings"]["machine"]["cores"] >= 1 and data["settings"]["machine"]["arch"]


def test_run_reads_stdin_and_shows_progress(tmp_path):
    res = cli("run", "-", "--no-repair", "--no-summary", stdin=b"One sentence. Two sentences.")
    assert res.returncode == 0, res.stderr
    assert b"segment" in res.stderr  # tqdm progress on stderr


def test_bad_input_exit_code_names_the_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    res = cli("run", str(empty), "--no-repair", "--no-summary", "--quiet")
    assert res.returncode == 2
    assert str(empty) in res.stderr.decode() and "empty" in res.stderr.decode()
    res = cli("run", str(tmp_path / "missing.txt"))
    assert res.returncode == 2 and b"file not found" in res.stderr
    res = cli("run")
    assert res.returncode == 2
    res = cli("run", str(tmp_path / "none"))
    assert res.returncode == 2 and b"file not found" in res.stderr
    (tmp_path / "folder").mkdir()
    res = cli("run", str(tmp_path / "folder"))
    assert res.returncode == 2 and b"folder has no article files" in res.stderr


def test_a_folder_argument_reads_its_article_files_in_name_order(tmp_path):
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "b.txt").write_text("The second article. It has two sentences.")
    (folder / "a.md").write_text("The first article. It has two sentences too.")
    (folder / "notes.json").write_text("{}")
    out = tmp_path / "report.json"
    res = cli("run", str(folder), "--no-repair", "--no-summary", "--quiet", "--json", str(out))
    assert res.returncode == 0, res.stderr
    docs = json.loads(out.read_text())["documents"]
    assert [d["source"] for d in docs] == ["a.md", "b.txt"]


def test_bad_setting_is_a_clear_error(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("One sentence. Two sentences.")
    res = subprocess.run([sys.executable, "-m", "summarizer", "run", str(a), "--no-summary"],
                         capture_output=True, env={**ENV, "SUMMARIZER_THRESHOLD": "high"}, cwd=PROJECT)
    assert res.returncode == 2 and b"threshold" in res.stderr


def test_internal_error_exit_code(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("One sentence. Two sentences.")
    res = subprocess.run([sys.executable, "-m", "summarizer", "run", str(a), "--model", str(tmp_path / "no.gguf")],
                         capture_output=True, env=ENV, cwd=PROJECT, timeout=600)
    assert res.returncode == 1 and b"no.gguf" in res.stderr


def test_an_article_given_with_its_original(tmp_path):
    article, original = tmp_path / "en.txt", tmp_path / "fr.txt"
    article.write_text("The river rose by two metres overnight. Schools were closed on Tuesday.")
    original.write_text("Le fleuve est monté de deux mètres pendant la nuit. Les écoles ont été fermées mardi.")
    out = tmp_path / "report.json"
    res = cli("run", str(article), "--original", f"{article}={original}", "--no-repair", "--no-summary",
              "--quiet", "--json", str(out))
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text())["documents"][0]
    assert doc["source_language"] == "fr"
    assert [s["source_text"] for s in doc["sentences"]] == ["Le fleuve est monté de deux mètres pendant la nuit.",
                                                            "Les écoles ont été fermées mardi."]
    res = cli("run", "-", f"--original=-={original}", "--no-repair", "--no-summary", "--quiet", "--json",
              str(out), stdin=article.read_bytes())  # standard input's article is "-"
    assert res.returncode == 0 and json.loads(out.read_text())["documents"][0]["source_language"] == "fr"
    # an original for an article not given, a missing file, a malformed pair: named, nothing run
    res = cli("run", str(article), "--original", f"{tmp_path / 'other.txt'}={original}", "--quiet")
    assert res.returncode == 2 and b"is not one of the articles given" in res.stderr
    res = cli("run", str(article), "--original", f"{article}={tmp_path / 'missing.txt'}", "--quiet")
    assert res.returncode == 2 and b"missing.txt: file not found" in res.stderr
    res = cli("run", str(article), "--original", str(original), "--quiet")
    assert res.returncode == 2 and b"ARTICLE=ORIGINAL" in res.stderr
