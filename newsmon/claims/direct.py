"""Direct quotes: the attribution after, before or around a quoted segment, and quotes that run over several paragraphs."""

from __future__ import annotations

import re

from newsmon.claims.sentences import MASK, Segment, ends_with_word
from newsmon.claims.speakers import (
    NP_DETERMINERS,
    Mention,
    bare_word,
    document_source,
    is_np_word,
    left_speaker,
    looks_like_speaker,
    names_no_speaker,
    parse_np,
    phrase_speaker,
    right_np_words,
    right_speaker,
    sentence_subject,
)
from newsmon.claims.tagger import cue_lexicon
from newsmon.claims.vocabulary import (
    AND_BUT,
    BE_FORMS,
    FROM_SOURCE_RE,
    LEFT_TRIM_RE,
    PASSIVE_BY_RE,
    PRONOUNS,
    QUOTE_CUE_RE,
    QUOTE_CUES,
    TIE_NOUN_RE,
    TIE_RE,
    cue_text,
)


def after_attribution(masked: str, close: int, sent_end: int):
    """'…,” Peskov said' / '…,” said Mayor Ortiz' / '…,” according to X' after a quote."""
    tail = masked[close:sent_end]
    if tail.startswith(("”", '"')):
        tail, close = tail[1:], close + 1
    lead = len(tail) - len(tail.lstrip(" ,"))
    head = tail[lead:lead + 160]
    m = QUOTE_CUE_RE.search(head)
    while m and head[:m.start()].split()[-1:] and bare_word(head[:m.start()].split()[-1]) in NP_DETERMINERS:
        m = QUOTE_CUE_RE.search(head, m.end())   # "the note says": after a determiner a noun, not the cue
    if not m or MASK in head[:m.start()]:
        return None
    cue = cue_text(m.group())
    before = head[:m.start()].strip()
    base = close + lead
    if cue == "according to":
        if before:
            return None
        rest = head[m.end():].lstrip()
        src = FROM_SOURCE_RE.match(rest)
        skip = src.end() if src else 0
        if names_no_speaker(rest[skip:]):
            return None
        mention = document_source(rest[skip:], base + m.end() + skip) \
            or parse_np(right_np_words(rest[skip:]), base + m.end() + skip)
        if not mention:
            return None
        return mention, cue, base + m.start()
    if before:  # "Kremlin spokesman Dmitry Peskov said" / "he told reporters"
        words = before.split()
        if len(words) == 1 and words[0].lower() in PRONOUNS:
            return Mention(words[0], kind="pronoun", pos=base), cue, base + m.start()
        mention = _np_before_cue(before, base)
        if mention is None or mention.kind not in ("person", "organisation"):
            # "Karin Vogt, a spokeswoman for the agency," / "Clinton campaign spokesman Brian Fallon"
            mention = phrase_speaker(LEFT_TRIM_RE.sub("", " " + before).strip(), base) or mention
        if mention is None and len(words) <= 6 and _is_noun_phrase(words):
            mention = Mention(before.strip(" ,"), kind="unnamed", pos=base)  # "the statement said": kept, no speaker
    else:  # inverted: "said Mayor Lena Ortiz, who …"
        rest = head[m.end():]
        mention = right_speaker(rest, base + m.end())
        if mention is None or mention.kind not in ("person", "organisation"):
            mention = phrase_speaker(phrase_after(rest), base + m.end()) or mention
        if mention is None:  # "said the 46-year-old.": kept as written
            words = phrase_after(rest).split(",")[0].split()
            if 1 < len(words) <= 6 and _is_noun_phrase(words):
                mention = Mention(" ".join(words), kind="unnamed", pos=base + m.end())
    if mention is None:
        return None
    return mention, cue, base + m.start()


_NOT_SPEECH = frozenset(("has", "was", "is", "does", "goes", "gets", "its", "this", "thus", "plus", "has", "us"))


def speech_verb(word: str) -> bool:
    """Is a lower-case word a reporting verb: a quote cue of the rules, or a verb form
    ("charged", "explains", "write") the tagger's training text often uses as a cue."""
    if word in QUOTE_CUES:
        return True
    if not word.isalpha() or not word.islower() or word in _NOT_SPEECH:
        return False
    lex = cue_lexicon()
    if word.endswith(("ed", "s")) and lex.get(word) in ("hi", "mid"):
        return True
    return lex.get(word + "s") in ("hi", "mid") and lex.get(word) is not None  # "the two write"


def verb_attribution(text: str, masked: str, close: int, sent_end: int):
    """A quote ending in ',' '?' or '!' whose sentence goes on with a speaker and a reporting
    verb the rules' cue list lacks: '“…,” Kelly charged in her assault.', '“…,” the two write.',
    '“…,” exhorted Clinton’s introducer, actress Jamie Lee Curtis.' (close: the closing mark)."""
    if text[close - 1:close] not in (",", "?", "!") or masked[close:close + 1] not in ("”", '"'):
        return None
    tail = masked[close + 1:sent_end]
    lead = len(tail) - len(tail.lstrip(" "))
    words = tail.split()[:12]
    if not words or MASK in words[0]:
        return None
    base = close + 1 + lead
    first = words[0]
    if speech_verb(first):  # inverted: "exhorted X"
        rest = tail[lead + len(first):]
        mention = right_speaker(rest, base + len(first) + 1)
        if mention is None or mention.kind not in ("person", "organisation"):
            mention = phrase_speaker(phrase_after(rest), base + len(first) + 1) or mention
        return (mention, first, base) if mention else None
    for k, w in enumerate(words[1:7], 1):
        verb = w.rstrip(",.;:!?")
        if not speech_verb(verb) or bare_word(words[k - 1]) in NP_DETERMINERS:   # "the report stated"
            if w[-1] in ".;:!?" and not bare_word(w).endswith("."):
                return None  # the sentence ends with no reporting verb
            continue
        before = " ".join(words[:k])
        mention = _np_before_cue(before, base)
        if mention is None or mention.kind not in ("person", "organisation"):
            mention = phrase_speaker(before, base) or mention
        if mention is None and _is_noun_phrase(words[:k]):
            mention = Mention(before.strip(" ,"), kind="unnamed", pos=base)  # "the two", "this source"
        if mention is None or mention.text.isupper():
            return None  # after a quote a capitalised "Kelly" is a name, not an adverb; capitals are a headline
        return mention, verb, base + len(tail[lead:].split(w, 1)[0])
    return None


def _np_before_cue(before: str, base: int):
    """The rules' noun phrase between a quote and its cue (all words may be in a name or role)."""
    words = before.split()
    if not all(is_np_word(w) for w in words) or LEFT_TRIM_RE.sub("", before) != before and not is_np_word(words[-1]):
        cleaned = LEFT_TRIM_RE.sub("", " " + before).strip()
        words = cleaned.split()
        if not words or not all(is_np_word(w) for w in words):
            return None
    return parse_np(words, base)


_CLAUSE_WORDS = frozenset(("is", "was", "are", "were", "has", "had", "have", "will", "would", "can", "could",
                           "who", "which", "that", "and", "but", "if", "when", "as", "to", "not"))


def _is_noun_phrase(words: list[str]) -> bool:
    """A short phrase with no clause in it ('the statement', 'one protester')."""
    return all(bare_word(w) not in _CLAUSE_WORDS and w[-1] not in ".;:!?" for w in words) \
        and bare_word(words[0]) in ("the", "a", "an", "one", "another", "his", "her", "their", "its", "this", "these")


def phrase_after(rest: str) -> str:
    """The words after an inverted cue, up to the sentence's end (abbreviations and initials kept)."""
    out = []
    for w in rest.split()[:20]:
        out.append(w)
        if w[-1] in ".!?;:" and not bare_word(w).endswith(".") and not (len(w) == 2 and w[0].isupper()):
            out[-1] = w[:-1]
            break
    return " ".join(out)


def before_attribution(masked: str, sent_start: int, open_at: int):
    """'X said: “…' / 'X said, “…' / '…,” X said, “…' before a quote."""
    ctx = masked[sent_start:open_at]
    stripped = ctx.rstrip()
    if not stripped.endswith((",", ":")):
        return None
    body = stripped[:-1].rstrip()
    m = None
    for m in QUOTE_CUE_RE.finditer(body):   # noqa: B007 - the last match is wanted
        pass
    # the cue ends the context, optionally with one audience word ("told reporters:")
    if m and re.fullmatch(r"(?:\s+\w+)?\s*", body[m.end():]):
        left = body[:m.start()]
        cut = max(left.rfind("”"), left.rfind('"'))
        left = left[cut + 1:] if cut >= 0 else left
        mention = left_speaker(left, sent_start + len(left))
        if mention is None:
            words = body[m.end():].split()
            mention = parse_np(right_np_words(" ".join(words)), sent_start + m.end()) if words else None
        if mention:
            return mention, cue_text(m.group()), sent_start + m.start()
    if stripped.endswith(":"):  # "Minister X put it simply: “…”"
        subj, spos = sentence_subject(ctx, sent_start)
        if subj and looks_like_speaker(subj):
            return subj, "colon", spos
    return None


DASH_NAME_RE = re.compile(r"[―—–-]{1,2}\s*([A-Z@][^―—–\n]{1,80}?)[.\s]*$")


def dash_attribution(masked: str, paras, seg: Segment):
    """A quote signed by a name line after a dash, in its paragraph or alone in the next one
    ('“…” ― Steve Quinlan', '“…”\n- Bernie Sanders.'), as vox pops and fact checks print them."""
    ps, pe = paras[seg.para]
    after = masked[seg.end + 1:pe].strip()
    at = seg.end + 1
    if not after and seg.para + 1 < len(paras):
        at, pe = paras[seg.para + 1]
        after = masked[at:pe].strip()
    m = DASH_NAME_RE.match(after)
    if not m or len(m.group(1).split()) > 12:
        return None
    pos = masked.find(m.group(1), at, pe)
    mention = phrase_speaker(m.group(1).lstrip("@"), pos)
    if mention is None or mention.kind not in ("person", "organisation"):
        return None
    return mention, "dash", pos


def colon_intro(masked: str, paras, sents, seg: Segment):
    """A quote that opens its paragraph after a paragraph ending in a colon ('Cruz continued:',
    'President Clinton released the following statement:'): that sentence's attribution."""
    if seg.para == 0 or masked[paras[seg.para][0]:seg.start - 1].strip():
        return None
    ps, pe = paras[seg.para - 1]
    if not masked[ps:pe].rstrip().endswith(":"):
        return None
    s0 = max((a for a, _, _ in sents if ps <= a < pe), default=ps)
    got = before_attribution(masked, s0, pe)
    if got is not None and got[1] == "colon":
        # no cue at the colon: the subject must be followed by a reporting verb
        # ('Cruz called them on it:'), not be a title ('Partial transcript as follows:')
        words = masked[got[2]:pe].split()
        k = len(got[0].text.split())
        if k >= len(words) or not speech_verb(words[k].rstrip(",:")):
            return None
    return got


def tie_attribution(masked: str, sent_start: int, open_at: int, sent_speaker):
    """A fragment tied by a verb: 'X called it “…”', 'described Y as a “…”'."""
    ctx = masked[sent_start:open_at]
    cut = max(ctx.rfind("”"), ctx.rfind('"'))
    local = ctx[cut + 1:] if cut >= 0 else ctx
    m = TIE_RE.search(local)
    if m:
        verb = m.group(1)
        cue_pos = sent_start + (cut + 1 if cut >= 0 else 0) + m.start(1)
        left = ctx[:cue_pos - sent_start]
        passive = PASSIVE_BY_RE.match(m.group(0))
        if passive and ends_with_word(left, BE_FORMS):
            return parse_np(right_np_words(passive.group(1)), cue_pos), verb, cue_pos
        if verb.endswith("ing") or ends_with_word(left, AND_BUT):
            return sent_speaker(cue_pos), verb, cue_pos
        mention = left_speaker(left, cue_pos)
        if mention is None:
            return None
        return mention, verb, cue_pos
    m = TIE_NOUN_RE.search(local)
    if m:
        owner = m.group(1)
        owner = re.sub(r"[’']s$", "", owner)
        cue_pos = sent_start + (cut + 1 if cut >= 0 else 0) + m.start()
        low = owner.lower()
        mention = (Mention(owner, kind="pronoun", pos=cue_pos) if low in ("his", "her")
                   else parse_np([owner], cue_pos))
        if mention and low in ("his", "her"):
            mention.text = "he" if low == "his" else "she"
        return (mention, "characterized", cue_pos) if mention else None
    return None


def is_sentence_like(quote: str) -> bool:
    """A standalone quote that reads as speech: several words, sentence-shaped."""
    words = quote.split()
    return len(words) >= 5 and quote[:1].isupper()


def prev_close(segs, seg, s0) -> int:
    """End of the previous quote in the same sentence (so 'before' text is local)."""
    best = s0
    for s in segs:
        if s.end < seg.start and s.end >= s0 and s.para == seg.para:
            best = max(best, s.end + 1)
    return best


def continues_quote(masked, seg, s0, prev_attr_in_para) -> bool:
    """A quote sentence right after an attributed quote in the same paragraph."""
    if seg.para not in prev_attr_in_para:
        return False
    lead = masked[s0:seg.start - 1].strip(" \t•·*-")
    return lead == ""


def is_whole_paragraph(masked, paras, seg) -> bool:
    ps, pe = paras[seg.para]
    return masked[ps:seg.start - 1].strip() == "" and masked[seg.end:pe].strip(" .,”\"") == ""


def chain_attributions(text, masked, segs, sents) -> dict[int, tuple]:
    """Attribution of multi-paragraph quotes, found on any of their segments."""
    chains: dict[int, list[Segment]] = {}
    for s in segs:
        chains.setdefault(s.chain, []).append(s)
    out = {}
    for cid, members in chains.items():
        if len(members) < 2:
            continue
        for s in members:
            if not s.closed:
                continue
            sent_end = next((b for a, b, _ in sents if a <= s.end < b), len(text))
            attr = after_attribution(masked, s.end, sent_end)
            if attr:
                out[cid] = attr
    return out
