"""extract_claims: every attributed statement of an article's text."""

from __future__ import annotations

from newsmon.claims.direct import (
    after_attribution,
    before_attribution,
    chain_attributions,
    continues_quote,
    is_sentence_like,
    is_whole_paragraph,
    prev_close,
    tie_attribution,
)
from newsmon.claims.indirect import indirect_claims, sentence_cues
from newsmon.claims.records import Resolved, make_claim, trim_span
from newsmon.claims.sentences import (
    BULLET_PREFIX_RE,
    Segment,
    mask_quotes,
    paragraph_spans,
    quote_segments,
    sentence_spans,
)
from newsmon.claims.speakers import build_registry, resolve_mention, sentence_subject
from newsmon.claims.vocabulary import CUE_TOKEN_RE


def extract_claims(text: str) -> list[dict]:
    """Attributed statements in cleaned article text (see module docstring)."""
    if not text or ("said" not in text and "“" not in text and '"' not in text
                    and "according" not in text and not CUE_TOKEN_RE.search(text)):
        return []
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
            elif is_whole_paragraph(masked, paras, seg) and (seg.para - 1) in last_para_claim:
                prev = last_para_claim[seg.para - 1]
                mention, cue, cue_pos = None, prev["cue"], seg.start
                res = (prev["speaker"], prev["speaker_role"], prev["speaker_type"])
            elif is_whole_paragraph(masked, paras, seg) and is_sentence_like(text[quote_a:quote_b]) and seg.closed:
                mention, cue, cue_pos, res = None, None, seg.start, (None, None, None)
            else:
                continue  # a title, nickname or scare quote: not a claim
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
    return claims
