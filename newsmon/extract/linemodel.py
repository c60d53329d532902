"""The learned line classifier: is a line a shape rule dropped really page junk?

The shape rules of ``rules`` (link lines, edge lines, credit labels, empty
headings, repeated prose) guess from a line's shape, and on pages nobody here
wrote half of what they drop is article text. ``rules.confirm_drops`` asks this
model about each such line and keeps the line when the model is sure it is
content (P(junk) below the model's threshold).

Trained by bench/extract_train.py on the dev sets of ../shared/data/extract (a
dropped line absent from the page's gold text is junk), validated with whole
sites held out. It reads what a line *is*, never which words it holds: its
shape (length, punctuation, capitals, digits), its link share, its kind
(heading, list item, paragraph), the rule tests of ``lines`` and which rule
dropped it, a few word classes (function words, "you", first person), its
position in the text and its neighbours. Logistic regression on those features
(and some of their products), shipped as JSON (``data/line_model.json``, read
once, no network) and evaluated with numpy: a dot product per line asked about.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

import numpy as np

from newsmon.extract.lines import (
    Line,
    is_bare_label,
    is_caps_label,
    is_credit_label,
    is_label_then_link,
    is_loading,
    starts_with_symbol,
)

MODEL_PATH = Path(__file__).with_name("data") / "line_model.json"

# word classes (closed classes of English; other languages score 0 on them, as the
# model saw on the dev sets' few non-English pages)
_FUNCTION_WORDS = frozenset(
    "a an the of to in on at by for from with as and or but if that this these those is are was were be "
    "been being has have had it its he she they them their his her which who whom whose not no than then "
    "there when while after before about into over also would could should will can may might do does did "
    "so such some any all more most other said says".split())
_SECOND_PERSON = frozenset("you your yours yourself".split())
_FIRST_PERSON = frozenset("i me my we us our".split())
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_URLISH = re.compile(r"https?://|www\.|\.(?:com|org|net|co\.uk)\b|@\w")
_SEPARATORS = set("|•·»«›‹/")
_TERMINAL = ".!?…"


_SHARE_CHARS = 240           # character shares are read from a line's start: enough, and cheap


def _line_shape(ln: Line) -> list[float]:
    text = ln.text
    words = _WORD.findall(text[:_SHARE_CHARS])
    nw = max(1, len(words))
    lower = [w.casefold() for w in words]
    head = text[:_SHARE_CHARS]
    letters = sum(map(str.isalpha, head))
    upper = sum(map(str.isupper, head))
    digits = sum(map(str.isdigit, head))
    punct = len(head) - sum(map(str.isalnum, head)) - sum(map(str.isspace, head))
    core = text.rstrip("\"'”’»)]* \u00a0")
    last = core[-1:] if core else ""
    titled = sum(1 for w in words if w[:1].isupper())
    return [
        math.log1p(ln.words),
        math.log1p(len(text)),
        ln.kind == "head", ln.kind == "item",
        ln.link_ratio, ln.link_ratio >= 0.9, ln.link_ratio > 0,
        ln.sentence, last in _TERMINAL, last == ":", last in ",;-–—", last.isalnum(),
        is_loading(text), starts_with_symbol(text), is_caps_label(text), is_credit_label(text),
        is_label_then_link(ln), is_bare_label(text),
        upper / max(1, letters), digits / max(1, len(head)), punct / max(1, len(head)),
        titled / nw,
        sum(w in _FUNCTION_WORDS for w in lower) / nw,
        any(w in _SECOND_PERSON for w in lower),
        any(w in _FIRST_PERSON for w in lower),
        bool(_URLISH.search(text)), any(c in _SEPARATORS for c in text),
        "©" in text, text[:1] in "\"“‘'«",
        any(c.isdigit() for c in text[:4]),
    ]


SHAPE = ["log_words", "log_chars", "head", "item", "link_ratio", "link_only", "has_link",
         "sentence", "end_terminal", "end_colon", "end_comma", "end_alnum",
         "loading", "symbol_first", "caps_label", "credit_label", "label_then_link", "bare_label",
         "upper_share", "digit_share", "punct_share", "titled_share", "function_share",
         "second_person", "first_person", "urlish", "separator", "copyright", "quote_first",
         "digit_first"]
_CONTEXT = ["rel_position", "first", "last", "edge_lines", "words_before_share", "words_after_share",
            "page_log_words", "page_log_lines", "share_of_page",
            "prev_link", "next_link", "prev_log_words", "next_log_words", "prev_sentence", "next_sentence",
            "same_kind_run"]
# products the linear model cannot form itself: short x link, short x edge, ...
_PRODUCTS = [("link_ratio", "end_terminal"), ("link_ratio", "log_words"), ("sentence", "log_words"),
             ("edge_lines", "sentence"), ("first", "sentence"), ("last", "sentence"),
             ("function_share", "log_words"), ("item", "link_ratio"), ("head", "share_of_page")]
# what the rules (rules.py) decided, as evidence for the model to weigh
REASONS = ["repeat", "placeholder", "widget_label", "link", "credit", "link_label", "empty_heading",
           "edge"]
FEATURES = SHAPE + _CONTEXT + [f"{a}*{b}" for a, b in _PRODUCTS] + [f"rule_{r}" for r in REASONS]
_INDEX = {name: i for i, name in enumerate(SHAPE + _CONTEXT)}
_PRODUCT_PAIRS = [(_INDEX[a], _INDEX[b]) for a, b in _PRODUCTS]


def line_features(lines: list[Line], rows=None) -> np.ndarray:
    """One row of FEATURES per line (or per index in ``rows``), read after the rules set
    ``drop`` (``rules.mark_rules``). Shapes are computed for those rows only."""
    n = len(lines)
    rows = list(range(n)) if rows is None else list(rows)
    if not n or not rows:
        return np.zeros((0, len(FEATURES)))
    words = np.array([ln.words for ln in lines], dtype=float)
    link = np.array([ln.link_ratio for ln in lines])
    sentence = np.array([ln.sentence for ln in lines], dtype=float)
    log_words = np.log1p(words)
    kinds = [ln.kind for ln in lines]
    total = max(1.0, words.sum())
    before = np.cumsum(words) - words
    prev = np.array([i - 1 if i > 0 else i for i in rows])
    nxt = np.array([i + 1 if i + 1 < n else i for i in rows])
    has_prev = np.array([i > 0 for i in rows], dtype=float)
    has_next = np.array([i + 1 < n for i in rows], dtype=float)
    idx = np.array(rows, dtype=float)
    at = np.array(rows)
    shape = np.array([_line_shape(lines[i]) for i in rows], dtype=float)
    run = np.array([(i > 0 and kinds[i - 1] == kinds[i]) + (i + 1 < n and kinds[i + 1] == kinds[i])
                    for i in rows], dtype=float)
    context = np.column_stack([
        idx / max(1, n - 1), idx == 0, idx == n - 1, np.minimum(np.minimum(idx, n - 1 - idx), 5) / 5,
        before[at] / total, (total - before[at] - words[at]) / total,
        np.full(len(rows), math.log1p(total)), np.full(len(rows), math.log1p(n)), words[at] / total,
        link[prev] * has_prev, link[nxt] * has_next, log_words[prev] * has_prev, log_words[nxt] * has_next,
        sentence[prev] * has_prev, sentence[nxt] * has_next, run,
    ])
    base = np.hstack([shape, context])
    products = np.column_stack([base[:, a] * base[:, b] for a, b in _PRODUCT_PAIRS])
    reasons = np.array([[lines[i].drop == r for r in REASONS] for i in rows], dtype=float)
    return np.hstack([base, products, reasons])


@cache
def load_model(path: Path = MODEL_PATH) -> dict:
    model = json.loads(path.read_text(encoding="utf-8"))
    if model["features"] != FEATURES:
        raise ValueError(f"{path}: trained on other features; retrain with bench/extract_train.py")
    return {"mean": np.array(model["mean"]), "scale": np.array(model["scale"]),
            "coef": np.array(model["coef"]), "intercept": float(model["intercept"]),
            "threshold": float(model["threshold"]),
            "reason_thresholds": {r: float(t) for r, t in model.get("reason_thresholds", {}).items()}}


def junk_probability(lines: list[Line], rows=None, model: dict | None = None) -> np.ndarray:
    """P(junk) of each line (or of the lines at ``rows``), by the shipped model (or
    ``model``, as load_model returns)."""
    model = model or load_model()
    feats = line_features(lines, rows)
    if not len(feats):
        return np.zeros(0)
    z = ((feats - model["mean"]) / model["scale"]) @ model["coef"] + model["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def confirms_junk(lines: list[Line], rows) -> list[bool]:
    """Does the classifier find the lines at ``rows`` junk (P(junk) >= the model's threshold
    for the rule that dropped the line, else its threshold)?"""
    model = load_model()
    own, default = model["reason_thresholds"], model["threshold"]
    return [bool(p >= own.get(lines[i].drop, default))
            for i, p in zip(rows, junk_probability(lines, rows, model))]
