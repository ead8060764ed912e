"""The shared pipeline's sentences (handoff/detection/nlp.py, engine._sentences)."""

from __future__ import annotations

from spacy.attrs import IS_SPACE, LEMMA, NORM, ORTH

from handoff.detection import detect_message, engine
from handoff.detection.nlp import (
    LONGEST_SENTENCE,
    correct,
    get_nlp,
    parse,
    rows,
    sentence,
    typo_fixes,
    words_present,
)

# 60,000 characters with no stop: every claim in it looked at the whole message once, which
# made reading it quadratic (35 s for one message).
STOPLESS = "i gave u it at the start of this chat " * 1580


def test_a_sentence_with_no_stop_is_cut_every_longest_sentence_tokens() -> None:
    """Is a run of tokens with no stop read as sentences of at most LONGEST_SENTENCE tokens?"""
    doc = get_nlp()(STOPLESS)
    middle = sentence(doc, len(doc) // 2)
    assert 0 < len(middle) <= LONGEST_SENTENCE
    short = get_nlp()("Hi there. I told the bot my order number already. Thanks")
    assert sentence(short, 4).text == "I told the bot my order number already."


def test_the_scored_sentences_are_cut_alike() -> None:
    """Does the engine score a stopless message in sentences of at most LONGEST_SENTENCE words?"""
    doc = get_nlp()(STOPLESS)
    spans = engine._sentences(rows(doc), doc.vocab.strings)
    assert len(spans) > 1 and max(end - start for start, end in spans) <= LONGEST_SENTENCE
    assert detect_message(STOPLESS)  # the claims are still found


def test_parse_gives_what_the_pipeline_gives() -> None:
    """Does ``parse`` give the tokens, norms and lemmas that calling the pipeline gives?"""
    text = "Told ur bot twice, explaned it 2 the agent b4. Sent pics already!!"
    columns = [ORTH, NORM, LEMMA, IS_SPACE]
    assert parse(text).to_array(columns).tolist() == get_nlp()(text).to_array(columns).tolist()
    assert parse("").text == ""


def test_a_short_cue_word_is_read_through_one_swap_of_neighbouring_letters() -> None:
    """Is "tlod" read as "told" and "snet" as "sent", while "from" stays itself (it is a swap
    of "form") and real words near the claim verbs added in 2.11.3 keep their spelling?"""
    assert [correct(w) for w in ("tlod", "snet", "sadi")] == ["told", "sent", "said"]
    assert [correct(w) for w in ("from", "tool", "sets")] == ["from", "tool", "sets"]
    assert [correct(w) for w in ("repoted", "submited", "yestarday")] == [
        "reported",
        "submitted",
        "yesterday",
    ]
    assert [correct(w) for w in ("reposted", "reporter", "emails")] == [
        "reposted",
        "reporter",
        "emails",
    ]


def test_typo_fixes_name_only_misspelt_cue_words_with_their_offsets() -> None:
    """Does ``typo_fixes`` give the place and the correction of "repoted", and nothing for
    shorthand ("u") or spaCy's own norms ("n't")?"""
    doc = parse("I alredy repoted it, didn't u see")
    assert typo_fixes(doc) == [(2, 8, "already"), (9, 16, "reported")]
    assert typo_fixes(parse("I didn't tell u")) == []


def test_the_lemma_step_keeps_the_rows_and_words_spacy_gives() -> None:
    """Are the rows and words the lemma step keeps for later steps what spaCy's arrays hold,
    and read from spaCy for a document no pipeline read?"""
    text = "Told ur bot twice, explaned it 2 the agent b4.\n Sent pics already!!"
    doc = parse(text)
    columns = [ORTH, NORM, LEMMA, IS_SPACE]
    assert [list(row) for row in rows(doc)] == doc.to_array(columns).tolist()
    assert words_present(doc) == set(doc.to_array([NORM, LEMMA]).ravel().tolist())
    bare = get_nlp().make_doc(text)
    assert [list(row) for row in rows(bare)] == bare.to_array(columns).tolist()
