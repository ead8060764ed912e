"""The learned repetition cue: a logistic regression over hashed word n-grams and rule hits.

The rules in ``cues.py`` are precise but only know the phrasings they were written for. This
model reads the same tokens (typo-corrected norms and lemmas of the shared pipeline) as
hashed unigrams, bigrams and trigrams, plus one feature per rule family that fired, and says
whether the message claims to repeat something. It is trained by
``scripts/train_detection.py`` from the corpus in ``tests/data/detection/train/`` and shipped
as ``repetition_model.npz`` (the non-zero weights only). Training is deterministic: full-batch
AdaGrad from zero weights, no random state.

Feature ids are derived from spaCy's string hashes (64-bit MurmurHash of the text), which are
the same in every process, so a model trained in one process reads the same features in
another.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy
from spacy.tokens import Doc

MODEL_PATH = Path(__file__).with_name("repetition_model.npz")
BITS = 20
MASK = (1 << BITS) - 1
# A message no rule matched is a repetition when the model's probability reaches this.
THRESHOLD = 0.5
# A rule hit stands unless the model's probability falls below this.
VETO = 0.2
_MIX = 0x9E3779B97F4A7C15
_BOUNDARY = 0x2545F4914F6CDD1D  # the start and end of a message, as a pseudo-word
_VALUE = 0x61C8864680B583EB  # any token with a digit or an @: "A-10442", "dana@example.com"
_LEMMA = 0x94D049BB133111EB  # marks a lemma unigram apart from a norm unigram
_RULE = 0xBF58476D1CE4E5B9  # marks a rule-family feature
_BIAS = 0


def _pair(a: int, b: int) -> int:
    return ((a * _MIX) ^ b) & 0xFFFFFFFFFFFFFFFF


def _bucket(key: int) -> int:
    return (key ^ (key >> 29)) & MASK


_base_cache: dict[int, tuple[int, int]] = {}


def _base(token: object) -> tuple[int, int]:
    """Return (norm key, lemma key) of a token, values folded into one class; cached per word."""
    orth = token.orth  # type: ignore[attr-defined]
    found = _base_cache.get(orth)
    if found is None:
        text = token.text  # type: ignore[attr-defined]
        if any(ch.isdigit() for ch in text) or "@" in text:
            found = (_VALUE, _VALUE)
        else:
            found = (token.norm, token.lemma)  # type: ignore[attr-defined]
        if len(_base_cache) < 500_000:
            _base_cache[orth] = found
    return found


def features(doc: Doc, rules: Iterable[str] = ()) -> list[int]:
    """Return the hashed feature ids of a document: n-grams of norms, lemmas, rule families."""
    norms = [_BOUNDARY]
    out = [_BIAS]
    for token in doc:
        if token.is_space:
            continue
        norm, lemma = _base(token)
        norms.append(norm)
        out.append(_bucket(_pair(_LEMMA, lemma)))
    norms.append(_BOUNDARY)
    previous2 = previous = 0
    for key in norms:
        out.append(_bucket(key))
        if previous:
            bigram = _pair(previous, key)
            out.append(_bucket(bigram))
            if previous2:
                out.append(_bucket(_pair(bigram, previous2)))
        previous2, previous = previous, key
    for name in rules:
        out.append(_bucket(_pair(_RULE, hash_string(name))))
    return out


def hash_string(text: str) -> int:
    """Return spaCy's 64-bit hash of ``text`` (stable across processes)."""
    from spacy.strings import hash_string as spacy_hash

    return int(spacy_hash(text))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass
class Model:
    """Weights per hashed feature; missing features weigh nothing."""

    weights: dict[int, float]

    def score(self, ids: Sequence[int]) -> float:
        """Return the probability that a message with these feature ids is a repetition."""
        get = self.weights.get
        return _sigmoid(sum(get(i, 0.0) for i in ids))

    def weight_of(self, ids: Iterable[int]) -> float:
        """Return the summed weight of some features (to find the sentence that carries a verdict)."""
        get = self.weights.get
        return sum(get(i, 0.0) for i in ids)

    def save(self, path: Path) -> None:
        """Write the non-zero weights as a compressed npz."""
        keys = sorted(k for k, v in self.weights.items() if v != 0.0)
        numpy.savez_compressed(
            path,
            ids=numpy.array(keys, dtype=numpy.uint32),
            weights=numpy.array([self.weights[k] for k in keys], dtype=numpy.float32),
        )

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read weights written by ``save``."""
        with numpy.load(path) as data:
            ids, weights = data["ids"].tolist(), data["weights"].tolist()
        return cls(dict(zip(ids, weights, strict=True)))


def train(
    rows: Sequence[tuple[Sequence[int], bool]],
    epochs: int = 300,
    rate: float = 0.5,
    l2: float = 1e-4,
) -> Model:
    """Fit a logistic regression by full-batch AdaGrad; the same rows give the same weights."""
    if not rows:
        raise ValueError("train: no rows to learn from")
    columns = sorted({i for ids, _ in rows for i in ids})
    index = {c: n for n, c in enumerate(columns)}
    lengths = numpy.array([len(ids) for ids, _ in rows], dtype=numpy.int64)
    flat = numpy.array([index[i] for ids, _ in rows for i in ids], dtype=numpy.int64)
    row_of = numpy.repeat(numpy.arange(len(rows)), lengths)
    starts = numpy.concatenate(([0], numpy.cumsum(lengths)[:-1]))
    y = numpy.array([1.0 if label else 0.0 for _, label in rows])
    w = numpy.zeros(len(columns))
    g2 = numpy.full(len(columns), 1e-8)
    n = float(len(rows))
    for _ in range(epochs):
        z = numpy.add.reduceat(w[flat], starts)
        p = 1.0 / (1.0 + numpy.exp(-numpy.clip(z, -30, 30)))
        residual = p - y
        grad = numpy.bincount(flat, weights=residual[row_of], minlength=len(columns)) / n
        grad += l2 * w
        g2 += grad * grad
        w -= rate * grad / numpy.sqrt(g2)
    return Model({c: float(v) for c, v in zip(columns, w, strict=True) if abs(v) > 1e-6})


_model: Model | None = None
_lock = threading.Lock()


def get_model() -> Model:
    """Return the shipped model, loaded once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                if not MODEL_PATH.exists():
                    raise FileNotFoundError(
                        f"{MODEL_PATH}: the repetition model is missing; "
                        "run scripts/train_detection.py to build it"
                    )
                _model = Model.load(MODEL_PATH)
    return _model
