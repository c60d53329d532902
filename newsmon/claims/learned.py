"""Claims the rules miss, from the learned tagger: each tagged content with its cue and speaker.

The tagger (tagger.py) marks speaker (S), cue (C) and content (Q) spans in a
paragraph. A content is tied to the nearest cue in its sentence (else in its
paragraph), and the cue to the nearest speaker span next to it; the speaker's
words are parsed and resolved through the article's registry like the rules'
mentions. Contents that overlap a claim the rules found are left to the rules,
which know the project's conventions (split quotes, multi-paragraph quotes).
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from itertools import takewhile

from newsmon.claims.direct import phrase_after
from newsmon.claims.records import make_claim
from newsmon.claims.sentences import MASK
from newsmon.claims.speakers import (
    Mention,
    bare_word,
    clause_subject,
    document_source,
    is_relative_word,
    left_speaker,
    looks_like_speaker,
    names_no_speaker,
    parse_np,
    participle_subject,
    phrase_speaker,
    right_speaker,
    sentence_subject,
    title_case,
)
from newsmon.claims.tagger import Span, cue_lexicon, shipped_tagger
from newsmon.claims.vocabulary import (
    BE_FORMS,
    CLAUSE_CUES,
    GERUND_CUES,
    NP_OBJECT_CUES,
    QUOTE_CUE_RE,
    QUOTE_CUES,
    STANCE_VERBS,
    TIE_VERBS,
    cue_text,
)

QUOTE_MARKS = "“”\"‘’"
NP_OPENERS = frozenset(("the", "a", "an", "that", "this", "these", "those", "his", "her", "its", "their", "our",
                        "he", "she", "it", "they", "we", "i", "you", "there", "to", "by"))


def _overlaps(taken: list[tuple[int, int]], a: int, b: int) -> bool:
    """Does [a, b) overlap a taken span (sorted, disjoint) by more than 30 % of the shorter?"""
    k = bisect_left(taken, (a, a))
    for x, y in taken[max(0, k - 1):k + 1] + [t for t in taken[k + 1:k + 8] if t[0] < b]:
        if min(b, y) - max(a, x) > 0.3 * min(b - a, y - x):
            return True
    return False


def _one_quote(text: str, a: int, b: int) -> bool:
    """Is text[a:b], which opens with a quote mark, speech rather than a short quoted
    title or slogan that a clause goes on from ('“Bohemian Rhapsody” before an encore')?"""
    close = min((i for i in (text.find("”", a + 1, b), text.find('"', a + 1, b)) if i >= 0), default=-1)
    if close < 0 or not text[close + 1:b].strip(" .,;:!?"):
        return True   # the quote runs to the end of the content
    return len(text[a + 1:close].split()) >= 5


# a stance taken on a thing ("Moscow rejected the proposal"): its object is no statement,
# unless the verb names the thing said ("called it a disgrace", TIE_VERBS)
STANCE_ONLY = STANCE_VERBS - CLAUSE_CUES - GERUND_CUES - set(TIE_VERBS.split("|"))
KNOWN_CUES = QUOTE_CUES | STANCE_VERBS | NP_OBJECT_CUES | set(TIE_VERBS.split("|"))
CLAUSE_OPENERS = {"that", "whether", "if", "to", "how", "why", "what", "when", "where", "who"}
FINITE_MARKERS = set(BE_FORMS) | {"has", "have", "had", "will", "would", "can", "could", "should",
                                  "may", "might", "must", "do", "does", "did"}


def _not_said(content: str, cue: str) -> bool:
    """Is a paraphrase something its speaker did not say: its cue negated ('has not
    announced'), the noun phrase a stance verb takes ('rejected the proposal'), or a
    noun phrase given a name in quote marks ('dubbed the scheme “cash for ash”')?
    A clause opens with a conjunction or holds a finite auxiliary, and is none of these."""
    words = cue.lower().split()
    if any(w in ("not", "never") or w.endswith(("n't", "n’t")) for w in words):
        return True
    body = [w.strip("“”\"‘’,.;:!?()").lower() for w in content.split()]
    if body[0] in CLAUSE_OPENERS or any(w in FINITE_MARKERS or w.endswith(("n't", "n’t")) for w in body):
        return False
    if not words:
        return False
    return words[-1] in STANCE_ONLY or words[-1] not in KNOWN_CUES and content.rstrip(" .,;:!?").endswith(("”", '"'))


ROMAN_RE = re.compile(r"[IVX]+")
ATTRIBUTIVE_LEAD_RE = re.compile(r"\b(?:a|an)\s+(?:(?:[A-Z][\w-]*|[IVX]+|\d[\w-]*|[a-z]+ly)\s+)*$")


def _attributive(before: str, cue: str, content: str) -> bool:
    """Is the cue a participle inside a noun phrase ('a Grade II listed building', 'a widely
    reported incident', 'a stated goal'): right after 'a', or after 'a' and names, numbers or
    adverbs among which a number or an adverb, and followed by a bare noun? Then nothing is said."""
    words = cue.split()
    first = content.split()[:1]
    if len(words) != 1 or not words[0].endswith("ed") or not first or not first[0].isalpha() \
            or not first[0].islower() or first[0] in NP_OPENERS:
        return False
    lead = ATTRIBUTIVE_LEAD_RE.search(before)
    if lead is None:
        return False
    between = lead.group(0).split()[1:]   # "a Democrat said …" speaks: only a number or an adverb marks a modifier
    return not between or any(w[0].isdigit() or ROMAN_RE.fullmatch(w) or w.endswith("ly") for w in between)


def _nearest(spans: list[Span], to: Span, max_gap: int) -> Span | None:
    best = None
    for s in spans:
        gap = to.a - s.b if s.b <= to.a else s.a - to.b
        if 0 <= gap <= max_gap and (best is None or gap < best[0]):
            best = (gap, s)
    return best[1] if best else None


def speech_cue(cue: str) -> bool:
    """Does a cue say that something was said ('said', 'told', 'according to'), rather than done?"""
    return any(w in QUOTE_CUES for w in cue.lower().split()) or cue.lower().startswith("accord")


def _trailing_cue(text: str, masked: str, cues: list[Span], sent: tuple[int, int], b: int) -> Span | None:
    """The attribution that closes a content's sentence after a comma ('…, a federal judge
    ruled Monday.', '…, according to the party's lawyers.'): it governs the whole clause
    before it, a verb inside that clause does not. A source that names nobody
    ('according to figures') is left alone."""
    after = [c for c in cues if b <= c.start < sent[1]]
    if not after:
        return None
    c = after[0]
    gap = masked[b:c.start].strip(QUOTE_MARKS + " ")
    if not gap.startswith(",") or len(gap.split()) > 8 or MASK in gap or ";" in gap:
        return None
    tail = masked[c.end:sent[1]].strip(" .!?" + QUOTE_MARKS)
    said = text[c.start:c.end]
    if said.lower().startswith("accord"):
        if gap != "," or names_no_speaker(tail):
            return None
    elif gap == ",":   # ", said Mr. Barrett, the lawyer for …": inverted, the speaker after the verb
        if said.split()[0].lower() not in QUOTE_CUES or MASK in tail \
                or not tail[:1].isupper() and bare_word(tail.split()[0] if tail else "") not in ("the", "a", "an"):
            return None
    else:   # ", NP verb [adjunct]." closes the sentence: a speech verb after a bare noun phrase
        np = gap[1:].split()
        if not np or len(tail.split()) > 5 or any(ch in tail for ch in ",:" + MASK) \
                or any(bare_word(w) in CLAUSE_LINKS for w in np + tail.split()) \
                or not (speech_cue(said) or cue_lexicon().get(bare_word(said.split()[-1])) == "hi"):
            return None
    return c


def _named_source(source: str, pos: int) -> Mention | None:
    """The person or organisation a source after "according to" names (eight words at most)."""
    named = phrase_speaker(source, pos) if len(source.split()) <= 8 else None
    return named if named is not None and named.kind in ("person", "organisation") else None


CLAUSE_LINKS = frozenset(("while", "but", "and", "although", "though", "as", "where", "which", "who", "that", "after",
                          "when", "because", "since", "if", "before", "until", "so"))


def _closing_attribution(masked: str, a: int, b: int) -> tuple[int, Span, Mention] | None:
    """A content that runs over the attribution closing its sentence ('…, a spokesman
    announced Monday morning.', '…, according to the Roper Center.'): (where the content
    ends, that attribution's cue, its speaker)."""
    tail_at = masked.rfind(", ", a, b)
    if tail_at < 0 or b - tail_at > 120:
        return None
    tail = masked[tail_at + 2:b].rstrip(" .!?")
    words = tail.split()
    if not words or MASK in tail or "," in tail:
        return None
    if tail.lower().startswith("according to "):
        source = tail[13:]
        named = None if names_no_speaker(source) \
            else document_source(source, tail_at + 15) or _named_source(source, tail_at + 15)
        if named is None:
            return None
        return tail_at, Span("C", 0, 0, tail_at + 2, tail_at + 14), named
    verb = next((i for i, w in enumerate(words) if i and bare_word(w) in QUOTE_CUES), None)
    if verb is None or len(words) - verb > 4 or any(bare_word(w) in CLAUSE_LINKS or bare_word(w) in FINITE_MARKERS
                                                    for w in words[:verb]):
        return None
    at = masked.find(" " + words[verb], tail_at) + 1
    m = left_speaker(masked[tail_at + 2:at].rstrip(), at)
    if m is None or m.kind not in SUBJECT_KINDS + ("unnamed", "role") or not looks_like_speaker(m) \
            or len(m.text.split()) < verb - 1 or bare_word(m.text) in ("they", "we"):
        return None   # the whole noun phrase before the verb speaks (a determiner left out), not a plural pronoun
    return tail_at, Span("C", 0, 0, at, at + len(words[verb])), m


def _mention(text: str, masked: str, s: Span, mid_caps, ps: int = -1) -> Mention | None:
    """The speaker a tagged S span names: parsed like the rules' mentions, else as written;
    "who" is the noun phrase before it."""
    words = text[s.start:s.end].strip(" .,;:()[]").split()
    if not words or not any(ch.isalpha() for ch in words[0]):
        return None
    if len(words) == 1 and words[0].lower() in ("who", "which", "that"):
        return left_speaker(masked[max(0, s.start - 200):s.start].rstrip(" ,"), s.start)
    while len(words) > 1 and is_relative_word(words[-1]):
        words = words[:-1]  # "some far-right commentators who [have suggested]": the head, as written too
    if len(words) == 1 and bare_word(words[0]) in ("his", "her"):
        return Mention(words[0], kind="pronoun", pos=s.start)   # "his comment that …": the person he is
    if len(words) == 1 and bare_word(words[0]) in ("the", "a", "an"):
        after = text[s.end:s.end + 40].split()[:1]   # a tag that stopped at the article: "The [attack] sparked"
        if not after or not after[0].isalpha() or not after[0].islower() or cue_lexicon().get(after[0]) == "hi":
            return None
        words = words + after
    m = parse_np(words, s.start)
    if (m is None or m.kind not in ("person", "organisation")) and "," in text[s.start:s.end]:
        named = phrase_speaker(" ".join(words), s.start)  # "the evening's host, actress Maria Lopez"
        m = named if named is not None and named.kind == "person" else m
    if m is None:
        # what the rules cannot parse is no name: shown as written, followed in no other article
        m = Mention(" ".join(words), name=None, kind="unnamed", pos=s.start)
    if not _plausible(m, mid_caps) and not (s.start == ps and text[s.end:s.end + 1] == ":"):
        return None  # a transcript's "FALLIN:" opening its paragraph is a speaker, in capitals too
    return m


MID_CAPS_RE = re.compile(r"(?<=[\w,;] )[A-Z][\w’'-]+")


def _plausible(m: Mention, mid_caps) -> bool:
    """looks_like_speaker; and a sentence adverb, or a name in capitals (not a headline's
    or a dateline's words), only if the article writes it so inside a sentence too."""
    if looks_like_speaker(m):
        return True
    words = m.text.split()
    if m.text.isupper() and len(words) <= 2 and all(w in mid_caps() for w in words):
        return True   # "As POLITICO revealed", "MSNBC aired": the article writes it so inside sentences
    return len(words) == 1 and words[0].endswith(("ly", "wise")) and words[0] in mid_caps() \
        and not m.text.isupper()


def _rules_speaker(masked: str, sentence_of, ps: int, cue: Span) -> Mention | None:
    """The rules' speaker for a cue: the noun phrase that ends right before it in its sentence."""
    s0 = max(ps, sentence_of(cue.start)[0])
    ctx = masked[s0:cue.start]
    got = left_speaker(ctx, cue.start) if ctx.strip() else None
    if got is None and " " in masked[cue.start:cue.end]:
        # a tagged cue that took in its subject: the noun phrase before the cue's verb
        verb = _cue_verb(masked, cue)
        if verb is not None:
            return left_speaker(masked[s0:verb], verb)
    return got


def _cue_verb(masked: str, cue: Span) -> int | None:
    """Where the verb of a tagged cue that took in its subject starts ("[environmentalists
    worry] that …"): a lower-case cue word after its first word, among its first three."""
    lexicon = cue_lexicon()
    at = cue.start
    for w in masked[cue.start:cue.end].split()[:3]:
        at = masked.find(w, at)
        if at > cue.start and lexicon.get(bare_word(w)) in ("hi", "mid") and w[:1].islower():
            return at
        at += len(w)
    return None


def _cue_subject(masked: str, cue: Span) -> Mention | None:
    """The words a tagged cue took in before its verb, as written, when they are one or
    two common words ("[environmentalists worry] that …", "[all agreed] that …")."""
    verb = _cue_verb(masked, cue)
    lead = masked[cue.start:verb].split() if verb is not None else []
    if lead and all(x.isalpha() and x.islower() for x in lead):
        return Mention(" ".join(lead), kind="unnamed", pos=cue.start)
    return None


def _right_speaker(masked: str, sentence_of, cue: Span) -> Mention | None:
    """The speaker named right after a cue that follows its content: a person or an organisation."""
    rest = masked[cue.end:sentence_of(cue.start)[1]]
    m = right_speaker(rest, cue.end)
    if m is None or m.kind not in ("person", "organisation"):
        m = phrase_speaker(phrase_after(rest), cue.end) or m
    return m if m is not None and m.kind in ("person", "organisation") else None


def _inner_speaker(masked: str, a: int, b: int) -> Mention | None:
    """A tagged quote that runs over its own attribution ('“…” that is sexist, Brock said.
    “…”'): the speaker of a quote cue in it, outside the quote marks."""
    for m in QUOTE_CUE_RE.finditer(masked, a, b):
        if cue_text(m.group()) == "according to":
            continue
        left = masked[max(a, m.start() - 120):m.start()]
        cut = max(left.rfind("”"), left.rfind('"'), left.rfind(MASK))
        got = left_speaker(left[cut + 1:], m.start())
        if got is None:
            rest = masked[m.end():b]
            got = right_speaker(rest, m.end())
        if got is not None and got.kind in ("person", "organisation", "pronoun"):
            return got
    return None


def _subject(masked: str, sentence_of, ps: int, a: int, b: int, cue: Span | None) -> Mention | None:
    """The subject of the sentence a content is in (or the one before it, for a content
    that opens its sentence), when it reads as a speaker: a person, an organisation,
    a group or a pronoun, not a dateline ("WASHINGTON —") or a participle."""
    s0, s1 = sentence_of(a)
    if s0 >= a:
        s0 = sentence_of(max(ps, a - 1))[0]
    m = None
    if cue is not None and cue.start < a and masked[b:b + 1] == "," and b < s1:
        lead = masked[s0:cue.start]
        if len(lead[lead.rfind(",") + 1:].split()) <= 1:
            # "Promising that …, Bolton said", "while discussing …, Ryan said": the clause after the comma
            m = sentence_subject(masked[b + 1:s1].lstrip(), b + 1 + len(masked[b + 1:s1]) - len(masked[b + 1:s1].lstrip()))[0]
    if m is None:
        m = sentence_subject(masked[s0:cue.end if cue else a], s0)[0]
    if m is None or m.start_in(a, b) or m.kind not in SUBJECT_KINDS + ("role", "unnamed"):
        return None
    words = m.text.split()
    if m.text.isupper() and len(m.text) > 3 or words[0].lower().endswith("ing"):
        return None
    return m


TURN_RE = re.compile(r"([A-Z][A-Z'’-]{2,}(?: [A-Z][A-Z'’-]+){0,2}):\s+")   # "PENCE: ", "DANA BASH: "

SUBJECT_KINDS = ("person", "organisation", "pronoun", "org_anaphor")
CUE_GAP, SPEAKER_GAP = 30, 12   # tokens from a content to its cue, and from the cue to its speaker, at most


def learned_claims(text: str, original: str, masked: str, paras, art, taken: list[tuple[int, int]],
                   sentence_of, mentions=()) -> list[dict]:
    """Claims the tagger finds outside the spans already `taken` by the rules (whose speaker
    `mentions` are (offset, text) pairs). The tagger reads the article's own characters
    (`original`, as it was trained); `text` is the same length, its quote marks made
    regular for the rules.

    What a tagged content needs to be a claim was measured on the tenth of the PolNeAR
    train split that train.py holds out (the figures in the commit messages): a cue
    unless it is in quote marks, no document behind "according to", speech rather than
    a short quoted title, and none of the attribution of a claim of the rules."""
    tagger = shipped_tagger()
    if tagger is None:
        return []
    out = []
    found: list[set] = []

    def mid_caps() -> set:
        """Capitalised words the article writes inside a sentence (computed once, when asked)."""
        if not found:
            found.append(set(MID_CAPS_RE.findall(text)))
        return found[0]

    for (ps, _pe), spans in _tagged(tagger, text, original, paras, taken):
        contents = [s for s in spans if s.kind == "Q"]
        if not contents:
            continue
        cues = [s for s in spans if s.kind == "C"]
        speakers = [s for s in spans if s.kind == "S"]
        for q in contents:
            claim = _claim(text, masked, art, q, cues, speakers, ps, taken, sentence_of, mentions, mid_caps)
            if claim is not None:
                out.append(claim)
                insort(taken, (claim["char_start"], claim["char_end"]))
    return out


COVERED = 0.8   # a paragraph the rules' claims cover this much of is left to them (see _tagged)


def _tagged(tagger, text: str, original: str, paras, taken: list[tuple[int, int]]):
    """(paragraph, its tagged spans) of the paragraphs worth tagging: not a headline (its
    verbs are no attribution) and not covered by the rules' claims (80 % of its characters:
    on the validation tenth of the train split that lost 1 tagged claim in 3,043 and
    spared a sixth of the tagger's tokens). The paragraphs are tagged as one text, each
    decoded apart as ever, and the spans moved back to the article's offsets."""
    todo = [(ps, pe) for ps, pe in paras
            if _covered(taken, ps, pe) < COVERED * (pe - ps) and not title_case(text[ps:pe])]
    if not todo:
        return []
    joined = "\n".join(original[ps:pe] for ps, pe in todo)
    at, local = 0, []
    for ps, pe in todo:
        local.append((at, at + pe - ps))
        at += pe - ps + 1
    out = []
    for (ps, pe), (ls, _), spans in zip(todo, local, tagger.tag_text(joined, local)):
        for s in spans:
            s.start += ps - ls
            s.end += ps - ls
        out.append(((ps, pe), spans))
    return out


def _covered(taken: list[tuple[int, int]], a: int, b: int) -> int:
    """Characters of [a, b) within the taken spans (sorted, disjoint)."""
    k = max(0, bisect_left(taken, (a, a)) - 1)
    got = 0
    for x, y in taken[k:]:
        if x >= b:
            break
        got += max(0, min(b, y) - max(a, x))
    return got


def _claim(text, masked, art, q: Span, cues, speakers, ps, taken, sentence_of, mentions, mid_caps) -> dict | None:
    """The claim of one tagged content, or None when it is not one."""
    a, b = q.start, q.end
    if text[a] in ")”":
        return None  # a content that opens with a closing bracket or quote mark is the tail of another clause
    sent = sentence_of(a)
    if text[a] in ",;:":
        # "Climate change, Mr. Obama often says[, is the greatest threat …]": the content
        # goes on after the comma, unless the sentence's start is a claim already, whose
        # attribution this is ("Oil prices rose, traders said[, as OPEC …]")
        k = bisect_left(taken, (a, a))
        if k and sent[0] <= taken[k - 1][0]:
            return None
        while a < b and text[a] in ",;: ":
            a += 1
    quoted = text[a] in QUOTE_MARKS
    turn = TURN_RE.match(text, a + quoted, b)
    if turn:   # '"PENCE: Well, …': a transcript's turn, its speaker named in capitals before the colon
        a = turn.end()
    if not quoted and sent[0] <= a < sent[1] < b and len(text[a:sent[1]].split()) >= 3:
        b = sent[1]  # a paraphrase ends with its sentence ("… as “super predators.” All of this is …"),
        # before it runs into the next sentence's claim ("… on background checks. Tester added, “…”")
    if b - a < 3 or " " not in text[a:b].strip() or _overlaps(taken, a, b):
        return None
    k = bisect_left(mentions, (sent[0], ""))   # mentions: sorted by offset
    if any(len(m) > 3 and m in text[a:b] for at, m in takewhile(lambda x: x[0] < sent[1], mentions[k:k + 40])):
        return None  # holds the speaker of a claim of its sentence: that claim's attribution
    if quoted and not _one_quote(text, a, b):
        return None  # '“Bohemian Rhapsody” before an encore …': a title in a clause, not speech
    if not quoted:  # a paraphrase's cue and speaker are in its sentence: "… in the report. Critics have dubbed …"
        cues = [c for c in cues if sent[0] <= c.start < sent[1]]
        speakers = [s for s in speakers if sent[0] <= s.start < sent[1]]
    cue = _nearest(cues, q, CUE_GAP)
    if not quoted and (cue is None or not speech_cue(text[cue.start:cue.end])):
        cue = _trailing_cue(text, masked, cues, sent, b) or cue
    closing = None if quoted else _closing_attribution(masked, a, b)
    if closing is not None:   # the content ran over the attribution that closes its sentence: it ends before it
        b = closing[0]
        if cue is not None and speech_cue(text[cue.start:cue.end]) and cue.end <= a:
            closing = None    # "Bloomberg reports that X, according to Y": X is Bloomberg's
        else:
            cue = closing[1]
    if cue is None and not quoted and _nearest(speakers, q, 3) is None:
        return None  # a paraphrase needs a cue, or its speaker right by it ("PENCE: …", "Vitter …")
    if cue is not None and not quoted and _not_said(text[a:b], text[cue.start:cue.end]):
        return None
    if cue is not None and cue.end <= a and _attributive(text[sent[0]:cue.start], text[cue.start:cue.end], text[a:b]):
        return None
    according = cue is not None and text[cue.start:cue.end].lower().startswith("accord")
    # "according to" names its source after it, never before ("The top 1 percent …, according to X")
    spk = _nearest([s for s in speakers if s.start >= cue.end] if according else speakers, cue or q, SPEAKER_GAP)
    if according and 0 <= a - cue.end < 3:
        return None   # the words right after "according to" are its source, not what was said
    if according and names_no_speaker(text[spk.start:spk.end] if spk else text[cue.end:cue.end + 80]):
        return None  # "according to the Russian perspective": nobody's
    mention = None
    if according:   # "according to figures / a report": the document
        at = spk.start if spk else cue.end
        mention = document_source(masked[at:spk.end if spk else sentence_of(at)[1]], at)
    if mention is None:
        if closing is not None:
            mention = closing[2]
        elif turn:
            name = " ".join(w.capitalize() for w in turn.group(1).split())
            mention = Mention(name, name=name, kind="person", pos=turn.start())
        elif cue is not None and cue.end <= a and not according \
                and masked[cue.start:cue.end].split()[0].lower().endswith("ing"):
            mention = participle_subject(masked, sent[0], cue.start, sent[1])   # "…, saying …", "… by mentioning …"
    if mention is None and spk:
        mention = _mention(text, masked, spk, mid_caps, ps)
    if mention is None and according:   # "…, according to the Tax Foundation, more than …": the source after it
        source = masked[cue.end:sentence_of(cue.start)[1]].split(",")[0].strip(" .")
        mention = _named_source(source, cue.end) or _right_speaker(masked, sentence_of, cue)
    if mention is None and cue is not None and not according:  # the rules' noun phrase before the cue
        ruled = _rules_speaker(masked, sentence_of, ps, cue)
        if ruled is not None and ruled.kind in SUBJECT_KINDS + ("unnamed", "role") and _plausible(ruled, mid_caps):
            mention = ruled
    if mention is None and cue is not None and cue.start >= b:  # "…,” said Jeremy Bash, who …"
        mention = _right_speaker(masked, sentence_of, cue)
    if mention is None and cue is None:  # a quoted content holding its own attribution
        mention = _inner_speaker(masked, a, b)
    if mention is None:  # the subject of the sentence
        mention = _subject(masked, sentence_of, ps, a, b, cue)
        if mention is not None and not _plausible(mention, mid_caps):
            mention = None
    if mention is None and cue is not None and cue.end <= a and not according:
        # "X pulled out the book and defiantly offered …": the subject of the clause the cue is in
        mention = clause_subject(masked, sent[0], cue.start)
        if mention is not None and not _plausible(mention, mid_caps):
            mention = None
    if mention is None and cue is not None:  # a tagged speaker earlier in the sentence, however far
        s0 = sentence_of(cue.start)[0]
        before = [s for s in speakers if s0 <= s.start and s.end <= min(cue.start, a)]
        if before:
            mention = _mention(text, masked, before[0], mid_caps, ps)
    if mention is None and cue is not None:
        mention = _cue_subject(masked, cue)
    inner = text[a:b].strip(QUOTE_MARKS + " ")
    direct = quoted and text[b - 1] in QUOTE_MARKS and inner.count("“") == 0
    while b > a and text[b - 1] in ".,;: \n\t":
        b -= 1
    return make_claim(text, art, mention, text[cue.start:cue.end] if cue else None,
                      "direct" if direct else "indirect", a, b, sent, (cue or q).start)
