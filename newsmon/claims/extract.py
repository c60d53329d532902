"""extract_claims: every attributed statement of an article's text."""

from __future__ import annotations

import re
from bisect import bisect_right

from newsmon.claims.direct import (
    after_attribution,
    before_attribution,
    chain_attributions,
    colon_intro,
    continues_quote,
    dash_attribution,
    is_sentence_like,
    is_whole_paragraph,
    prev_close,
    tie_attribution,
    verb_attribution,
)
from newsmon.claims.indirect import indirect_claims, sentence_cues
from newsmon.claims.learned import learned_claims, speech_cue
from newsmon.claims.records import JOIN, Resolved, make_claim, trim_span
from newsmon.claims.sentences import (
    BULLET_PREFIX_RE,
    Segment,
    mask_quotes,
    paragraph_spans,
    quote_segments,
    sentence_spans,
    single_to_double_quotes,
    two_apostrophes_to_quotes,
)
from newsmon.claims.speakers import bare_word, build_registry, resolve_mention, sentence_subject
from newsmon.claims.vocabulary import CUE_TOKEN_RE, QUOTE_CUE_RE


def extract_claims(text: str) -> list[dict]:
    """Attributed statements in cleaned article text (see module docstring)."""
    if not text or ("said" not in text and "“" not in text and '"' not in text
                    and "ccording" not in text and not CUE_TOKEN_RE.search(text)):
        return []
    original, text = text, single_to_double_quotes(two_apostrophes_to_quotes(text))
    paras = paragraph_spans(text)
    segs = quote_segments(text, paras)
    sents = sentence_spans(text, paras, segs)
    masked = mask_quotes(text, segs)
    art = build_registry(masked, paras)
    cues_by_sent = sentence_cues(masked, paras, sents)

    by_sent: dict[int, list[Segment]] = {}
    si = 0
    for seg in segs:
        while si < len(sents) - 1 and sents[si][1] <= seg.start:
            si += 1
        seg.sent = si
        by_sent.setdefault(si, []).append(seg)

    claims: list[dict] = []
    chain_speaker: dict[int, tuple] = {}
    chain_mention: dict[int, tuple] = chain_attributions(text, masked, segs, sents)
    last_para_claim: dict[int, dict] = {}
    prev_attr_in_para: dict[int, tuple] = {}

    for idx, (s0, s1, pi) in enumerate(sents):
        sent = (s0, s1)
        bullet = BULLET_PREFIX_RE.match(masked, s0, s1)
        body_start = bullet.end() if bullet else s0
        local_speakers: list[tuple[int, tuple]] = []

        subj, spos = (None, 0)
        if masked[body_start:body_start + 1] not in ("“", '"'):
            subj, spos = sentence_subject(masked[body_start:s1], body_start)
            if subj and subj.kind in ("person", "organisation"):
                resolve_mention(art, subj, spos)

        def sent_speaker(pos, _subj=subj, _spos=spos, local_speakers=local_speakers):
            """Speaker of a participle/coordinated cue: the latest speaker in this sentence."""
            for p, res, mtext in reversed(local_speakers):
                if p <= pos:
                    return Resolved(res, mtext)
            return _subj

        used_cues: set[int] = set()
        for seg in by_sent.get(idx, ()):
            quote_a, quote_b = trim_span(text, seg.start, seg.end)  # keeps "?" and "!"
            if quote_b <= quote_a:
                continue
            attr = after_attribution(masked, seg.end, s1) if seg.closed else None
            if attr is None:
                attr = before_attribution(masked, max(body_start, prev_close(segs, seg, s0)), seg.start - 1)
            tie = None
            if attr is None:
                tie = tie_attribution(masked, body_start, seg.start - 1, sent_speaker)
            if attr is None and tie is None and seg.closed:
                attr = verb_attribution(text, masked, seg.end, s1) or dash_attribution(masked, paras, seg)
            res = None
            if attr:
                mention, cue, cue_pos = attr
                used_cues.add(cue_pos)
            elif tie:
                mention, cue, cue_pos = tie
                used_cues.add(cue_pos)
            elif seg.chain in chain_mention:
                mention, cue, cue_pos = chain_mention[seg.chain]
            elif seg.chain in chain_speaker:
                mention, cue, cue_pos = None, chain_speaker[seg.chain][1], seg.start
                res = chain_speaker[seg.chain][0]
            elif continues_quote(masked, seg, s0, prev_attr_in_para):
                mention, cue, res = prev_attr_in_para[seg.para]
                cue_pos = seg.start
            elif (intro := colon_intro(masked, paras, sents, seg)) is not None:
                mention, cue, cue_pos = intro
            elif is_whole_paragraph(masked, paras, seg) and (seg.para - 1) in last_para_claim:
                prev = last_para_claim[seg.para - 1]
                mention, cue, cue_pos = None, prev["cue"], seg.start
                res = (prev["speaker"], prev["speaker_role"], prev["speaker_type"])
            elif is_whole_paragraph(masked, paras, seg) and is_sentence_like(text[quote_a:quote_b]) and seg.closed:
                mention, cue, cue_pos, res = None, None, seg.start, (None, None, None)
            else:
                continue  # a title, nickname or scare quote: not a claim
            if _named_work(masked, seg.start, text[quote_a:quote_b]):
                continue  # 'said on “Fox News Sunday”': a programme's or a work's title
            if isinstance(mention, Resolved):
                res = mention.res
            if res is None:
                res = resolve_mention(art, mention, cue_pos)
            elif res[0] and res[2] == "person":
                art.note_person(res[0], cue_pos)
            claim = make_claim(text, art, mention, cue, "direct", quote_a, quote_b, sent, cue_pos, resolved=res)
            claims.append(claim)
            local_speakers.append((cue_pos, res, claim["speaker_mention"]))
            chain_speaker[seg.chain] = (res, cue)
            prev_attr_in_para[seg.para] = (mention, cue, res)
            last_para_claim[pi] = claim

        before = len(claims)
        indirect_claims(text, masked, art, sent, cues_by_sent[idx], used_cues, sent_speaker, claims)
        # resolve participles that point at a direct claim's speaker
        for c in claims[before:]:
            last_para_claim[pi] = c
            if c["speaker"] and c["speaker_type"] == "person":
                art.note_person(c["speaker"], c["char_start"])
                local_speakers.append((c["char_start"], (c["speaker"], c["speaker_role"], c["speaker_type"]),
                                       c["speaker_mention"]))
    claims.sort(key=lambda c: c["char_start"])
    claims = join_split_quotes(text, masked, paras, claims)
    taken = sorted((c["char_start"], c["char_end"]) for c in claims)
    starts = [a for a, _, _ in sents]

    def sentence_of(pos: int) -> tuple[int, int]:
        k = max(0, bisect_right(starts, pos) - 1)
        return sents[k][0], sents[k][1]

    mentions = [(c["char_start"], c["speaker_mention"]) for c in claims if c["speaker_mention"]]
    claims += learned_claims(text, original, masked, paras, art, taken, sentence_of, mentions)
    claims = [c for c in claims if not _label_only(c)]
    claims.sort(key=lambda c: c["char_start"])
    orgs = {c["speaker"] for c in claims if c["speaker_type"] == "organisation"}
    for c in claims:  # "Harbour Water said …" and later "a spokesperson for Harbour Water": one organisation
        if c["speaker"] in orgs and c["speaker_type"] in ("person", None):
            c["speaker_type"] = "organisation"
    if text is not original:  # British single quotes: report the article's own characters
        for c in claims:
            c["quote"] = JOIN.join(original[a:a + len(piece)] for a, piece in _piece_offsets(text, c))
            at = text.rfind(c["sentence"], 0, c["char_start"] + 1)
            if at >= 0:
                c["sentence"] = original[at:at + len(c["sentence"])]
    return claims


PERSON_OBJECTS = frozenset(("him", "her", "them", "me", "you", "us", "himself", "herself"))


def _label_only(claim: dict) -> bool:
    """A quoted word tied by a verb that is no speech ('dismissed it as “absurd”'), or two
    words naming a person ('called him a “pathological liar”'): a label, not a statement.
    On the PolNeAR train split 28 % of the quoted words and pairs were claims there, against
    90 % of longer quotes; a pair that labels a thing ('calling the offer “empty words”')
    judges what was said and stays a claim."""
    if claim["kind"] != "direct" or (claim["cue"] and speech_cue(claim["cue"])):
        return False
    words = len(WORD_RE.findall(claim["quote"]))
    if words <= 1:
        return True
    if words > 2 or not claim["cue"]:
        return False
    sentence = claim["sentence"]
    at = sentence.find(claim["cue"])
    end = sentence.find(claim["quote"], at)
    if at < 0 or end < 0:
        return False
    between = [w for w in sentence[at + len(claim["cue"]):end].strip(" “\"").split() if w not in ("a", "an", "as")]
    return bool(between) and (bare_word(between[0]) in PERSON_OBJECTS
                              or all(w[:1].isupper() for w in between))


WORD_RE = re.compile(r"[^\W_]+")


def _named_work(masked: str, opening: int, quote: str) -> bool:
    """Is a quoted passage the title of a programme or a work, set after a preposition
    ('told “Face the Nation”', 'said on “Fox News Sunday”'): a few words, the longer
    ones all capitalised, no sentence's end?"""
    words = quote.split()
    long_words = [w for w in words if len(w) > 3]
    if not 2 <= len(words) <= 6 or len(long_words) < 2 or quote.endswith((".", "!", "?")) \
            or not all(w[0].isupper() for w in long_words):
        return False
    before = masked[max(0, opening - 5):opening - 1].split()
    if not before:
        return False
    if quote.endswith(","):   # 'on this weekend’s broadcast of “Fox News Sunday,” Pence said'
        return before[-1] in ("on", "of")
    return before[-1] in ("on", "in", "at", "to", "told", "of")


def _attribution_gap(gap: str) -> bool:
    """What lies between two pieces of one quote: its attribution or only punctuation, and no other quote."""
    if gap.count("“") + gap.count('"') > 2:
        return False
    words = gap.strip(" ,.;:!?“”\"—–-_").strip()
    return not words or QUOTE_CUE_RE.search(gap) is not None


SPLIT_GAP = 160  # characters between the pieces of one quote: its attribution, at most


def join_split_quotes(text: str, masked: str, paras, claims: list[dict]) -> list[dict]:
    """One claim for a quote split around its attribution ('“A,” X said. “B.”'): the
    pieces of a paragraph's quote by one speaker, with nothing between them but the
    attribution, are one statement. Its span runs from A to B; its quote joins them with ' … '."""
    out: list[dict] = []
    para_ends = [pe for _, pe in paras]
    for c in claims:
        prev = out[-1] if out else None
        if (prev is not None and c["kind"] == "direct" and prev["kind"] == "direct"
                and c["speaker"] == prev["speaker"] and (c["speaker"] or prev["speaker_mention"] or c["speaker_mention"])
                and 0 < c["char_start"] - prev["char_end"] <= SPLIT_GAP
                and bisect_right(para_ends, prev["char_end"] - 1) == bisect_right(para_ends, c["char_start"])
                and _attribution_gap(masked[prev["char_end"]:c["char_start"]])):
            joined = dict(prev)
            joined["quote"] = prev["quote"] + JOIN + c["quote"]
            joined["char_end"] = c["char_end"]
            if not prev["speaker_mention"] and c["speaker_mention"]:
                joined.update(speaker_mention=c["speaker_mention"], cue=c["cue"], speaker_role=c["speaker_role"])
            if c["sentence"] not in joined["sentence"]:
                joined["sentence"] = joined["sentence"] + " " + c["sentence"]
            out[-1] = joined
            continue
        out.append(c)
    return out


def _piece_offsets(text: str, claim: dict) -> list[tuple[int, str]]:
    """(offset, piece) of each piece of a claim's quote within its span."""
    out, at = [], claim["char_start"]
    for piece in claim["quote"].split(JOIN):
        found = text.find(piece, at, claim["char_end"])
        at = found if found >= 0 else at
        out.append((at, piece))
        at += len(piece)
    return out
