"""Reported speech: 'X said (that) ...', participles, coordinated cues, 'according to X'."""

from __future__ import annotations

import re

from newsmon.claims.records import JOIN, Resolved, make_claim, trim_span
from newsmon.claims.sentences import BULLET_RE, MASK, ends_with_closed_quote, ends_with_word
from newsmon.claims.speakers import (
    appositive_role,
    bare_word,
    document_source,
    is_appositive,
    is_np_word,
    left_speaker,
    names_no_speaker,
    parse_np,
    participle_subject,
    right_np_words,
    right_speaker,
)
from newsmon.claims.vocabulary import (
    ACCORDING_RE,
    AFTER_SKIP_FIRST,
    AFTER_SKIP_RE,
    AND_BUT,
    BE_FORMS,
    CLAUSE_SPLIT_RE,
    CLAUSE_START_BLOCK,
    FROM_SOURCE_RE,
    GERUND_CUES,
    INFINITIVE_CUES,
    NP_OBJECT_CUES,
    OVERRUN_RE,
    PLACE_THAT_RE,
    STANCE_THAT_RE,
    THAT_RE,
    THAT_REQUIRED,
    TOLD_OBJ_RE,
    TRAILING_RE,
    cue_matches,
    cue_text,
)


def _clause_end(masked: str, a: int, end: int) -> int:
    """Where a reported clause stops: sentence end or a coordinated cue."""
    if masked.find(",", a, end) < 0 and masked.find(";", a, end) < 0 \
            and masked.find("and", a, end) < 0 and masked.find("but", a, end) < 0:
        return end  # CLAUSE_SPLIT_RE needs one of these
    m = CLAUSE_SPLIT_RE.search(masked, a, end)
    return m.start() if m else end


def _may_after_skip(content: str) -> bool:
    """A cheap necessary condition for AFTER_SKIP_RE to match a text that goes on with
    `content` after blanks: the first word after a comma, if any, starts like one of its
    words. That regex is case-insensitive, so the engine tries each of its many
    branches in turn at every call."""
    head = content[1:].lstrip() if content[:1] == "," else content
    head = head[:10]
    # non-ASCII letters may match ASCII ones case-insensitively ("ſ" and "s"): leave those to the regex
    return not head.isascii() or head.lower().startswith(AFTER_SKIP_FIRST)


def _clause_start(masked: str, cue: str, i: int, end: int) -> int | None:
    """Start of the content after a reporting cue, or None if there is none."""
    rest = masked[i:end]
    j = 0
    if cue in ("told", "tells"):
        m = TOLD_OBJ_RE.match(rest)
        if not m:
            return None
        j = m.end()
    content = rest[j:].lstrip()  # kept as rest[j:].lstrip() while j moves on
    m = AFTER_SKIP_RE.match(rest, j) if _may_after_skip(content) else None
    if m:
        j = m.end()
        if "," in m.group() and not THAT_RE.match(rest[j:]):
            return None  # "said on Monday, threatening …": a participle, not a complement
        content = rest[j:].lstrip()
    had_that = False
    if "that" in content:  # the patterns need it
        m = STANCE_THAT_RE.match(rest[j:]) or PLACE_THAT_RE.match(rest[j:])
        if m:
            j += m.end()  # "says in Ohio that …", "said during a rally in Michigan that …"
        m = THAT_RE.match(rest[j:])
        had_that = bool(m)
        if m:
            j += m.end()
        content = rest[j:].lstrip()
    j = len(rest) - len(content)
    if not content or content[0] in ",.;:!?“\"" + MASK:
        return None
    head = content.split(None, 3)  # the first words: enough to tell "fewer than 3"
    first = bare_word(head[0])
    if not had_that:
        if cue in THAT_REQUIRED:
            return None
        object_ok = cue in NP_OBJECT_CUES or (first == "to" and cue in INFINITIVE_CUES)
        if not object_ok and first in CLAUSE_START_BLOCK:
            return None  # "said on …", "told supporters at a rally": no content clause
        if len(head) < 3:
            return None
    return i + j


def sentence_cues(masked, paras, sents) -> list[list[tuple[int, int, str]]]:
    """The CUE_TOKEN_RE matches of each sentence, from one scan per paragraph: a cue
    never spans a sentence end (that takes punctuation before the space)."""
    found: list[tuple[int, int, str]] = []
    for ps, pe in paras:
        found.extend(cue_matches(masked, ps, pe))
    out, k, n = [], 0, len(found)
    for _, s1, _ in sents:
        first = k
        while k < n and found[k][0] < s1:
            k += 1
        out.append(found[first:k])
    return out


def indirect_claims(text, masked, art, sent, cues, used_cues, sent_speaker, out) -> None:
    """Reported speech in one sentence: 'X said (that) …', 'according to X, …'."""
    s0, s1 = sent
    first, cue_starts, local = len(out), [], None
    for cue_at, cue_end, matched in cues:
        if cue_at in used_cues:
            continue
        cue = cue_text(matched)
        if masked[cue_end:cue_end + 1] in ("”", '"') or masked[cue_at - 2:cue_at].strip() in ("”", '"', "”,", '",'):
            continue
        left = masked[s0:cue_at].rstrip()  # the helpers below ignore trailing blanks
        if ends_with_closed_quote(left):
            continue  # "…,” he said": the direct pass owns this cue
        if ends_with_word(left, BE_FORMS):
            continue  # passive "is said to be": hearsay with no speaker
        a = _clause_start(masked, cue, cue_end, s1)
        if a is None:
            trailing = _trailing_attribution(text, masked, s0, cue_at, cue_end, matched)
            if trailing:
                mention, ta, tb, cont = trailing
                claim = make_claim(text, art, mention, cue, "indirect", ta, tb, sent, cue_at)
                if cont is not None:  # the subject before the attribution, the predicate after it
                    ca, cb = trim_span(text, cont, _clause_end(masked, cont, s1))
                    if MASK in masked[ca:cb] or cb - ca < 3:
                        continue
                    claim.update(quote=claim["quote"] + JOIN + text[ca:cb], char_end=cb)
                out.append(claim)
                cue_starts.append(cue_at)
            continue
        if cue in GERUND_CUES or cue.startswith(("pointing", "warning")) or ends_with_word(left, AND_BUT):
            mention = participle_subject(masked, s0, cue_at, s1) if cue in GERUND_CUES else None
            if mention is None:
                mention = local if local is not None else sent_speaker(cue_at)
        else:
            lc = left[max(left.rfind("”"), left.rfind('"')) + 1:]
            mention = left_speaker(lc, cue_at)
            if mention is None:
                continue
        b = _clause_end(masked, a, s1)
        a, b = trim_span(text, a, b)
        b = _close_open_quote(text, a, b)
        if b - a < 3:
            continue
        out.append(make_claim(text, art, mention, cue, "indirect", a, b, sent, cue_at))
        cue_starts.append(cue_at)
        last = out[-1]
        local = Resolved((last["speaker"], last["speaker_role"], last["speaker_type"]), last["speaker_mention"])
    if masked.find("ccording", s0, s1) >= 0:  # ACCORDING_RE needs it
        _according_to(text, masked, art, sent, out)
    if cue_starts:  # else no claim holds another's cue
        _split_overrun(text, masked, out[first:], cue_starts)


TRAILING_PRONOUNS = ("he", "she", "they", "we", "i")
# after a mid-sentence attribution, the predicate of the clause it interrupts
CONTINUED_RE = re.compile(r",\s+(?=(?:is|are|was|were|has|have|had|will|would|could|should|can|may|might|must|"
                          r"does|did|do)\s)")
TRAILING_CUES = ("said", "says", "say", "added", "adds", "noted", "notes", "warned", "warns", "estimated",
                 "told", "tells", "wrote", "writes", "argued", "argues", "explained", "insisted", "acknowledged",
                 "reported", "reports", "stressed", "predicted", "believes", "believe", "claimed", "claims")


def _trailing_attribution(text, masked, s0, cue_at, cue_end, matched):
    """Newswire 'Oil prices rose on Monday, traders said.' (clause before the cue)."""
    if matched not in TRAILING_CUES:
        return None
    after = masked[cue_end:cue_end + 60]
    if matched in ("told", "tells"):  # "…, he told reporters."
        obj = TOLD_OBJ_RE.match(after)
        if not obj:
            return None
        after = after[obj.end():]
    skip = AFTER_SKIP_RE.match(after) if _may_after_skip(after.lstrip()) else None
    if skip and skip.group().rstrip().endswith(","):
        after = ", " + after[skip.end():]  # "unions said on Monday, threatening …"
    elif skip:
        after = after[skip.end():]
    cont = None
    if not TRAILING_RE.match(after):
        m = CONTINUED_RE.match(masked, cue_end)
        if m is None:
            return None
        cont = m.end()  # "Those who can vote, he said, must still register": the clause goes on
    left = masked[s0:cue_at].rstrip()
    comma = left.rfind(",")
    if comma < 0:
        return None
    np_words = left[comma + 1:].split()
    if np_words and np_words[0].lower() in ("their", "its", "his", "her"):
        np_words = np_words[1:]  # "…, their unions said"
    if len(np_words) == 1 and np_words[0].lower() in TRAILING_PRONOUNS:
        mention = parse_np(np_words, cue_at - len(np_words[0]) - 1)  # "…, he said": resolved like any pronoun
    else:
        # "…, another source said", "…, top black lawmakers said": up to two plain words
        # before the noun phrase (a determiner or an adjective) are not part of the name
        k = max((i + 1 for i, w in enumerate(np_words) if not is_np_word(w)), default=0)
        if not np_words or len(np_words) > 6 or k > 2 or k == len(np_words) \
                or not all(w.isalpha() and w.islower() for w in np_words[:k]):
            return None
        mention = parse_np(np_words, cue_at - len(" ".join(np_words)) - 1)
    a, b = trim_span(text, s0 + len(masked[s0:s0 + comma]) - len(BULLET_RE.sub("", masked[s0:s0 + comma])), s0 + comma)
    if mention is None or len(text[a:b].split()) < (1 if cont else 4) or MASK in masked[a:b]:
        return None
    return mention, a, b, cont


def _split_overrun(text, masked, claims, cue_starts) -> None:
    """'A said X, but officials said Y': end X before the next speaker's clause."""
    for c in claims:
        if c["kind"] != "indirect" or JOIN in c["quote"]:
            continue  # a quote in pieces holds its own attribution between them
        inner = [p for p in cue_starts if c["char_start"] < p < c["char_end"]]
        if not inner:
            continue
        stop = min(inner)
        cut = None
        for m in OVERRUN_RE.finditer(masked, c["char_start"], stop):
            cut = m.start()
        a, b = trim_span(text, c["char_start"], cut if cut is not None else stop)
        c["char_end"], c["quote"] = b, text[a:b]


def _close_open_quote(text: str, a: int, b: int) -> int:
    """Keep a closing quote mark (and the period before it) when the clause opened a quote."""
    frag = text[a:b]
    if frag.count("“") > frag.count("”") and text[b:b + 2] in (".”", "”", ",”"):
        return b + (2 if text[b] in ".," else 1)
    if frag.count('"') % 2 == 1 and text[b:b + 2] in ('."', '"', ',"'):
        return b + (2 if text[b] in ".," else 1)
    return b


def _according_to(text, masked, art, sent, out) -> None:
    """'According to X, …' and '…, according to X.'"""
    s0, s1 = sent
    for m in ACCORDING_RE.finditer(masked, s0, s1):
        lead = masked[s0:m.start()].strip(" \t•·*-")
        if lead and not lead.endswith(","):
            continue  # mid-clause use ("… renders, according to …" handled as trailing form)
        src_text = masked[m.end():s1]
        src = FROM_SOURCE_RE.match(src_text)
        skip = src.end() if src else 0
        words = right_np_words(src_text[skip:])
        if not words or names_no_speaker(src_text[skip:]) or MASK in " ".join(words):
            continue
        mention = document_source(src_text[skip:], m.end() + skip) or right_speaker(src_text[skip:], m.end() + skip)
        if mention is None:
            continue
        if not lead:  # "According to X, clause."
            comma = masked.find(",", m.end(), s1)
            if comma < 0:
                continue
            nxt = masked.find(",", comma + 1, s1)
            if nxt > 0 and is_appositive(masked[comma + 1:nxt]):
                if mention.kind == "person" and not mention.role:  # the role after the name
                    mention.role = appositive_role(masked[comma + 1:nxt].strip())
                comma = nxt  # "According to Henrik Olsen, chief economist at Nordbank, …"
            a, b = trim_span(text, comma + 1, _clause_end(masked, comma + 1, s1))
        else:  # "clause, according to X."
            if masked[s0:m.start()].count("“") and _quoted_only(masked, s0, m.start()):
                continue  # the direct pass owns '“…,” according to X'
            a, b = trim_span(text, s0, m.start())
            a = s0 + len(masked[s0:a]) - len(masked[s0:a].lstrip(" \t•·*-"))
            a, b = trim_span(text, a, b)
        if b - a < 3:
            continue
        out.append(make_claim(text, art, mention, "according to", "indirect", a, b, sent, m.start()))


def _quoted_only(masked: str, a: int, b: int) -> bool:
    s = masked[a:b].strip(" ,")
    return s.startswith(("“", '"')) and s.rstrip(",").endswith(("”", '"'))
