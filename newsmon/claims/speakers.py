"""Speakers: noun phrases and names in the text, the article's registry of who is who, and resolving a mention to a speaker."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, takewhile

from newsmon.claims.keys import fold
from newsmon.claims.sentences import MASK, QUOTE_CHAR_RE, WORD_RE
from newsmon.claims.tagger import cue_lexicon
from newsmon.claims.vocabulary import (
    _LEFT_TRIM_SET,
    ABBREVIATIONS,
    ADVERB_TAIL_RE,
    APPOSITIVE_RE,
    BE_FORMS,
    CAP_STOP,
    COMPANY_ANAPHORS,
    GENDERED_WORDS,
    GOVERNMENT_OF,
    GOVERNMENT_PHRASE_RE,
    LEFT_TRIM_RE,
    NON_COMPANY_WORDS,
    ORG_ANAPHORS,
    ORG_WORDS,
    PARENTHETICAL_RE,
    PARTICLES,
    PLACE_SPEAKERS,
    POSSESSIVE_DETERMINERS,
    POSSESSIVE_ORG_RE,
    PRONOUNS,
    QUOTE_CUES,
    RELATIVE_LONG_RE,
    RELATIVE_RE,
    ROLE_HEADS,
    ROLE_WORDS,
    SHARE_SPEAKER_RE,
    SOURCE_PHRASE_RE,
    UNNAMED_HEADS,
)

DOCUMENT_HEADS = {  # "according to figures/a report": the document is the source
    "figures", "data", "report", "reports", "survey", "study", "studies", "estimates",
    "estimate", "analysis", "documents", "document", "records",
    "polls", "poll", "statistics", "research", "reporting", "calculations", "tally",
    "census", "filings", "filing", "list", "map", "footage", "images", "rules", "law",
}
NOT_SOURCE_HEADS = {"perspective", "view"}   # "according to the Russian perspective": nobody


def _may_left_trim(last_two: list[str]) -> bool:
    """A cheap necessary condition for LEFT_TRIM_RE to match a text that ends with the
    words `last_two`: the last is a trim word, ends in 'ly' or follows 'on'. The regex
    itself tries a match at every position of the text, which is slow on long ones."""
    return bool(last_two) and (last_two[-1] in _LEFT_TRIM_SET or last_two[-1].endswith("ly")
                               or last_two[0] == "on")


@dataclass
class Mention:
    """A parsed speaker noun phrase."""
    text: str
    name: str | None = None       # proper name part
    role: str | None = None
    kind: str | None = None       # person | organisation | pronoun | role | org_anaphor | unnamed
    pos: int = 0

    def start_in(self, a: int, b: int) -> bool:
        return a <= self.pos < b


@dataclass
class Person:
    name: str
    roles: list = field(default_factory=list)
    pos: int = 0
    gender: str | None = None     # "f" | "m" where the article shows it (a title, a role, a pronoun)


def gender_of_words(words) -> str | None:
    """'f' or 'm' when a title or role word says it (Mrs, spokeswoman, Sir …)."""
    for w in words:
        g = GENDERED_WORDS.get(bare_word(w).rstrip("."))
        if g:
            return g
    return None


PRONOUN_GENDER = {"she": "f", "her": "f", "hers": "f", "herself": "f",
                  "he": "m", "him": "m", "his": "m", "himself": "m"}


def _strip_word(w: str) -> str:
    return w.strip(",;:()“”\"‘")


POSSESSIVE_RE = re.compile(r"[’']s$")


# a worker's caches of per-word answers: news vocabulary repeats, but past ~16,000 words
# a cache mostly holds words seen once (the hit rate barely moves) at ~150 bytes a word
WORD_CACHE_SIZE = 1 << 14


@lru_cache(maxsize=WORD_CACHE_SIZE)  # words repeat a lot across articles; this is the hot path
def bare_word(w: str) -> str:
    """Lower-case word without possessive and punctuation (for vocabulary checks)."""
    w = POSSESSIVE_RE.sub("", _strip_word(w)).lower()
    return w if w.endswith(".") and w[:-1] in ABBREVIATIONS else w.rstrip(".")


def _is_cap(w: str) -> bool:
    return bool(w) and (w[0].isupper() or (w[0] in "“\"" and len(w) > 1 and w[1].isupper()))


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _is_cap_core(w: str) -> bool:
    """Is the word capitalised once quote marks and punctuation are stripped?"""
    return _is_cap(_strip_word(w))


NP_DETERMINERS = frozenset(("the", "a", "an")) | POSSESSIVE_DETERMINERS   # open a speaker phrase


@lru_cache(maxsize=WORD_CACHE_SIZE)
def is_np_word(w: str) -> bool:
    """Can this word be part of a speaker noun phrase?"""
    b = bare_word(w)
    if MASK in w or not b:
        return False
    return _is_cap(w) or b in ROLE_WORDS or b in ORG_ANAPHORS or b in PARTICLES \
        or b in UNNAMED_HEADS or b in NP_DETERMINERS


def _left_np_words(ctx: str) -> list[str]:
    """Words of the noun phrase that ends `ctx` (walk back until a non-NP word)."""
    words = ctx.split()
    if words and words[-1].lower() in PRONOUNS:
        return [words[-1]]
    if len(words) > 1 and words[-1].isdigit() and words[-2] in ("No.", "no."):  # "Union No. 1"
        head = _left_np_words(" ".join(words[:-1]))
        return head + [words[-1]] if head else []
    out: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        w = words[i]
        if out and w[-1] in ",;:":
            break
        connector = (out and bare_word(w) in NAME_CONNECTORS and _is_cap(out[-1]) and i > 0
                     and _is_cap(words[i - 1]) and words[i - 1][-1] not in ",;:")
        if w.endswith("_”") or w.endswith('_"') or (not is_np_word(w) and not connector):
            break
        out.append(w)
        if bare_word(w) in NP_DETERMINERS:
            break
    out.reverse()
    while out and bare_word(out[0]) in CAP_STOP and bare_word(out[0]) not in NP_DETERMINERS:
        out.pop(0)  # "Yesterday Smith said": drop the sentence adverb
    return out


NAME_CONNECTORS = {"of", "for", "and", "&", "without", "on"}


def right_np_words(ctx: str) -> list[str]:
    """Words of the noun phrase that starts `ctx` (inverted 'said Mayor X, who')."""
    out = []
    words = ctx.split()
    for i, w in enumerate(words):
        connector = (out and bare_word(w) in NAME_CONNECTORS and _is_cap(out[-1]) and out[-1][-1] not in ",;:"
                     and i + 1 < len(words) and _is_cap(words[i + 1]))
        if not is_np_word(w) and not connector:
            break
        bare_end = w[-1] in ",;:.!?" and not (w.endswith(".") and (bare_word(w).endswith(".") or _is_initial(w)))
        out.append(w)
        if bare_end:
            break
    while out and bare_word(out[-1]) == "of":
        out.pop()
    return _with_number(out, words)


RELATIVE_WORDS = frozenset(("who", "whom", "whose", "which", "that"))


def is_relative_word(w: str) -> bool:
    """'who', 'that' … as written in lower case ("The WHO said" names the organisation)."""
    return _strip_word(w).rstrip(".") in RELATIVE_WORDS


def parse_np(words: list[str], pos: int) -> Mention | None:
    """Split a noun phrase into role + name and classify it."""
    while len(words) > 1 and is_relative_word(words[-1]):
        words = words[:-1]  # "economists who [agree]", "a New Hampshire law that [allows]": the head speaks
    if not words:
        return None
    fields = _parse_np_fields(tuple(words))
    return Mention(*fields, pos=pos) if fields else None


_HONORIFICS = frozenset(("mr", "mrs", "ms", "miss", "dr", "mr.", "mrs.", "ms.", "dr."))


@lru_cache(maxsize=1 << 14)  # speakers and subjects recur within and across articles
def _parse_np_fields(words: tuple[str, ...]) -> tuple | None:
    """parse_np without the position: (text, name, role, kind), or None."""
    text = " ".join(_strip_word(w) for w in words)
    if not bare_word(words[-1]).endswith("."):
        text = text.rstrip(".")  # sentence period, not an abbreviation like "Jr."
    toks = [_strip_word(w) for w in words]
    det = bare_word(toks[0]) if bare_word(toks[0]) in ("the", "a", "an") else None
    if bare_word(toks[0]) in POSSESSIVE_DETERMINERS:
        if len(toks) == 1:
            return None
        det = "the"   # "Her office", "their lawyers": spoken of as "the office" is
    if det:
        toks = toks[1:]
    if not toks:
        return None
    toks[-1] = toks[-1].rstrip(".") if not bare_word(toks[-1]).endswith(".") else toks[-1]
    low = [bare_word(t) for t in toks]
    if len(toks) == 1 and low[0] in PRONOUNS:
        return (text, None, None, "pronoun")
    if low[-1] in UNNAMED_HEADS and low[-1].endswith("s") and all(
            not _is_cap(t) or i == 0 or bare_word(t) not in ORG_WORDS for i, t in enumerate(toks)) \
            and (not any(bare_word(t) in ROLE_HEADS for t in toks[:-1]) or not any(map(_is_cap, toks[1:]))) \
            and len(toks) <= 3:
        return (text, None, None, "unnamed")  # "Prosecutors", "Israeli officials"
    heads = [i for i, b in enumerate(low)
             if b in ROLE_HEADS or ("-" in b and any(x in ROLE_HEADS for x in b.split("-")))]
    last_head = heads[-1] if heads else -1
    if len(heads) > 1 and last_head == len(toks) - 1 and _is_cap(toks[-1]) \
            and (low[-2] in _HONORIFICS or heads[-2] < len(toks) - 2):
        last_head = heads[-2]  # "Mr. King", "Rep. Peter King": a surname that is also a role word
    name_toks = toks[last_head + 1:]
    role = " ".join(toks[:last_head + 1]) or None
    if not name_toks and role:
        return (text, None, role, "role")
    org_part = name_toks if name_toks else toks
    if any(_is_cap(t) and bare_word(t) in ORG_WORDS for t in org_part) or " ".join(low) in PLACE_SPEAKERS:
        # organisations keep their whole name ("Foreign Ministry", "International Monetary Fund")
        name = " ".join(toks)
        return (text, re.sub(r"[’']s$", "", name), None, "organisation")
    if det in ("a", "an"):
        return (text, None, role, "unnamed")
    if not name_toks:
        if role:
            return (text, None, role, "role")
        return None
    if det == "the" and len(name_toks) > 1 and (low[-1] in ORG_ANAPHORS or low[-1] in COMPANY_ANAPHORS) \
            and all(_is_cap(t) for t in name_toks[:-1]) and bare_word(name_toks[0]) not in CAP_STOP:
        return (text, " ".join(toks), role, "organisation")   # "the Sanders campaign", "the Trump administration"
    if all(not _is_cap(t) for t in name_toks):
        if low[-1] in ORG_ANAPHORS or low[-1] in COMPANY_ANAPHORS:
            return (text, low[-1], role, "org_anaphor")
        if low[-1] in UNNAMED_HEADS:
            return (text, None, role, "unnamed")
        return None
    if any(not _is_cap(t) and bare_word(t) not in PARTICLES for t in name_toks):
        return None
    name = re.sub(r"[’']s$", "", " ".join(name_toks))
    if bare_word(name_toks[0]) in CAP_STOP:
        return None
    if name.lower() in PLACE_SPEAKERS or (det == "the" and not role and len(name_toks) > 1):
        return (text, name, role, "organisation")   # "the Philippine Star": no person's name
    return (text, name, role, "person")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _norm_token(t: str) -> str:
    """Spelling-tolerant token: 'Zelenskyy' and 'Zelensky' compare equal."""
    return re.sub(r"(.)\1", r"\1", fold(t))


# "the president" is not the vice president, "the minister" not the deputy minister
_LESSER_ROLE = frozenset(("vice", "deputy", "former", "assistant", "acting", "associate", "junior", "ex"))


class SpeakerRegistry:
    """Per-article resolution state: known people, organisations and salience."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        self.by_token: dict[str, list[Person]] = {}
        self.orgs: list[tuple[int, str]] = []         # (pos, name) of organisation speakers/subjects
        self.salient: list[tuple[int, str]] = []      # (pos, person name): speakers and subjects
        self.text = ""                                # the article (how often a name occurs in it)

    # -- registry --------------------------------------------------------
    def add_person(self, name: str, role: str | None, pos: int, gender: str | None = None) -> Person:
        for p in self.by_token.get(_norm_token(name.split()[-1]), []):
            if p.name == name:
                if role and role not in p.roles:
                    p.roles.append(role)
                p.gender = p.gender or gender or (gender_of_words(role.split()) if role else None)
                return p
        p = Person(name, [role] if role else [], pos, gender or (gender_of_words(role.split()) if role else None))
        self.people.append(p)
        for t in name.split():
            if bare_word(t) not in PARTICLES:
                self.by_token.setdefault(_norm_token(t), []).append(p)
        return p

    def find_person(self, name: str, pos: int, gender: str | None = None) -> Person | None:
        """Full person for a (possibly short or variant) name mention; with a gender (the
        mention's title: "Mrs. Clinton"), one the article does not show to be of the other."""
        toks = name.split()
        cands = self.by_token.get(_norm_token(toks[-1]), [])
        if len(toks) > 1:
            exact = [p for p in cands if p.name == name]
            if exact:
                return exact[0]
            cands = [p for p in cands if len(p.name.split()) >= len(toks)
                     and all(_norm_token(t) in {_norm_token(x) for x in p.name.split()} for t in toks)]
        if gender and len(cands) > 1:
            cands = [p for p in cands if p.gender in (None, gender)] or cands
        if not cands:
            return None
        before = [p for p in cands if p.pos <= pos]
        return max(before, key=lambda p: p.pos) if before else cands[0]

    def find_by_role(self, role: str, pos: int) -> Person | None:
        """'the spokesman' / 'The Kremlin spokesman' -> the person who holds that role."""
        want = {bare_word(w) for w in role.split()} - {"the"}
        holders = []
        for p in self.people:
            for r in p.roles:
                have = {bare_word(w) for w in r.split()}
                if want <= have and not (have - want) & _LESSER_ROLE:
                    holders.append(p)
                    break
        if not holders:
            return None
        best = min(holders, key=lambda p: abs(p.pos - pos))
        if len(holders) > 1 and self.text:
            # the holder the article is about, not one named once in an aside ("the president"
            # of an article about Obama is not "President Ronald Reagan" mentioned near the end)
            count = {p.name: self.text.count(p.name.split()[-1]) for p in holders}
            top = max(holders, key=lambda p: count[p.name])
            if count[top.name] >= max(3, 3 * count[best.name]):
                return top
        return best

    def note_org(self, name: str, pos: int) -> None:
        self.orgs.append((pos, name))

    def note_person(self, name: str, pos: int) -> None:
        self.salient.append((pos, name))

    def last_person(self, pos: int, gender: str | None = None) -> str | None:
        """The latest salient person before pos; with a gender, the latest not known to be of the other."""
        # latest first (the later of two at one offset): the gender is looked up only until one fits
        for p, i in sorted(((p, i) for i, (p, _) in enumerate(self.salient) if p <= pos), reverse=True):
            n = self.salient[i][1]
            if not gender or self.gender_of(n, p) in (None, gender):
                return n
        return None

    def gender_of(self, name: str, pos: int) -> str | None:
        person = self.find_person(name, pos)
        return person.gender if person else None

    def last_org(self, noun: str | None, pos: int) -> str | None:
        """Most recent organisation matching an anaphor noun ('the fund' -> '… Fund')."""
        best = None
        for p, n in self.orgs:
            if p > pos:
                continue
            low = n.lower()
            ok = noun is None or noun in low.split() or (
                noun in COMPANY_ANAPHORS and low not in PLACE_SPEAKERS
                and not NON_COMPANY_WORDS.intersection(low.replace(".", "").split()))
            if noun == "kremlin":
                ok = low == "kremlin"
            if ok and (best is None or p >= best[0]):
                best = (p, n)
        return best[1] if best else None


def build_registry(text: str, paras) -> SpeakerRegistry:
    """Pre-pass: every 'Role First Last' in the article, so 'Peskov' finds 'Dmitry Peskov'."""
    art = SpeakerRegistry()
    art.text = text
    for ps, pe in paras:
        line = text[ps:pe]
        if title_case(line):
            continue  # headlines: title case makes every word look like a name
        words = line.split()
        # One code character per word, so a regex finds the name runs without a
        # Python loop over every word.
        kinds = "".join(map(_RUN_CODES.__getitem__, words))
        for m in NAME_RUN_RE.finditer(kinds):
            person = _run_person(tuple(words[m.start():m.end()]))
            if person:
                art.add_person(*person, ps + _nth_word_start(line, words, m.start()),
                               _pronoun_after(words, m.end(), kinds))
    return art


def _pronoun_after(words: list[str], j: int, kinds: str) -> str | None:
    """Gender of the first he/she/his/her after a name in its sentence, before any other name."""
    for k in range(j, min(len(words), j + 25)):
        w = words[k]
        g = PRONOUN_GENDER.get(w.lower().strip(",;:.!?”\"’"))
        if g:
            return g
        if kinds[k] in "34" and k > j and words[k][0].isupper() and kinds[k - 1] in "34":
            return None  # another name: the pronoun may be theirs
        if w[-1] in ".!?" and not bare_word(w).endswith("."):
            return None
    return None


# Name runs in a line's code string (see _run_word): maximal stretches of words that
# may be in a name, each ended by a run-ending word (2 or 4) or by a "0". Only the runs
# of two or more words (so starting with a 1 or 3) that hold a capitalised word (a 3,
# or a final 4) can name a person, and only those match.
NAME_RUN_RE = re.compile(r"(?=[13][1-4])[13]*(?:3[13]*[24]?|4)")


def _nth_word_start(line: str, words: list[str], n: int) -> int:
    """Offset of words[n] in line (words = line.split())."""
    before = sum(map(len, words[:n]))
    if len(line) == before + sum(map(len, words[n:])) + len(words) - 1:
        return before + n  # single spaces between the words, none around them
    return next(islice(WORD_RE.finditer(line), n, None)).start()


class _WordTable(dict):
    """table[w] == fn(w) for a pure per-word function, computed once per word. Looking a
    word up (in map() over a line's words) costs half an lru_cache call. Cleared when
    it grows large, as lru_cache would drop old words."""

    def __init__(self, fn, limit: int = WORD_CACHE_SIZE) -> None:
        super().__init__()
        self.fn, self.limit = fn, limit

    def __missing__(self, w: str):
        if len(self) >= self.limit:
            self.clear()
        value = self[w] = self.fn(w)
        return value


def _run_word(w: str) -> str:
    """For build_registry: "0" = not part of a name run, "1" = part of one, "2" = part
    and ends it; "3" and "4" are "1" and "2" for a capitalised word."""
    if not is_np_word(w) or QUOTE_CHAR_RE.search(w, 1):   # is_np_word is False when MASK in w
        return "0"
    ends = w[-1] in ",;:" or w.endswith(("’s", "'s")) or (
        w[-1] in ".!?" and not bare_word(w).endswith(".") and not _is_initial(w))  # "Joseph R. Biden"
    return ("4" if ends else "3") if _is_cap_core(w) else ("2" if ends else "1")


_RUN_CODES = _WordTable(_run_word)


def title_case(line: str) -> bool:
    """Headline-style line ("Xi, Putin Sign 20+ Deals in Beijing")."""
    line = line.strip()
    if line.endswith((".", "!", "?", "”", '"', ":")):
        return False  # a sentence, not a headline
    words = [w for w in line.split() if len(w) > 3 and w[0].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


@lru_cache(maxsize=1 << 14)  # an article repeats its names
def _run_person(run: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(name, role) of the person a name run names, if it names one."""
    # a run may hold several phrases ("The Kremlin" + …); start after the last determiner
    while run and bare_word(run[0]) in CAP_STOP:
        run = run[1:]
    if len(run) < 2:
        return None
    if not any(map(_is_cap_core, run)):
        return None   # a person's name needs a capitalised word: skip parsing "the minister"
    fields = _parse_np_fields(run)  # (text, name, role, kind)
    if fields and fields[3] == "person":
        name, role = fields[1], fields[2]
        name_words = name.split()
        if len(name_words) >= 2 and bare_word(name_words[0]) not in PARTICLES \
                and not any(bare_word(t) in CAP_STOP or bare_word(t) in ORG_WORDS for t in name_words):
            return name, role
    return None


def resolve_mention(art: SpeakerRegistry, m: Mention | None, pos: int) -> tuple[str | None, str | None, str | None]:
    """(speaker, role, speaker_type) for a mention, updating salience."""
    if m is None:
        return None, None, None
    if m.kind == "pronoun":
        p = {"his": "he", "her": "she"}.get(m.text.lower(), m.text.lower())
        if p in ("he", "she"):
            name = art.last_person(pos, PRONOUN_GENDER[p])
            if name:
                person = art.find_person(name, pos)
                if person and person.gender is None:
                    person.gender = PRONOUN_GENDER[p]  # the article has now shown it
                return name, (person.roles[0] if person and person.roles else None), "person"
            return None, None, "person"
        if p == "it":
            name = art.last_org(None, pos)
            return name, None, "organisation" if name else None
        return None, None, None
    if m.kind == "unnamed":
        if is_group(m.text):  # "Economists", "Head teachers", "police": a group speaks, named as written
            return generic_name(m.text), m.role, "group"
        # "a senior official", "a Brightwater spokesperson": nobody named, the description shown
        return generic_name(m.text), m.role, "unnamed"
    if m.kind == "org_anaphor":
        name = art.last_org(m.name, pos)
        if name:
            art.note_org(name, pos)
            return name, None, "organisation"
        name = generic_name(m.text)  # "The council said" with no council named before: kept as written
        art.note_org(name, pos)
        return name, None, "organisation"
    if m.kind == "role":
        if m.role and m.role.lower() in PLACE_SPEAKERS:
            return m.role, None, "organisation"
        # "his lawyer", "her spokesman": a role relative to someone, not who holds it in the article
        relative = bare_word(m.text.split()[0]) in POSSESSIVE_DETERMINERS
        person = None if relative else art.find_by_role(m.role, pos)
        if person:
            art.note_person(person.name, pos)
            return person.name, person.roles[0] if person.roles else m.role, "person"
        # "the president" unresolved, "analyst says", "Philippine lawmaker wants": shown as written
        return generic_name(m.text), m.role, "unnamed"
    if m.kind == "organisation":
        art.note_org(m.name, pos)
        return m.name, m.role, "organisation"
    if not m.name:
        return generic_name(m.text) or None, m.role, "unnamed"
    person = art.find_person(m.name, pos, gender_of_words(m.role.split()) if m.role else None)
    if person:
        art.note_person(person.name, pos)
        role = m.role or (person.roles[0] if person.roles else None)
        return person.name, role, "person"
    if len(m.name.split()) >= 2 or m.role:
        art.note_person(m.name, pos)
        return m.name, m.role, "person"
    return m.name, m.role, None  # a lone unknown word: keep it, type unknown


def government_mention(ctx: str, pos: int) -> Mention | None:
    """'the government in Berlin' -> 'German government' (the phrase kept as the mention)."""
    m = GOVERNMENT_PHRASE_RE.search(ctx)
    if not m:
        return None
    adj = GOVERNMENT_OF.get(m.group(2).lower().rstrip("."))
    if not adj:
        return None
    noun = m.group(1).lower()
    return Mention(ctx[m.start():].strip(), name=f"{adj} {noun}", kind="organisation", pos=pos)


def is_group(text: str) -> bool:
    """A plural group of people ('Economists', 'Head teachers', 'police', 'Union officials')."""
    words = text.split()
    if not words or bare_word(words[0]) in ("a", "an", "one"):
        return False
    last = bare_word(words[-1])
    return last in UNNAMED_HEADS and (last.endswith("s") or last in ("police", "staff"))


def generic_name(text: str) -> str:
    """A speaker named by a common noun, as written: 'The council' -> 'the council'."""
    words = text.split()
    if words and (bare_word(words[0]) in NP_DETERMINERS or bare_word(words[0]) == "one"):
        words[0] = words[0].lower()
    return " ".join(words)


def left_speaker(ctx: str, pos: int) -> Mention | None:
    """Speaker noun phrase ending `ctx` (text right before a cue word)."""
    # Each regex below runs only when the text has what it needs to match (a trim
    # word, "who", a final comma, a possessive): most contexts have none of them.
    ctx = ctx.rstrip()
    if ctx.endswith(")") or ctx.endswith("),"):   # "Sen. Elizabeth Warren (D-MA) said"
        ctx = _PAREN_RE.sub("", ctx).rstrip()
    last_two = ctx.rsplit(None, 2)[-2:]
    if _may_left_trim(last_two):
        ctx = LEFT_TRIM_RE.sub("", ctx)  # also leaves no trailing whitespace
        last_two = ctx.rsplit(None, 2)[-2:]
    if " in " in ctx:  # "The government in Berlin said" -> the German government
        gov = government_mention(ctx, pos)
        if gov:
            return gov
    m = RELATIVE_RE.match(ctx) or RELATIVE_LONG_RE.match(ctx) if "who" in ctx or "which" in ctx else None
    if m:   # "Sanders, meanwhile, who sits at zero endorsements, said": the head, not its aside
        return parse_np(_left_np_words(ADVERB_TAIL_RE.sub("", m.group(1))), pos)
    if ctx.endswith(","):
        aside = PARENTHETICAL_RE.search(ctx)
        if aside:   # the speaker is before the aside: appositive and all, when it names a person
            rest = ctx[:aside.start()]
            appos = left_speaker(rest + ",", pos) if "," in rest else None
            return appos if appos is not None and appos.kind == "person" else left_speaker(rest, pos)
        m = APPOSITIVE_RE.match(ctx)
        place = m and PLACE_TAIL_RE.search(m.group(1))
        if place and len(m.group(2).split()) <= 3 and all(_is_cap(w) for w in m.group(2).split()):
            # "Clinton, during a town hall in Columbus, Ohio, said": ", Ohio," ends a place, not an appositive
            return left_speaker(m.group(1)[:place.start()].rstrip() + ",", pos)
        if m:
            appos = parse_np(m.group(2).split(), pos) if all(is_np_word(w) for w in m.group(2).split()) else None
            if appos and appos.kind in ("person", "organisation") and ctx.count(",") > 2:
                # "Giovanni Vian, the editor of the Vatican's newspaper, L'Osservatore Romano, said"
                first = parse_np(ctx.split(",", 1)[0].split(), pos)
                if first and first.kind == "person" and first.name and len(first.name.split()) > 1:
                    return first
            if appos and appos.kind in ("person", "organisation"):
                return appos
            head = parse_np(_left_np_words(m.group(1)), pos)
            if head:
                return head
        return None
    share = SHARE_SPEAKER_RE.search(ctx) if "%" in ctx or "cent" in ctx else None
    if share:
        return Mention(share.group(1), kind="unnamed", pos=pos)
    member = _member_of(ctx, pos) if " of " in ctx or " for " in ctx else None
    if member:
        return member
    m = POSSESSIVE_ORG_RE.search(ctx) if ("’s" in ctx or "'s" in ctx) else None
    if m and bare_word(m.group(2)) in ORG_ANAPHORS:
        return Mention(m.group(0), name=m.group(0), kind="organisation", pos=pos)
    if not last_two or (last_two[-1].lower() not in PRONOUNS and not is_np_word(last_two[-1])):
        return None  # what _left_np_words would find (no phrase), the usual case, sooner
    return parse_np(_left_np_words(ctx), pos)


PLACE_TAIL_RE = re.compile(r"\s+(?:in|near|outside|from|of)\s+[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,2}$")


def _member_of(ctx: str, pos: int) -> Mention | None:
    """'Brenda Hollis of the Save St. Mary’s campaign [said]': the named person speaks,
    not the body she belongs to (a role before 'of' is left to parse_np: 'the head of
    the union', 'Secretary of State John Kerry')."""
    i = max(ctx.rfind(" of "), ctx.rfind(" for "))   # "Cameron Easley for Morning Consult" too
    body = ctx[i + 4:].split() if ctx[i:i + 4] == " of " else ctx[i + 5:].split()
    if not body or len(body) > 8 or not all(is_np_word(w) or bare_word(w) in NAME_CONNECTORS for w in body):
        return None
    person = parse_np(_left_np_words(ctx[:i]), pos)
    if person is None or person.kind != "person" or not person.name or len(person.name.split()) < 2:
        return None
    return Mention(person.text + ctx[i:], name=person.name, role=person.role, kind="person", pos=pos)


_CAP_STOP_NOT_DET = CAP_STOP - {"the", "a", "an"}


def _with_number(np_words: list[str], words: list[str]) -> list[str]:
    """'Union No. 1': a name does not end at the abbreviation before its number."""
    k = len(np_words)
    if k and k < len(words) and bare_word(np_words[-1]) in ("no.", "no") and np_words[-1].endswith(".") \
            and words[k].rstrip(",;:").isdigit():
        return np_words + [words[k]]
    return np_words


DATELINE_RE = re.compile(r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+)*(?:,[^—–\n]{1,40}?)?(?: \([A-Za-z. ]{1,20}\))? [—–-]{1,2} "
                         r"|[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+)* \([A-Za-z. ]{1,20}\) [—–-]{1,2} "   # "Washington (AFP) –"
                         r"|\([A-Z][A-Za-z. ]{1,20}\) [—–-]{1,2} ")   # "(Reuters) -" after "ORLANDO, Fla."
_ADVERB_ENDS = ("ally", "ntly", "tely", "ously", "ively", "ssly", "rtly", "larly", "edly")


def _opens_phrase(words: list[str]) -> bool:
    """Does a sentence open with an adverb or a participle phrase before its subject
    ("Shortly after …, X", "Rallying hundreds of …, X", "Promising that …, X")?"""
    first = words[0].rstrip(",")
    if first.lower().endswith(_ADVERB_ENDS):
        return True
    return first.endswith("ing") and len(first) > 5 and len(words) > 1 and words[1][:1].islower() \
        and bare_word(words[1]) not in QUOTE_CUES


def sentence_subject(masked: str, start: int) -> tuple[Mention | None, int]:
    """The main subject of a sentence: first NP, after a leading 'In X, ' phrase."""
    body = masked
    offset = 0
    if (body[:1].isupper() or body[:1] == "(") and ("—" in body[:160] or "–" in body[:160] or " -" in body[:160]):
        dateline = DATELINE_RE.match(body)  # "BUENA PARK, Calif. - Rallying …": no subject
        if dateline:
            offset = dateline.end()
            body = body[offset:]
    # The subject ends at the first word that cannot be in it, almost always among
    # the first few: split only those unless all of them can be.
    words = body.split(None, 8)
    lead = 0   # words that open the sentence before its subject
    if len(words) > 2 and bare_word(words[0]) in ("but", "and", "yet", "so") and words[1][:1].islower():
        lead = 1   # "But other advisers …"
    if len(words) > lead + 3 and bare_word(words[lead]) in ("last", "this", "next") \
            and bare_word(words[lead + 1]) in _TIME_WORDS and _is_cap(words[lead + 2]):
        lead += 2  # "Last week Stumpf …": a time opening the sentence without a comma
    if lead:
        rest = body.split(None, lead)[lead]
        offset += len(body) - len(rest)
        body, words = rest, rest.split(None, 8)
    opens = bool(words) and _opens_phrase(words)
    first = bare_word(words[0]) if words else ""
    if words and ((first in _CAP_STOP_NOT_DET and first not in _SUBJECT_DETERMINERS)
                  or not (_is_cap(words[0]) or first in _SUBJECT_DETERMINERS) or opens):
        comma = body.find(", ")
        if 0 < comma < 90:
            offset += comma + 2
            body = body[comma + 2:]
            words = body.split(None, 8)
            place = body.find(", ", 0, 40)
            before = masked[:offset - 2].rsplit(None, 1)
            if place > 0 and before and _is_cap(before[-1]) and len(body[:place].split()) <= 3 \
                    and all(_is_cap(w) for w in body[:place].split()):
                # "in Salem, New Hampshire, Trump …": the opening phrase ends after the place's state
                offset += place + 2
                body = body[place + 2:]
                words = body.split(None, 8)
            for _ in range(2):   # "…, on Sunday, Mrs. Clinton": the opening phrase goes on with a preposition
                more = body.find(", ", 0, 60)
                if more <= 0 or not words or bare_word(words[0]) not in _NOT_NP_START:
                    break
                offset += more + 2
                body = body[more + 2:]
                words = body.split(None, 8)
        elif opens:
            return None, 0  # "Holding signs calling Christie “…,” the protesters …": no subject found
    np_words = _with_number(list(takewhile(is_np_word, words[:8])), words)
    if len(np_words) == 8 and len(words) == 9:
        words = body.split()
        np_words = list(takewhile(is_np_word, words))
    for k, w in enumerate(np_words):
        if w[-1] in ",;:":  # "Smith, the minister, said": the subject ends at a comma
            del np_words[k + 1:]
            break
    if not np_words or len(np_words) == len(words):
        return None, 0
    return parse_np(np_words, start + offset) or _common_subject(words, start + offset), start + offset


_NOT_SUBJECT_WORDS = frozenset(("how", "what", "why", "when", "where", "whether", "if", "than", "not"))
_SUBJECT_DETERMINERS = NP_DETERMINERS | {"both", "other", "some", "many", "several", "most", "few"}
# the common irregular past tenses: where a subject of common nouns ends ("The billionaire
# businessman began by …", "His aides took to …") when no "-ed" or cue verb marks it
_IRREGULAR_PAST = frozenset((
    "began", "went", "took", "made", "gave", "came", "held", "left", "sent", "spoke", "wrote", "got", "ran",
    "brought", "bought", "thought", "saw", "met", "kept", "led", "won", "lost", "sat", "stood", "struck",
    "fought", "found", "felt", "heard", "knew", "paid", "rose", "sought", "sold", "spent", "threw",
    "understood", "became", "broke", "chose", "drew", "drove", "fell", "flew", "grew", "hid", "hung",
    "meant", "shook", "sang", "slept", "stole", "swore", "taught", "tore", "woke", "withdrew", "told",
    "said", "forgot", "overcame", "upheld", "undertook", "forbade", "bore", "beat", "bit", "blew", "dug",
))
_AUXILIARIES = frozenset(BE_FORMS + ("has", "have", "had", "will", "would", "can", "could", "may", "might", "must",
                                     "should", "did", "does", "do", "and", "but", "or", "who", "which", "that"))


def _common_subject(words: list[str], pos: int) -> Mention | None:
    """A subject named by common nouns, kept as written: determiner, nouns, up to its verb
    ("The departments declined", "His chief aide doubled down", "Both parents stiffened")."""
    if not words or bare_word(words[0]) not in _SUBJECT_DETERMINERS:
        return None
    out = [words[0]]
    quantifier = bare_word(words[0]) not in NP_DETERMINERS     # "Several [described]": no noun needed
    lexicon = cue_lexicon()
    for w in words[1:7]:
        b = bare_word(w)
        if b in _AUXILIARIES or not b.replace("’", "").replace("'", "").isalpha():
            break
        if (len(out) > 1 or quantifier) and (b.endswith("ed") or b in _IRREGULAR_PAST
                                             or lexicon.get(b) in ("hi", "mid")):
            break   # the verb
        if b in _NOT_SUBJECT_WORDS:
            return None
        out.append(w)
        if w[-1] in ",;:":
            return None   # an appositive or a list: not a plain subject
    else:
        return None   # no verb in sight: where the phrase ends is unknown
    if len(out) < 2 and not quantifier or bare_word(out[-1]) in _NOT_NP_START or bare_word(out[-1]) in NP_DETERMINERS:
        return None
    return Mention(" ".join(out), kind="unnamed", pos=pos)


def is_appositive(segment: str) -> bool:
    """', chief economist at Nordbank,' / ', who represents …,' / ', an industry association,'."""
    words = segment.split()
    if not words or len(words) > 10:
        return False
    first = bare_word(words[0])
    return first in ("who", "an", "a") or first in ROLE_WORDS or (
        len(words) <= 4 and all(is_np_word(w) for w in words))


def right_speaker(ctx: str, pos: int) -> Mention | None:
    """Inverted speaker after the cue, looking through 'X’s negotiator, Mele Tafua,'."""
    words = right_np_words(ctx)
    mention = parse_np(words, pos)
    if mention is None or mention.kind in ("role", "unnamed", "org_anaphor"):
        rest = ctx.split(None, len(words))[-1] if len(ctx.split()) > len(words) else ""
        if words and words[-1].endswith(","):
            name = right_np_words(rest)
            named = parse_np(name, pos) if name and name[-1][-1] in ",." else None
            if named and named.kind == "person":
                return named
    return mention


def _source_phrase(src: str) -> str:
    """The noun phrase a source after "according to" opens with."""
    stripped = src.strip()
    m = SOURCE_PHRASE_RE.match(stripped)
    return (m.group() if m else stripped).strip()


def names_no_speaker(src: str) -> bool:
    """'according to the Russian perspective': a point of view, nobody's claim."""
    return any(bare_word(w) in NOT_SOURCE_HEADS for w in _source_phrase(src).split())


def document_source(src: str, pos: int) -> Mention | None:
    """The document a source names ('according to [figures] published on Friday', '[a
    Quinnipiac poll] released Tuesday'), as written: what it says is a claim, the
    document its speaker, followed in no other article. None when the source is no document."""
    phrase = _source_phrase(src)
    if not phrase or len(phrase.split()) > 8 or not any(bare_word(w) in DOCUMENT_HEADS for w in phrase.split()):
        return None
    return Mention(phrase, kind="unnamed", pos=pos + src.find(phrase[:1]))


_NOT_NP_START = frozenset(("for", "in", "on", "at", "to", "from", "with", "by", "and", "but", "or", "as", "of",
                           "after", "before", "while", "when", "because", "onto", "into", "about", "than",
                           "if", "that", "which", "who", "it", "this", "there", "then", "so"))
_NOT_IN_NP = frozenset(("and", "but", "or", "is", "was", "are", "were", "has", "had", "have", "will", "would",
                        "can", "could", "who", "which", "that", "not", "onto", "into", "when", "while"))
_PAREN_RE = re.compile(r"\s*\([^()]{0,40}\)")
_FOR_ORG_RE = re.compile(r"^(?:an?|the)\s+([\w-]+(?:\s+[\w-]+)?)\s+(?:for|at|of|from)\s+(?:the\s+)?(.+)$")


def _name_tail(words: list[str]) -> int:
    """Index where the capitalised name that ends `words` starts (len(words) if none)."""
    i = len(words)
    while i > 0:
        w = words[i - 1]
        b = bare_word(w)
        if _is_cap(w) and b not in CAP_STOP and b not in ROLE_HEADS or (b in PARTICLES and i < len(words)):
            i -= 1
            continue
        break
    while i < len(words) and bare_word(words[i]) in PARTICLES:
        i += 1
    return i


def phrase_speaker(phrase: str, pos: int) -> Mention | None:
    """The speaker of a whole phrase known to name one, as between a quote and its cue:
    '“…,” [Karin Vogt, a spokeswoman for the agency,] said', '[Clinton campaign spokesman
    Brian Fallon] said', '[a spokesperson for Harbour Water] said'. Roles after a name
    (an appositive) become the role."""
    phrase = _PAREN_RE.sub("", phrase).strip(" ,")
    words = phrase.split()
    if not words or len(words) > 18 or MASK in phrase or QUOTE_CHAR_RE.search(phrase):
        return None
    if any(w[-1] in ".!?;:" and not bare_word(w).endswith(".") and not _is_initial(w) for w in words[:-1]):
        return None  # a sentence ends inside: not one phrase
    parts = [p.strip() for p in phrase.split(",") if p.strip()]
    head = parts[0]
    if bare_word(words[0]) in _NOT_NP_START or any(bare_word(w) in _NOT_IN_NP for w in head.split()):
        return None  # "for the war in Ukraine onto Moscow, and": no noun phrase
    appos = [p for p in parts[1:] if not p.isdigit()]
    role = appositive_role(appos[0]) if appos else None
    m = _plain_phrase(head.split(), pos)
    if m and m.kind in ("person", "organisation"):
        if role and m.kind == "person":
            m.role = role if not m.role else m.role
        m.text = head + (", " + appos[0] if role else "")
        return m
    if appos:  # "a spokeswoman for the agency, Karin Vogt"
        named = _plain_phrase(appos[0].split(), pos)
        if named and named.kind == "person":
            named.role = named.role or appositive_role(head)
            named.text = head + ", " + appos[0]
            return named
    return m


def _is_initial(w: str) -> bool:
    return len(w) == 2 and w[0].isupper() and w[1] == "."


def appositive_role(part: str) -> str | None:
    words = part.split()
    if words and bare_word(words[0]) in ("a", "an", "the", "who"):
        if bare_word(words[0]) == "who":
            return None
        words = words[1:]
    return " ".join(words) or None


def _plain_phrase(words: list[str], pos: int) -> Mention | None:
    """A phrase with no commas: a parsed NP, a role before a name, or an unnamed one of an organisation."""
    if not words:
        return None
    text = " ".join(words)
    fo = _FOR_ORG_RE.match(text)
    if fo and _is_cap(fo.group(2).split()[0]) and bare_word(fo.group(1).split()[-1]) in ROLE_HEADS:
        # "a spokesperson for Harbour Water": the organisation speaks through them
        return Mention(text, name=re.sub(r"[’']s$", "", fo.group(2)), role=fo.group(1), kind="organisation", pos=pos)
    cut = max(text.find(" for "), text.find(" of "))
    if cut > 0:   # "Cameron Easley for Morning Consult": a full name before an affiliation speaks
        left = parse_np(text[:cut].split(), pos)
        if left and left.kind == "person" and left.name and len(left.name.split()) > 1:
            left.text = text
            return left
    m = parse_np(words, pos)
    if m and m.kind in ("person", "organisation"):
        return m
    low = text.lower()
    of = low.find(" of ")
    if of > 0:  # "Mr. Morgan of the Sierra Club": the name before an affiliation
        left = parse_np(text[:of].split(), pos)
        if left and left.kind == "person":
            left.role = left.role or text[of + 4:]
            return left
    start = _name_tail(words)
    if 0 < start < len(words) and len(words) - start <= 4:
        name = " ".join(_strip_word(w) for w in words[start:])
        if bare_word(words[start]) not in ORG_WORDS and not any(bare_word(w) in ORG_WORDS for w in words[start:]):
            role = " ".join(_strip_word(w) for w in words[:start])
            role = re.sub(r"^(?:the|a|an)\s+", "", role, flags=re.I)
            return Mention(text, name=name, role=role or None, kind="person", pos=pos)
    return m


_TIME_WORDS = frozenset(("year", "years", "week", "weeks", "month", "months", "day", "days", "night", "morning",
                         "afternoon", "evening", "time", "today", "yesterday", "tonight", "weekend"))


def looks_like_speaker(m: Mention | None) -> bool:
    """Not what only looks like a speaker: a dateline or headline in capitals ("BUENA
    PARK", "VOTERS CARE MORE …"), a time ("last year"), a sentence adverb ("Likewise")."""
    if m is None:
        return False
    words = m.text.split()
    if not words:
        return False
    if m.text.isupper() and sum(ch.isalpha() for ch in m.text) > 4:
        return False
    if words[-1].lower().strip(".,") in _TIME_WORDS:
        return False
    return not (len(words) == 1 and words[0].endswith(("ly", "wise")))


_FINITE_AUX = frozenset(("is", "are", "was", "were", "has", "have", "had", "will", "would", "can", "could", "may",
                         "might", "must", "should", "did", "does", "do"))
# where a clause may end: a comma, semicolon or dash, or a quote closed before a capital
# ('… as “Medicare for all,” Clinton seized …': the quote's comma is masked)
_SEGMENT_RE = re.compile(r"[,;—–][”\"]?\s+|" + re.escape(MASK) + r"[”\"]\s+(?=[A-Z])|\s+[—–-]{1,2}\s+")
_CLAUSE_OPENERS = frozenset(("and", "but", "yet", "so", "as", "while", "when", "because", "though", "although",
                             "since", "if"))
_QUANTIFIERS = _SUBJECT_DETERMINERS - NP_DETERMINERS
_NUMBER_WORDS = frozenset(("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozens",
                           "hundreds", "thousands"))
_CLAUSE_KINDS = ("person", "organisation", "pronoun", "org_anaphor", "unnamed", "role")


def _finite_verb(w: str, lexicon: dict) -> bool:
    """Can a word be the finite verb of a clause: an auxiliary (negated too), a past
    tense, or a cue verb ('says', 'warn')?"""
    b = bare_word(w)
    if not b.isalpha():
        return b.endswith(("n't", "n’t"))
    if not w[:1].islower():
        return False
    return b in _FINITE_AUX or b in _IRREGULAR_PAST or (len(b) > 4 and b.endswith("ed")) \
        or lexicon.get(b) in ("hi", "mid") and not b.endswith(("ing", "ion", "ions"))


def clause_subject(masked: str, s0: int, at: int) -> Mention | None:
    """The subject of the clause that a participle at `at` ("…, saying …") hangs off:
    the nearest comma-delimited stretch before it that holds a finite verb with a
    speaker noun phrase before it, the first such verb of that stretch (the main verb,
    not one of its complement: "Trump welcomed the news that Kasich would quit, saying"
    -> Trump; "…, as Mrs. Clinton echoed the criticism, saying" -> Mrs. Clinton; "…, a
    Chinese official said, adding" -> the official). Stretches that are themselves a
    participle or a relative clause hang off the same subject and are passed over."""
    text = masked[s0:at]
    if MASK in text[-3:]:
        return None
    bounds = [0] + [m.end() for m in _SEGMENT_RE.finditer(text)]
    lexicon = cue_lexicon()
    for k in range(len(bounds) - 1, -1, -1):
        seg_a = bounds[k]
        seg_b = bounds[k + 1] if k + 1 < len(bounds) else len(text)
        seg = text[seg_a:seg_b]
        words = seg.split()
        if not words or bare_word(words[0]) in ("who", "which", "whom", "whose") \
                or (bare_word(words[0]).endswith("ing") and len(words) > 1):
            continue
        at_w = seg_a
        for i, w in enumerate(words):
            at_w = text.find(w, at_w)
            if _finite_verb(w, lexicon):
                left = text[:at_w].rstrip()
                if not left or left.endswith(("”", '"', MASK)):
                    break   # an inverted attribution ("“…,” said X, adding"): left to the quote's speaker
                lead = words[1:i] if bare_word(words[0]) in _CLAUSE_OPENERS else words[:i]
                m = None
                if lead and bare_word(lead[0]) in _QUANTIFIERS:   # "Both parents", "other advisers to …"
                    m = _common_subject(lead + [w], s0 + text.find(lead[0], seg_a))
                elif 2 <= len(lead) <= 4 and (bare_word(lead[0]) in _NUMBER_WORDS or lead[0].isdigit()) \
                        and lead[-1].isalpha() and lead[-1].islower() and lead[-1].endswith("s"):
                    # "two Democratic speechwriters [implored]": a counted group, as written
                    m = Mention(" ".join(lead), kind="unnamed", pos=s0 + text.find(lead[0], seg_a))
                if m is None or len(m.text.split()) != len(lead):
                    m = left_speaker(left, s0 + at_w)
                if m is not None and m.kind in _CLAUSE_KINDS and looks_like_speaker(m):
                    return m
                break   # the stretch's first verb has no speaker for a subject: look further left
            at_w += len(w)
    return None


PARTICIPLE_PREPOSITIONS = frozenset(("by", "while", "after", "before", "without", "when", "besides", "through"))


def participle_subject(masked: str, s0: int, cue_at: int, s1: int | None = None) -> Mention | None:
    """The speaker of a participle cue at `cue_at` that follows a comma or a preposition
    ("…, saying …", "… by mentioning …", "… while insisting …"): the subject of the
    clause before it (clause_subject); for one that opens the sentence ("Claiming …,
    Trump told Fox …", "After suggesting …, Mr. Rubio …"), the subject of the main
    clause after it (given the sentence's end `s1`). None for a participle with neither."""
    before = masked[s0:cue_at].rstrip()
    if before.endswith(","):
        return clause_subject(masked, s0, s0 + len(before) - 1)
    prep = before.rsplit(None, 1)
    if len(prep) == 2 and prep[1].lower() in PARTICIPLE_PREPOSITIONS:
        return clause_subject(masked, s0, s0 + len(prep[0]))
    if s1 is not None and (not before or len(prep) == 1 and prep[0].lower() in PARTICIPLE_PREPOSITIONS | {"in"}):
        return _main_subject_after(masked, cue_at, s1)
    return None


def _main_subject_after(masked: str, at: int, s1: int) -> Mention | None:
    """The subject of the first stretch after a comma past `at` that opens with a speaker
    noun phrase and its finite verb: the main clause after an opening phrase."""
    lexicon = cue_lexicon()
    for m in _SEGMENT_RE.finditer(masked, at, s1):
        words = masked[m.end():s1].split()[:8]
        for i, w in enumerate(words):
            if _finite_verb(w, lexicon):
                if i == 0:
                    break
                v = masked.find(" " + w, m.end()) + 1
                got = left_speaker(masked[m.end():v].rstrip(), m.end())
                lead = [x for x in words[:i] if not x.endswith("ly") and x not in ("also", "then", "still", "now")]
                if got is not None and got.kind in _CLAUSE_KINDS and looks_like_speaker(got) \
                        and len(got.text.split()) >= len(lead) - 1:   # the whole phrase, adverbs aside
                    return got
                break
    return None
