"""Each surface detector on positive and negative examples (invented sentences)."""

import pytest

from summarizer.detect import surface as sf


def codes(text):
    return [f.code for f in sf.detect_all(text)]


@pytest.mark.parametrize("text,word", [
    ("FranceOn the other hand, ministers met in Paris.", "FranceOn"),
    ("Troops moved from the BalticSea to the south.", "BalticSea"),
    ("Two days later, a meeting will be held France-The Brussels council.", "France-The"),
])
def test_glued_words_positive(text, word):
    found = sf.glued_words(text)
    assert len(found) == 1
    s, e = found[0].span
    assert text[s:e] == word


@pytest.mark.parametrize("text", [
    "Senator McConnell spoke to reporters on YouTube and LinkedIn.",
    "Researchers at DeepMind and the iPhone maker met in MacArthur Park.",
    "The minister met his counterpart on Monday.",
    "The Franco-German summit in Aix-en-Provence ended on Monday.",
])
def test_glued_words_negative(text):
    assert sf.glued_words(text) == []


def test_stray_honorific():
    t = "gentlemen. Martin This was said again on Monday."
    f = sf.stray_honorific(t)
    assert [x.code for x in f] == ["stray_honorific"] and t[f[0].span[0]:f[0].span[1]] == "gentlemen."
    assert sf.stray_honorific("but sir. Martin already admitted it.")
    assert sf.stray_honorific("Mr. Martin said on Monday that talks would continue.") == []
    assert sf.stray_honorific("The committee thanked the lady for her help.") == []
    # the title translated as a noun ("told the sir himself"), but not an address or a knighthood
    noun = sf.stray_honorific("According to the Kremlin, Mr. Martin told the sir himself.")
    assert [x.detail.split("'")[1] for x in noun] == ["the sir"]
    assert sf.stray_honorific('"Yes, sir," he told the officer.') == []
    assert sf.stray_honorific("Sir Keir Martin thanked the committee.") == []
    # a title whose name was moved or lost; a name particle or "Mr. and Mrs." is English
    lost = sf.stray_honorific("This was repeated in the video call with Mr. on Monday.")
    assert len(lost) == 1 and "no name after it" in lost[0].detail
    assert sf.stray_honorific("Mr. de Villepin and Mr. and Mrs. Martin met Ms. Okafor.") == []


def test_case_slip():
    assert "case_slip" in codes("Minister Martin He returned to work on Sunday.")
    assert "case_slip" in codes("They agreed that peace in Europe And security matter.")
    # a modal or conjunction capitalised after a name ("... Russia Need to understand")
    assert "case_slip" in codes("The minister said Norway Need to understand the risk.")
    assert sf.case_slip("Officials asked what Norway could do.") == []
    # "And", "If", "The" capitalised between a name and a capitalised word
    assert "case_slip" in codes("Sanctions will follow on it Norway If Oslo moves troops.")
    assert "case_slip" in codes("Martin The United Nations and its allies are ready.")
    assert sf.case_slip("As The New York Times reported, the talks ended.") == []
    # a headline in title case is style, not a slip
    assert sf.case_slip("Minister Says He Will Visit The Port On Monday") == []
    assert sf.case_slip("He returned to work on Sunday, and she followed.") == []
    # conjunctions and verbs of saying capitalised mid-sentence, source word order
    assert "case_slip" in codes("Rebels have held the east of the country Since 2014, the army says.")
    assert "case_slip" in codes("Mr. Martin Already admitted he There are no plans to send troops.")
    assert "case_slip" in codes("It will bring the alliance Closer Norway, Don’t push it further.")
    assert sf.case_slip("Since 2014, rebels have held the east; after the war, he left.") == []
    assert sf.case_slip("The paper was first reported by The New York Times on Monday.") == []
    assert sf.case_slip('She said: "It is over."') == []
    # the lower-case form: a subject pronoun repeating the opening name
    slip = sf.case_slip("Mr. Martin it also faces pressure from the unions.")
    assert [f.code for f in slip] == ["case_slip"] and slip[0].span == (11, 13)
    assert sf.case_slip("Mr. Martin told Mr. Lee it was over.") == []
    assert sf.case_slip("In Carthage they traded goods with the locals.") == []
    assert sf.case_slip("Anna Lee said it was over.") == []
    # and with its capital, as the guard sees it in a rewrite that fixed the title only
    assert sf.repeated_subject("Mr. Martin It also faces pressure from the unions.")
    assert sf.repeated_subject("Mr. Martin He said so.") == []


def test_broken_start():
    assert sf.broken_start("and then the army moved west.")
    assert sf.broken_start("served as a senator until 2009.")
    assert sf.broken_start("The army moved west.") == []


def test_doubled_word():
    f = sf.doubled_word("The the minister spoke.")
    assert f and f[0].span == (0, 7)
    assert sf.doubled_word("He said that that was wrong.") == []
    assert sf.doubled_word("The minister spoke twice.") == []


def test_unbalanced_quotes():
    assert sf.unbalanced_quotes("He promised to “coordinate our steps.")
    assert sf.unbalanced_quotes("to achieve peace and security. “")
    assert sf.unbalanced_quotes("He promised to “coordinate our steps”.") == []


def test_untranslated_script():
    f = sf.untranslated("The minister said привет мир to reporters.")
    assert f and f[0].code == "untranslated"
    assert sf.untranslated("The minister said hello to reporters.") == []


def test_self_reference():
    assert sf.self_reference("with Martin promising to impose new sanctions on Martin.")
    assert sf.self_reference("Martin met Lopez on Monday, and Lopez thanked Martin.") == []


def test_surface_features_counts():
    t = "FranceOn the border, gentlemen. Martin He spoke."
    found = sf.detect_all(t)
    feats = sf.surface_features(t, found)
    assert feats["sf_glued_words"] == 1 and feats["sf_stray_honorific"] == 1 and feats["sf_case_slip"] >= 1
    assert feats["n_words"] == len(t.split())


def test_modal_without_verb():
    from summarizer.detect.surface import modal_without_verb

    for bad in ("Congress insists that the president should Russia.", "He said the U.S. will NATO and the allies."):
        assert [f.code for f in modal_without_verb(bad)] == ["modal_without_verb"], bad
    for fine in ("Ukraine must comply, as must Russia.", "Should Russia invade, sanctions follow.",
                 "What should Russia do?", "The president should punish Russia.", "Russia will, and so will China.",
                 "Trump Asks If Sunlight Can Treat Coronavirus"):
        assert modal_without_verb(fine) == [], fine
