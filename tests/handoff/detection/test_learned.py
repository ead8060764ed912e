"""The learned repetition cue: what it adds to the rules, what it vetoes, how it is built."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from handoff.detection import EXPLICIT, detect_message, learned
from handoff.detection.cues import find_cues
from handoff.detection.nlp import get_nlp

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "data" / "detection" / "train" / "corpus.jsonl"

# Phrasings that no rule matches: only the model can find them.
UNRULED = [
    "Went over all of this with your virtual agent an hour ago!",
    "The photos went to your chat team yesterday.",
    "Your refund form has all of this, I did it on Monday.",
    "The photos are in last week's email to you.",
    "Once again: ORD-88231.",
    "Those questions were answered for the bot already.",
]

# Rule hits the model reads as look-alikes: the customer never got to tell the bot.
VETOED = [
    "I already sent the photos to the insurance adjuster.",
    "As I told my landlord, the heating is broken.",
]

# Negated or future telling: the rules themselves read it and do not fire.
NEGATED = [
    "I couldn't explain it to the bot, it cut me off.",
    "I didn't send the receipt because the chatbot cut me off.",
    "I never got to tell the bot my order number.",
    "Should I give the bot my order number?",
    "I will explain everything to the assistant when it works again.",
]

LOOK_ALIKES = [
    "I told my bank about the charge.",
    "I will send the photos tomorrow.",
    "I didn't get to tell the bot my order number.",
    "This is the second time this year my parcel is lost.",
    "I sent the parcel back last week.",
    "Can I send you the receipt?",
    "Like I told my husband, the box was empty.",
]


@pytest.mark.parametrize("text", UNRULED)
def test_model_finds_phrasings_no_rule_knows(text: str) -> None:
    """Is a repetition in words no rule has found, as a "learned" finding on its sentence?"""
    assert find_cues(get_nlp()(text)) == []
    (finding,) = detect_message(text)
    assert (finding.kind, finding.cue) == (EXPLICIT, "learned")
    assert text[finding.start : finding.end] == finding.snippet
    assert finding.score is not None and finding.score >= learned.THRESHOLD


@pytest.mark.parametrize("text", NEGATED)
def test_negated_telling_is_not_a_rule_hit(text: str) -> None:
    """Are "I didn't send ... the chatbot" and "should I give the bot ..." left alone?"""
    assert find_cues(get_nlp()(text)) == []
    assert detect_message(text) == []


def test_a_question_opened_by_a_negation_still_claims() -> None:
    """Is "Didn't I already tell the bot my order number?" still a repetition?"""
    text = "Didn't I already tell the bot my order number?"
    assert [f.cue for f in detect_message(text)] == ["already_said"]


@pytest.mark.parametrize("text", VETOED)
def test_model_vetoes_rule_hits_on_look_alikes(text: str) -> None:
    """Is a rule hit dropped when the model reads the sentence as not a repetition?"""
    assert find_cues(get_nlp()(text)), "a rule should match this look-alike"
    assert detect_message(text) == []


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_stay_quiet(text: str) -> None:
    """Are third parties, the future, recurring problems and not-yet-told left alone?"""
    assert detect_message(text) == []


def test_only_the_sentence_that_repeats_is_reported() -> None:
    """Does a long message yield the repeating sentence, not the whole text?"""
    text = "My router drops every evening. The photos went to your chat team yesterday. Thanks."
    (finding,) = detect_message(text)
    assert finding.snippet == "The photos went to your chat team yesterday."


def test_a_message_without_anchor_words_has_only_the_bias() -> None:
    """Does text without any word a repetition needs carry no n-gram features?"""
    doc = get_nlp()("My router drops every evening, help")
    assert learned.features(doc) == [0]


def test_words_of_one_class_share_the_features_read_with_classes() -> None:
    """Are "rang" and "called" one class and "bank" none, and do two anchors of one class beside
    the same word share more features than two words of no class do?"""
    nlp = get_nlp()
    rang, called, bank = (learned.words(nlp(word))[0] for word in ("rang", "called", "bank"))
    assert rang is not None and called is not None and bank is not None
    assert rang[2] == called[2] != 0 and bank[2] == 0
    twice = (33, False, 0)

    def shared(cls: int) -> set[int]:
        one, two = (set(learned.features_of([(key, True, cls), twice])) for key in (11, 22))
        return one & two

    assert len(shared(rang[2])) > len(shared(0))


def test_training_is_deterministic_and_separates_the_classes() -> None:
    """Do the same rows give the same weights, and do they score their own labels right?"""
    nlp = get_nlp()
    rows = [
        (learned.features(nlp(t)), label)
        for t, label in [
            ("I already told the bot", True),
            ("as I said before", True),
            ("I told my wife", False),
            ("I will tell the bot", False),
        ]
    ]
    first, second = learned.train(rows, epochs=50), learned.train(rows, epochs=50)
    assert first.weights == second.weights
    assert [first.score(ids) >= 0.5 for ids, _ in rows] == [True, True, False, False]


def test_training_refuses_no_rows() -> None:
    """Is an empty training set a clear error?"""
    with pytest.raises(ValueError, match="no rows"):
        learned.train([])


def test_a_missing_model_file_names_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does a missing model file fail with its path and how to build it?"""
    monkeypatch.setattr(learned, "MODEL_PATH", tmp_path / "absent.npz")
    monkeypatch.setattr(learned, "_model", None)
    with pytest.raises(FileNotFoundError, match=r"absent\.npz.*train_detection\.py"):
        learned.get_model()


def test_committed_corpus_is_what_the_generator_writes() -> None:
    """Is the committed training corpus exactly what the corpus script produces?"""
    sys.path.insert(0, str(ROOT))
    from scripts.make_detection_corpus import build

    committed = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert build() == committed


def test_shipped_model_is_what_training_on_the_corpus_gives(tmp_path: Path) -> None:
    """Does retraining from the committed corpus reproduce the shipped weights?"""
    out = tmp_path / "model.npz"
    subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(ROOT / "scripts" / "train_detection.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    shipped, rebuilt = learned.Model.load(learned.MODEL_PATH), learned.Model.load(out)
    assert shipped.weights.keys() == rebuilt.weights.keys()
    assert max(abs(shipped.weights[k] - rebuilt.weights[k]) for k in shipped.weights) < 1e-5


def test_every_anchor_word_is_read_as_an_anchor() -> None:
    """Is every anchor word marked as one, including "agent", which spaCy keeps as a symbol?"""
    doc = get_nlp()(" ".join(learned.ANCHORS))
    words = learned.words(doc)
    marked = {token.norm_ for token, word in zip(doc, words, strict=True) if word and word[1]}
    assert {"agent", "bot", "told", "ticket"} <= marked


# Since 2.2.0: support people named as people, steps the bot had the customer do, earlier
# contacts on social media; and the look-alikes beside them.
PEOPLE_AND_CHANNELS = [
    "Went through the whole thing with your colleague Marta on Friday.",
    "I already tried a new charger, like your assistant suggested.",
    "That's my third DM to you about the same refund.",
    "Reported this over email on Monday, reference R-55120 has everything.",
]
STEPS_AND_EVENTS = [
    "I already tried a new charger, still nothing.",
    "The courier tried again today while I was out.",
    "Sending you a DM now.",
]


@pytest.mark.parametrize("text", PEOPLE_AND_CHANNELS)
def test_people_bot_steps_and_earlier_contacts_are_repetitions(text: str) -> None:
    """Are a named colleague, a step the bot suggested and unanswered DMs read as repetition?"""
    assert detect_message(text)


@pytest.mark.parametrize("text", STEPS_AND_EVENTS)
def test_steps_tried_alone_events_and_dms_sent_now_are_not(text: str) -> None:
    """Are a step tried on one's own, a courier trying again and a DM sent now left alone?"""
    assert detect_message(text) == []


def test_context_tags_read_what_the_agent_turn_asks() -> None:
    """Does a statement give no context, and a request to send or to try a step its own tags?"""
    from handoff.detection.learned import context_features, context_tags, hash_string

    assert context_tags(None) == context_tags("") == ()
    assert context_tags("We have passed this on to the team.") == ()
    send = context_tags("Please DM us your order number.")
    step = context_tags("Have you tried restarting it?")
    assert hash_string("ctx:send") in send and hash_string("ctx:step") not in send
    assert hash_string("ctx:step") in step
    assert context_features([(1, False), None, (2, True)], ()) == []
    assert len(context_features([(1, False), None, (2, True)], send)) > 0


def _keys(text: str) -> list[int]:
    return [word[0] for word in learned.words(get_nlp()(text)) if word is not None]


def test_times_and_talk_channels_are_read_alike_within_their_class() -> None:
    """Since 2.7.0: are "yesterday", "Tuesday" and "March" one word to the model, and "phone",
    "helpline" and "WhatsApp" another, while an app or a website stays a word of its own?"""
    times = {_keys(f"sent it {when}")[-1] for when in ("yesterday", "on Tuesday", "in March")}
    channels = {_keys(f"rang the {how}")[-1] for how in ("phone", "helpline", "whatsapp")}
    assert len(times) == 1
    assert len(channels) == 1
    assert times != channels
    assert _keys("rang the app")[-1] not in channels


def test_earlier_contact_words_are_anchors_since_2_7_0() -> None:
    """Are words of an earlier contact said with a place or a channel anchors (the model reads
    "on the helpline all morning", which has no telling verb)?"""
    for text in ("helpline", "yesterday", "branch", "complained", "rang", "ago"):
        (word,) = learned.words(get_nlp()(text))
        assert word is not None and word[1], text


def test_a_word_reads_the_same_whatever_the_process_read_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Does "am" in "I am here" read the same after "10am" (whose "am" the tokenizer spells
    "a.m.") as in a fresh process, so a message's verdict does not depend on earlier ones?"""
    nlp = get_nlp()
    monkeypatch.setattr(learned, "_word_cache", {})
    fresh = learned.words(nlp("I am here"))
    monkeypatch.setattr(learned, "_word_cache", {})
    learned.words(nlp("open from 10am"))
    assert learned.words(nlp("I am here")) == fresh
