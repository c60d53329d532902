"""Claim extraction: who said what in a news article, rule-based and pure Python.

``extract_claims(text)`` finds attributed statements in cleaned article text:

* direct quotes ("…," X said / said X / X said: "…" / "…," he said, "…"),
  including quotes that run over several paragraphs and quoted fragments tied
  to a speaker by a verb (X called it "…", described Y as "…");
* indirect (reported) speech: "X said (that) …", "X claims …", "according to
  X, …", "X cited …", participles (", saying …"), coordinated cues ("… but
  argued that …").

Speakers are resolved within the article: short names go to the full name the
article introduces ("Peskov" -> "Dmitry Peskov"), titles are split off into a
role, and pronouns / role anaphors ("he", "the spokesman", "the company") go
to the most recent compatible speaker or sentence subject. Precision first:
quoted text that nothing ties to a speaker (titles, nicknames, scare quotes)
is not a claim, and an unresolvable speaker is ``None``, never a guess.

No Scrapy, no models, no downloads: regexes are compiled once at import, and a
short article takes well under a millisecond.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from functools import lru_cache
from itertools import islice, takewhile
import unicodedata
from dataclasses import dataclass, field

# --------------------------------------------------------------------------
# Vocabulary. Small, closed lists: they encode English news style, not world
# knowledge, except the short list of places/organisations that act as speakers.
# --------------------------------------------------------------------------

# Reporting verbs that introduce a content clause ("X said (that) …").
CLAUSE_CUES = {
    "said", "says", "say", "claimed", "claims", "claim", "warned", "warns", "added", "adds",
    "argued", "argues", "noted", "notes", "insisted", "insists", "suggested", "suggests",
    "hinted", "hints", "acknowledged", "acknowledges", "admitted", "admits", "stressed",
    "stresses", "emphasized", "emphasised", "cautioned", "cautions", "reiterated",
    "reiterates", "told", "tells", "confirmed", "confirms", "announced", "announces",
    "alleged", "alleges", "maintained", "maintains", "asserted", "asserts", "explained",
    "predicted", "predicts", "promised", "promises", "vowed", "vows", "pledged", "pledges",
    "conceded", "concedes", "declared", "declares", "countered", "replied", "responded",
    "wrote", "writes", "estimated", "estimates", "assured", "denied", "denies", "believes",
    "complained", "urged", "threatened", "accused", "accuses", "cited", "cites",
    "allege", "argue", "warn", "insist", "note", "suggest", "contend", "contends", "contended",
    "maintain", "believe", "estimate", "predict", "acknowledge", "admit",
}
# Participles that attach a claim to the main clause's subject.
GERUND_CUES = {
    "saying", "adding", "arguing", "noting", "warning", "insisting", "claiming", "alleging",
    "citing", "stressing", "suggesting", "acknowledging", "accusing", "explaining",
    "promising", "vowing", "predicting", "cautioning",
}
# Cues whose object is a noun phrase rather than a clause.
NP_OBJECT_CUES = {"cited", "cites", "citing", "accused", "accuses", "accusing", "alleging",
                  "acknowledged", "acknowledges", "pointed to", "points to", "pointing to",
                  "warned against", "warning against", "cautioned against"}
# Cues that need an explicit "that" ("Russia maintains a veneer of …" is no claim).
THAT_REQUIRED = {
    "maintained", "maintains", "confirmed", "confirms", "announced", "announces", "explained",
    "denied", "denies", "believes", "estimated", "estimates", "complained", "conceded",
    "concedes", "declared", "declares", "assured", "countered", "replied", "responded",
    "wrote", "writes", "stressed", "stresses", "emphasized", "emphasised", "admitted",
    "admits", "predicted", "predicts", "asserted", "asserts", "maintain", "believe",
    "estimate", "predict", "admit", "note", "contend", "contends", "contended",
}
# Cues that take an infinitive ("claims to remain open", "vowed to block it").
INFINITIVE_CUES = {"claims", "claimed", "claim", "promised", "promises", "vowed", "vows",
                   "pledged", "pledges", "threatened", "urged"}
# Cues that attribute a direct quote ("…," he said / said X / X said, "…").
QUOTE_CUES = CLAUSE_CUES | {
    "asked", "asks", "continued", "recalled", "remarked", "quipped", "joked", "shouted",
    "tweeted", "posted", "concluded", "agreed", "pleaded", "observed", "insisted", "wondered",
    "exclaimed", "demanded", "answered", "testified", "mused",
}
# Verbs that tie a quoted fragment to the subject (scare quotes with a speaker).
TIE_VERBS = (r"called|calling|calls|call|described|describing|describes|characterized|"
             r"characterised|characterizing|characterising|characterizes|labeled|labelled|"
             r"labeling|labelling|labels|branded|branding|brands|dismissed|dismissing|"
             r"dismisses|termed|terming|terms|accused|accusing|accuses|condemned|condemning|"
             r"denounced|denouncing|hailed|hailing|praised|praising|slammed|slamming")
TIE_NOUNS = r"characterization|characterisation|description|labeling|labelling|branding|dismissal"
# Stance verbs: a coordinated one ("… but questioned …") ends a reported clause.
STANCE_VERBS = CLAUSE_CUES | GERUND_CUES | {
    "questioned", "rejected", "refused", "declined", "condemned", "criticized", "criticised",
    "welcomed", "praised", "called", "dismissed", "pointed", "pointing", "described",
    "characterized", "reaffirmed", "reaffirming", "referencing", "implying", "implied",
}

# Heads of a role/title: the name is what follows the last one.
ROLE_HEADS = {
    "president", "prez", "minister", "chancellor", "secretary", "spokesman", "spokeswoman",
    "spokesperson", "senator", "representative", "congressman", "congresswoman", "mayor",
    "governor", "leader", "executive", "officer", "director", "chairman", "chairwoman",
    "chair", "head", "analyst", "economist", "professor", "coach", "manager", "councillor",
    "councilor", "councilman", "councilwoman", "ambassador", "envoy", "commander", "adviser",
    "advisor", "official", "judge", "attorney", "founder", "co-founder", "ceo", "cfo", "coo",
    "king", "queen", "prince", "princess", "pope", "premier", "chief", "counterpart",
    "neighbour", "neighbor", "lawmaker", "mp", "diplomat", "general", "captain", "partner",
    "economist", "researcher", "scientist", "lawyer", "strategist", "editor", "founder",
    "dr.", "mr.", "mrs.", "ms.", "gov.", "sen.", "rep.", "gen.", "prof.", "lt.", "col.",
    "sgt.", "rev.", "sir", "dame", "lord", "lady", "flotus", "potus", "sheikh", "emir",
    "dr", "mr", "mrs", "ms", "prof", "gov", "sen", "rep", "inspector", "detective",
    "superintendent", "sergeant", "constable", "teacher", "librarian", "negotiator",
    "delegate", "owner", "nurse", "doctor", "surgeon", "principal", "headteacher",
}
# Lower-case words that may sit inside a role ("chief financial officer").
ROLE_MODIFIERS = {
    "former", "deputy", "vice", "senior", "acting", "interim", "financial", "operating",
    "foreign", "defence", "defense", "finance", "health", "environment", "interior", "state",
    "press", "police", "military", "party", "union", "opposition", "top", "lead", "prime",
    "chief", "executive", "technology", "economic", "security", "national", "general",
    "managing", "assistant", "associate", "junior", "outgoing", "incoming", "central",
}
ROLE_WORDS = ROLE_HEADS | ROLE_MODIFIERS
# Unnamed people: "a senior official", "a spokesperson" -> speaker None.
UNNAMED_HEADS = {
    "official", "officials", "source", "sources", "spokesperson", "spokesman", "spokeswoman",
    "diplomat", "diplomats", "aide", "aides", "witness", "witnesses", "resident", "residents",
    "person", "people", "officer", "officers", "analyst", "analysts", "expert", "experts",
    "insider", "insiders", "executive", "executives", "member", "members", "employee",
    "employees", "prosecutors", "prosecutor", "critics", "critic", "opponents", "supporters",
    "investigators", "researchers", "scientists", "protesters", "lawmakers", "authorities",
    "economists", "doctors", "observers", "activists", "campaigners", "locals", "neighbours",
    "neighbors", "voters", "parents", "students", "workers", "fans", "villagers", "survivors",
    "families", "relatives", "organisers", "organizers", "police", "rescuers", "medics",
    "traders", "dealers", "brokers", "bankers", "investors", "strategists", "negotiators",
    "teachers", "nurses", "farmers", "shoppers", "commuters", "passengers", "drivers",
    "owners", "landlords", "tenants", "delegates", "businesses", "shopkeepers",
    "stallholders", "councillors", "unions", "pupils", "patients", "staff", "users",
}
# Words that make a capitalised name an organisation.
ORG_WORDS = {
    "ministry", "agency", "organization", "organisation", "fund", "bank", "council",
    "committee", "commission", "party", "inc", "inc.", "corp", "corp.", "corporation",
    "company", "co.", "ltd", "ltd.", "llc", "plc", "group", "motors", "energy", "airlines",
    "airways", "university", "institute", "federation", "union", "association", "department",
    "office", "service", "services", "police", "army", "navy", "kremlin", "pentagon",
    "government", "parliament", "congress", "senate", "court", "reuters", "times", "news",
    "post", "journal", "network", "systems", "technologies", "holdings", "capital",
    "partners", "foundation", "authority", "board", "administration", "staff", "forces",
    "military", "secretariat", "shipping", "pharmaceuticals", "labs", "media", "chamber",
    "church", "club", "league", "bureau", "house", "street", "press", "associated",
}
# Common nouns that refer back to an organisation ("the company said").
ORG_ANAPHORS = {
    "company", "firm", "ministry", "fund", "agency", "government", "bank", "department",
    "group", "organisation", "organization", "council", "committee", "party", "union",
    "court", "military", "army", "police", "regulator", "carrier", "airline", "retailer",
    "automaker", "carmaker", "lender", "insurer", "club", "university", "commission",
    "kremlin", "administration", "network", "broadcaster", "operator", "startup", "utility",
}
NON_COMPANY_WORDS = {"union", "party", "ministry", "council", "committee", "government", "police",
                     "army", "court", "parliament", "agency", "commission", "federation",
                     "association", "no", "kremlin", "administration", "department", "office"}
COMPANY_ANAPHORS = {"company", "firm", "carrier", "airline", "retailer", "automaker",
                    "carmaker", "lender", "insurer", "startup", "utility", "group", "operator"}
# Places and institutions that speak in news ("Russia claims", "Beijing said").
PLACE_SPEAKERS = {
    "russia", "ukraine", "china", "india", "iran", "israel", "japan", "germany", "france",
    "britain", "turkey", "poland", "canada", "mexico", "brazil", "egypt", "syria", "iraq",
    "pakistan", "taiwan", "australia", "italy", "spain", "hungary", "belarus", "georgia",
    "moscow", "kyiv", "kiev", "beijing", "washington", "tehran", "london", "paris", "berlin",
    "brussels", "tokyo", "ankara", "jerusalem", "delhi", "pyongyang", "seoul", "taipei",
    "minsk", "warsaw", "budapest", "rome", "madrid", "ottawa", "canberra", "riyadh", "doha",
    "cairo", "damascus", "baghdad", "islamabad", "nato", "eu", "un", "opec", "hamas",
    "hezbollah", "kremlin", "pentagon", "whitehall", "nasa", "fbi", "cia", "who", "imf",
    "us", "u.s.", "uk", "u.k.", "america", "europe", "the united states", "united states",
    "white house", "downing street", "european union", "united nations",
}
# Capitalised words that start sentences but are not names.
CAP_STOP = {
    "the", "a", "an", "in", "on", "at", "but", "and", "however", "meanwhile", "yesterday",
    "today", "earlier", "later", "also", "still", "despite", "after", "before", "when",
    "while", "as", "for", "with", "asked", "speaking", "beyond", "further", "then", "now",
    "so", "separately", "that", "this", "these", "those", "to", "of", "not", "his", "her",
    "their", "its", "our", "my", "it", "he", "she", "they", "we", "i", "you", "if",
    "although", "though", "because", "since", "during", "under", "over", "from", "by",
    "about", "according", "last", "next", "by", "image", "source", "read", "loading",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "what", "who", "why", "how", "where", "there",
    "here", "some", "many", "all", "both", "each", "every", "no", "more", "most", "one",
    "several", "few", "other", "others", "another", "such", "two", "three",
}
PARTICLES = {"de", "van", "von", "der", "den", "al", "bin", "da", "du", "la", "le", "di", "del", "dos", "ibn"}
PRONOUNS = {"he": "person", "she": "person", "it": "organisation", "they": None}
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gov", "sen", "rep", "gen", "prof", "st", "lt", "col", "sgt",
    "rev", "jr", "sr", "no", "inc", "corp", "co", "ltd", "vs", "mt", "ft", "capt", "cmdr",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
# Subjects that may open an indirect clause without "that".
CLAUSE_START_BLOCK = {
    "in", "at", "on", "to", "for", "with", "from", "by", "during", "after", "before", "as",
    "while", "when", "because", "about", "of", "into", "via", "through", "against", "and",
    "but", "or", "so", "than", "goodbye", "hello", "yes", "no", "sorry", "thanks", "nothing",
    "something", "little", "much", "is", "was", "are", "were", "be", "been", "being",
}
NOT_SPEAKER_HEADS = {  # "according to figures/a report" names no speaker
    "figures", "data", "report", "reports", "survey", "study", "studies", "estimates",
    "estimate", "analysis", "documents", "document", "records", "perspective", "view",
    "polls", "poll", "statistics", "research", "reporting", "calculations", "tally",
    "census", "filings", "filing", "list", "map", "footage", "images", "rules", "law",
}

# --------------------------------------------------------------------------
# Compiled patterns
# --------------------------------------------------------------------------
QUOTE_CHAR_RE = re.compile(r'[“”"]')
WORD_RE = re.compile(r"\S+")
# "[.!?…][.!?…]*" is "[.!?…]+" written so that the pattern opens with a character
# class: the regex engine then skips to candidate positions instead of trying each one.
SENT_END_RE = re.compile(r'[.!?…][.!?…]*["”’)]*\s+(?=[“"‘(\[]?[A-Z0-9À-Þ])')
BULLET_RE = re.compile(r"^[\s•·*\-–—►▪●]+")
# BULLET_RE for .match(text, pos): there "^" would never match past the text's start
BULLET_PREFIX_RE = re.compile(r"[\s•·*\-–—►▪●]+")
# Auxiliaries and adverbs between a speaker and the cue ("X has also said").
LEFT_TRIM_WORDS = ("has", "have", "had", "also", "further", "later", "earlier", "then", "again",
                   "once", "repeatedly", "previously", "reportedly", "publicly", "privately",
                   "today", "yesterday")
LEFT_TRIM_RE = re.compile(r"(?:\s+(?:" + "|".join(LEFT_TRIM_WORDS) + r"|on\s+\w+|\w+ly))+\s*$")
_LEFT_TRIM_SET = frozenset(LEFT_TRIM_WORDS)
APPOSITIVE_RE = re.compile(r"^(.*?[^\s,])\s*,\s*([^,]{2,80}?)\s*,\s*$")
RELATIVE_RE = re.compile(r"^(.*?[^\s,])\s*,\s*who\b(?:\s+\w+){0,8}\s*$")


def _is_word_char(ch: str) -> bool:
    """What the regex \\w matches (str patterns): alphanumerics and '_'."""
    return ch.isalnum() or ch == "_"


def _may_left_trim(last_two: list[str]) -> bool:
    """A cheap necessary condition for LEFT_TRIM_RE to match a text that ends with the
    words `last_two`: the last is a trim word, ends in 'ly' or follows 'on'. The regex
    itself tries a match at every position of the text, which is slow on long ones."""
    return bool(last_two) and (last_two[-1] in _LEFT_TRIM_SET or last_two[-1].endswith("ly")
                               or last_two[0] == "on")


def _ends_with_word(text: str, words: tuple[str, ...]) -> bool:
    """re.search(r"\\b(?:w1|w2|…)\\s*$", text) without scanning the whole text."""
    core = text.rstrip()
    if not core.endswith(words):
        return False  # the common case, in one call
    for w in words:
        if core.endswith(w) and (len(core) == len(w) or not _is_word_char(core[-len(w) - 1])):
            return True
    return False


def _ends_with_closed_quote(text: str) -> bool:
    """re.search(r'[”"]\\s*,?\\s*$', text) without scanning the whole text."""
    core = text.rstrip()
    if core.endswith(","):
        core = core[:-1].rstrip()
    return core.endswith(("”", '"'))


_BE_FORMS = ("is", "are", "was", "were", "be", "been", "being")
_AND_BUT = ("and", "but")
_WS_RUN_RE = re.compile(r"\s+")


@lru_cache(maxsize=1024)
def _cue_text(matched: str) -> str:
    """A matched cue with its whitespace runs made single spaces ("pointed  to")."""
    return _WS_RUN_RE.sub(" ", matched)


def _word_set_pattern(words) -> str:
    """Regex matching exactly the given words, as a trie (a|b|... of many words makes
    the regex engine try every alternative at every word start; grouping by prefix
    lets it reject a word after a character or two). Followed by \\b, it matches the
    same as the plain alternation: a whole word, whatever the order of the branches.
    A space in a phrase ("pointed to") matches any run of whitespace; the longer of
    two phrases that both match ("warned against", "warned") is preferred."""
    words = sorted(set(words))
    if not words:
        return "(?!)"
    def trie(ws: list[str]) -> str:
        end = "" in ws
        ws = [w for w in ws if w]
        branches = []
        for first in sorted({w[0] for w in ws}):
            rest = [w[1:] for w in ws if w[0] == first]
            branches.append((r"\s+" if first == " " else re.escape(first)) + (trie(rest) if rest != [""] else ""))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not end else "(?:" + "|".join(branches) + ")"
        return body + "?" if end else body
    return trie(words)


_CUE_WORDS = _word_set_pattern(CLAUSE_CUES | GERUND_CUES | {
    "pointed to", "points to", "pointing to", "warned against", "warning against", "cautioned against"})
CUE_TOKEN_RE = re.compile(r"\b" + _CUE_WORDS + r"\b")
# The same cues, found by the non-word character before them (group 1 is the cue).
# A pattern that opens with a character class lets the regex engine skip ahead to
# candidate positions; one that opens with \b is tried at every position.
CUE_AFTER_NONWORD_RE = re.compile(r"\W(" + _CUE_WORDS + r")\b")


def _cue_matches(masked: str, s0: int, s1: int) -> list[tuple[int, int, str]]:
    """(start, end, text) of each CUE_TOKEN_RE match in masked[s0:s1]."""
    found, scan_from = [], s0 - 1  # \b at s0 looks at masked[s0 - 1]: scan from there
    if s0 == 0:  # no character before the text: match a first cue on its own
        m = CUE_TOKEN_RE.match(masked, 0, s1)
        found, scan_from = ([(0, m.end(), m.group())], m.end()) if m else ([], 0)
    found += [(m.start(1), m.end(1), m.group(1)) for m in CUE_AFTER_NONWORD_RE.finditer(masked, scan_from, s1)]
    return found


QUOTE_CUE_RE = re.compile(r"\b" + _word_set_pattern(QUOTE_CUES | {"according to"}) + r"\b")
TIE_RE = re.compile(
    r"(?<![-\w])(" + TIE_VERBS + r")\b(?:\s+[^\s“”\"]+){0,12}?(?:\s+(?:as|of))?(?:\s+(?:an?|the))?\s*$")
TIE_NOUN_RE = re.compile(
    r"(\S+)\s+(?:\w+\s+)?(?:" + TIE_NOUNS + r")\s+of\b(?:\s+[^\s“”\"]+){0,10}?\s+as(?:\s+(?:an?|the))?\s*$")
AFTER_SKIP_RE = re.compile(
    r"^\s*,?\s*(?:(?:late|early|earlier|later)\s+)?(?:on\s+)?"
    r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|"
    r"this\s+week|last\s+week|last\s+month|this\s+month|earlier|later|again|repeatedly|"
    r"in\s+(?:a|an|the|his|her|its|their)\s+[^,.;“”\"]{0,40}?"
    r"(?:statement|interview|speech|address|briefing|conference|post|call|message|letter|"
    r"report|outlook|remarks|testimony|op-ed|video|broadcast)|"
    r"at\s+(?:a|an|the)\s+[^,.;“”\"]{0,40}?(?:conference|briefing|rally|summit|event|hearing|meeting|forum)|"
    r"on\s+(?:x|twitter|telegram|facebook|social\s+media|television|state\s+tv))\s*,?\s*)+", re.I)
TOLD_OBJ_RE = re.compile(
    r"^\s*(?:(?:the\s+)?(?:[A-Z][\w’'.&-]*\s+){0,4}?[A-Z][\w’'.&-]*|reporters|journalists|"
    r"lawmakers|legislators|supporters|parliament|senators|investors|analysts|the\s+\w+|"
    r"(?:him|her|them|us|me))\b", re.U)
STANCE_THAT_RE = re.compile(r"^\s*(?:its|his|her|their|the)\s+(?:\w+\s+)?"
                            r"(?:stance|position|view|belief|claim|assertion|argument|call|warning|demand)\s+that\b")
POSSESSIVE_ORG_RE = re.compile(r"\b[A-Z][\w-]*[’']s\s+(?:[a-z]+\s+){0,2}?([a-z]+\s+)?([a-z]+)$")
OVERRUN_RE = re.compile(r"(?:,\s+|;\s+|\s+)(?:but|and|while|whereas)\s+|;\s+")
PASSIVE_BY_RE = re.compile(r"^\w+\s+by\s+(.+?)\s+as\b")
THAT_RE = re.compile(r"^\s*,?\s*that\b\s*")
CLAUSE_SPLIT_RE = re.compile(
    r"(?:,?\s+(?:and|but)\s+(?:also\s+|then\s+|later\s+)?(?=(" + "|".join(sorted(STANCE_VERBS, key=len, reverse=True))
    + r")\b)|,\s+(?=(?:" + "|".join(sorted(STANCE_VERBS, key=len, reverse=True))
    + r")\b)|;\s+|,\s+according\s+to\b)")
ACCORDING_RE = re.compile(r"\b[Aa]ccording\s+to\s+")
FROM_SOURCE_RE = re.compile(r"^(?:an?|the)\s+(?:\w+\s+){0,2}(?:statement|post|letter|spokesperson|"
                            r"spokesman|spokeswoman|release|message)\s+(?:from|by|for)\s+")
TRAIL_PUNCT = " \t\n,.;:"
MASK = "_"


# --------------------------------------------------------------------------
# Data structures
# --------------------------------------------------------------------------
@dataclass
class Segment:
    """One quoted span (inner offsets) inside a single paragraph."""
    start: int
    end: int
    para: int
    closed: bool          # closing mark found in this paragraph
    chain: int            # multi-paragraph quotes share a chain id
    sent: int = -1


@dataclass
class Mention:
    """A parsed speaker noun phrase."""
    text: str
    name: str | None = None       # proper name part
    role: str | None = None
    kind: str | None = None       # person | organisation | pronoun | role | org_anaphor | unnamed
    pos: int = 0


@dataclass
class Person:
    name: str
    roles: list = field(default_factory=list)
    pos: int = 0


# --------------------------------------------------------------------------
# Public helpers: keys
# --------------------------------------------------------------------------
_TITLE_PREFIX = ROLE_WORDS | {"the", "mr", "mrs", "ms", "dr", "gov", "sen", "rep", "prof"}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold(s: str) -> str:
    """Casefold and strip accents so 'Tomás' and 'Tomas' share a key."""
    s = unicodedata.normalize("NFKD", s.casefold())
    if s.isascii():
        return s
    # a text has few distinct non-ASCII characters: test each once, replace() the marks (in C)
    for ch in set(_NON_ASCII.findall(s)):
        if unicodedata.combining(ch):
            s = s.replace(ch, "")
    return s


@lru_cache(maxsize=1 << 14)  # a speaker's claims each need it, twice (see claim_key)
def speaker_key(name: str) -> str:
    """Normalized key for one speaker: casefold, no accents/punctuation, no leading titles."""
    words = re.sub(r"[’']s\b", "", _fold(name or ""))
    words = re.sub(r"[^\w\s-]", " ", words).replace("-", " ").split()
    while len(words) > 1 and words[0] in _TITLE_PREFIX:
        words.pop(0)  # "President Vladimir Putin" and "Vladimir Putin" are one person
    return " ".join(words)


def _quote_norm(quote: str) -> str:
    """Quote text reduced to words: case, quote marks, dashes and punctuation ignored."""
    s = _fold(quote or "").replace("…", " ")
    return " ".join(re.sub(r"[^\w\s]|_", " ", s).split())


def claim_key(speaker: str, quote: str) -> str:
    """Stable id for 'this speaker said these words' across articles (sha1 hex)."""
    raw = speaker_key(speaker or "") + "\x1f" + _quote_norm(quote)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------
# Layout: paragraphs, quote segments, sentences
# --------------------------------------------------------------------------
def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line; news text uses a line per paragraph."""
    out, pos = [], 0
    for line in text.split("\n"):
        end = pos + len(line)
        if line.strip():
            out.append((pos, end))
        pos = end + 1
    return out


def _quote_segments(text: str, paras: list[tuple[int, int]]) -> list[Segment]:
    """Find quoted spans paragraph by paragraph, linking multi-paragraph quotes.

    A quote still open at the end of a paragraph is continued by the next
    paragraph when that one starts with an opening mark (news convention).
    """
    segs: list[Segment] = []
    chain_id, carry = 0, False
    for pi, (ps, pe) in enumerate(paras):
        open_at, open_ch = None, None
        starts_with_quote = text[ps:pe].lstrip()[:1] in ("“", '"')
        if not (carry and starts_with_quote):
            chain_id += 1
        carry = False
        for m in QUOTE_CHAR_RE.finditer(text, ps, pe):
            ch, i = m.group(), m.start()
            if open_at is None:
                if ch == "”":
                    continue  # stray closing mark
                open_at, open_ch = i, ch
            elif ch == "”" or (ch == '"' and open_ch == '"') or (ch == '"' and open_ch == "“"):
                segs.append(Segment(open_at + 1, i, pi, True, chain_id))
                open_at = None
                chain_id += 1
            else:  # a second opening mark while open: restart the quote here
                open_at, open_ch = i, ch
        if open_at is not None:
            end = pe
            while end > open_at + 1 and text[end - 1].isspace():
                end -= 1
            segs.append(Segment(open_at + 1, end, pi, False, chain_id))
            carry = True
    return segs


INITIALS_RE = re.compile(r"(?:[a-z]\.)+[a-z]")


def _is_abbrev(text: str, dot: int) -> bool:
    """True when the '.' at `dot` ends an abbreviation or an initial (U.S., Dr.)."""
    if dot >= 5 and text[dot - 5:dot].isalpha():
        return False  # five letters: longer than any abbreviation, and not initials
    j = dot
    while j > 0 and not text[j - 1].isspace():
        j -= 1
    word = text[j:dot].lower().lstrip("(“\"")
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isalpha():
        return True
    return bool(INITIALS_RE.fullmatch(word))


def _sentences(text: str, paras, segs) -> list[tuple[int, int, int]]:
    """Quote-aware sentence spans (start, end, para index)."""
    # segments are disjoint and in text order: only the last one starting
    # before a position can contain it
    seg_starts = [s.start for s in segs]
    seg_ends = [s.end for s in segs]
    out = []
    for pi, (ps, pe) in enumerate(paras):
        start = ps
        for m in SENT_END_RE.finditer(text, ps, pe):
            cut = m.end()
            if m.group()[0] == "." and _is_abbrev(text, m.start()):
                continue
            k = bisect_left(seg_starts, cut - 1) - 1
            if k >= 0 and cut - 1 < seg_ends[k]:
                continue  # the sentence end is inside a quote
            out.append((start, cut, pi))
            start = cut
        if start < pe:
            out.append((start, pe, pi))
    return out


def _mask(text: str, segs) -> str:
    """Text with quote interiors blanked, so cue words inside quotes never fire."""
    if not segs:
        return text
    parts, last = [], 0
    for s in segs:
        parts.append(text[last:s.start])
        parts.append(MASK * (s.end - s.start))
        last = s.end
    parts.append(text[last:])
    return "".join(parts)


# --------------------------------------------------------------------------
# Noun phrases and names
# --------------------------------------------------------------------------
def _strip_word(w: str) -> str:
    return w.strip(",;:()“”\"‘")


POSSESSIVE_RE = re.compile(r"[’']s$")


@lru_cache(maxsize=1 << 16)  # words repeat a lot across articles; this is the hot path
def _bare(w: str) -> str:
    """Lower-case word without possessive and punctuation (for vocabulary checks)."""
    w = POSSESSIVE_RE.sub("", _strip_word(w)).lower()
    return w if w.endswith(".") and w[:-1] in ABBREVIATIONS else w.rstrip(".")


def _is_cap(w: str) -> bool:
    return bool(w) and (w[0].isupper() or (w[0] in "“\"" and len(w) > 1 and w[1].isupper()))


@lru_cache(maxsize=1 << 16)
def _is_cap_core(w: str) -> bool:
    """Is the word capitalised once quote marks and punctuation are stripped?"""
    return _is_cap(_strip_word(w))


@lru_cache(maxsize=1 << 16)
def _np_word(w: str) -> bool:
    """Can this word be part of a speaker noun phrase?"""
    b = _bare(w)
    if MASK in w or not b:
        return False
    return _is_cap(w) or b in ROLE_WORDS or b in ORG_ANAPHORS or b in PARTICLES \
        or b in UNNAMED_HEADS or b in ("the", "a", "an")


def _left_np_words(ctx: str) -> list[str]:
    """Words of the noun phrase that ends `ctx` (walk back until a non-NP word)."""
    words = ctx.split()
    if words and words[-1].lower() in PRONOUNS:
        return [words[-1]]
    out: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        w = words[i]
        if out and w[-1] in ",;:":
            break
        connector = (out and _bare(w) in NAME_CONNECTORS and _is_cap(out[-1]) and i > 0
                     and _is_cap(words[i - 1]) and words[i - 1][-1] not in ",;:")
        if w.endswith("_”") or w.endswith('_"') or (not _np_word(w) and not connector):
            break
        out.append(w)
        if _bare(w) in ("the", "a", "an"):
            break
    out.reverse()
    while out and _bare(out[0]) in CAP_STOP and _bare(out[0]) not in ("the", "a", "an"):
        out.pop(0)  # "Yesterday Smith said": drop the sentence adverb
    return out


NAME_CONNECTORS = {"of", "for", "and", "&", "without", "on"}


def _right_np_words(ctx: str) -> list[str]:
    """Words of the noun phrase that starts `ctx` (inverted 'said Mayor X, who')."""
    out = []
    words = ctx.split()
    for i, w in enumerate(words):
        connector = (out and _bare(w) in NAME_CONNECTORS and _is_cap(out[-1]) and out[-1][-1] not in ",;:"
                     and i + 1 < len(words) and _is_cap(words[i + 1]))
        if not _np_word(w) and not connector:
            break
        bare_end = w[-1] in ",;:.!?" and not (w.endswith(".") and _bare(w).endswith("."))
        out.append(w)
        if bare_end:
            break
    while out and _bare(out[-1]) == "of":
        out.pop()
    return out


def _parse_np(words: list[str], pos: int) -> Mention | None:
    """Split a noun phrase into role + name and classify it."""
    if not words:
        return None
    fields = _parse_np_fields(tuple(words))
    return Mention(*fields, pos=pos) if fields else None


@lru_cache(maxsize=1 << 14)  # speakers and subjects recur within and across articles
def _parse_np_fields(words: tuple[str, ...]) -> tuple | None:
    """_parse_np without the position: (text, name, role, kind), or None."""
    text = " ".join(_strip_word(w) for w in words)
    if not _bare(words[-1]).endswith("."):
        text = text.rstrip(".")  # sentence period, not an abbreviation like "Jr."
    toks = [_strip_word(w) for w in words]
    det = _bare(toks[0]) if _bare(toks[0]) in ("the", "a", "an") else None
    if det:
        toks = toks[1:]
    if not toks:
        return None
    toks[-1] = toks[-1].rstrip(".") if not _bare(toks[-1]).endswith(".") else toks[-1]
    low = [_bare(t) for t in toks]
    if len(toks) == 1 and low[0] in PRONOUNS:
        return (text, None, None, "pronoun")
    if low[-1] in UNNAMED_HEADS and low[-1].endswith("s") and all(
            not _is_cap(t) or i == 0 or _bare(t) not in ORG_WORDS for i, t in enumerate(toks)) \
            and not any(_bare(t) in ROLE_HEADS for t in toks[:-1]) and len(toks) <= 3:
        return (text, None, None, "unnamed")  # "Prosecutors", "Israeli officials"
    last_head = max((i for i, b in enumerate(low)
                     if b in ROLE_HEADS or ("-" in b and any(x in ROLE_HEADS for x in b.split("-")))),
                    default=-1)
    name_toks = toks[last_head + 1:]
    role = " ".join(toks[:last_head + 1]) or None
    if not name_toks and role:
        return (text, None, role, "role")
    org_part = name_toks if name_toks else toks
    if any(_is_cap(t) and _bare(t) in ORG_WORDS for t in org_part) or " ".join(low) in PLACE_SPEAKERS:
        # organisations keep their whole name ("Foreign Ministry", "International Monetary Fund")
        name = " ".join(toks)
        return (text, re.sub(r"[’']s$", "", name), None, "organisation")
    if det in ("a", "an"):
        return (text, None, role, "unnamed")
    if not name_toks:
        if role:
            return (text, None, role, "role")
        return None
    if all(not _is_cap(t) for t in name_toks):
        if low[-1] in ORG_ANAPHORS or low[-1] in COMPANY_ANAPHORS:
            return (text, low[-1], role, "org_anaphor")
        if low[-1] in UNNAMED_HEADS:
            return (text, None, role, "unnamed")
        return None
    if any(not _is_cap(t) and _bare(t) not in PARTICLES for t in name_toks):
        return None
    name = re.sub(r"[’']s$", "", " ".join(name_toks))
    if _bare(name_toks[0]) in CAP_STOP:
        return None
    if name.lower() in PLACE_SPEAKERS:
        return (text, name, role, "organisation")
    return (text, name, role, "person")


@lru_cache(maxsize=1 << 16)
def _norm_token(t: str) -> str:
    """Spelling-tolerant token: 'Zelenskyy' and 'Zelensky' compare equal."""
    return re.sub(r"(.)\1", r"\1", _fold(t))


class Article:
    """Per-article resolution state: known people, organisations and salience."""

    def __init__(self) -> None:
        self.people: list[Person] = []
        self.by_token: dict[str, list[Person]] = {}
        self.orgs: list[tuple[int, str]] = []         # (pos, name) of organisation speakers/subjects
        self.salient: list[tuple[int, str]] = []      # (pos, person name): speakers and subjects

    # -- registry --------------------------------------------------------
    def add_person(self, name: str, role: str | None, pos: int) -> Person:
        for p in self.by_token.get(_norm_token(name.split()[-1]), []):
            if p.name == name:
                if role and role not in p.roles:
                    p.roles.append(role)
                return p
        p = Person(name, [role] if role else [], pos)
        self.people.append(p)
        for t in name.split():
            if _bare(t) not in PARTICLES:
                self.by_token.setdefault(_norm_token(t), []).append(p)
        return p

    def find_person(self, name: str, pos: int) -> Person | None:
        """Full person for a (possibly short or variant) name mention."""
        toks = name.split()
        cands = self.by_token.get(_norm_token(toks[-1]), [])
        if len(toks) > 1:
            exact = [p for p in cands if p.name == name]
            if exact:
                return exact[0]
            cands = [p for p in cands if len(p.name.split()) >= len(toks)
                     and all(_norm_token(t) in {_norm_token(x) for x in p.name.split()} for t in toks)]
        if not cands:
            return None
        before = [p for p in cands if p.pos <= pos]
        return max(before, key=lambda p: p.pos) if before else cands[0]

    def find_by_role(self, role: str, pos: int) -> Person | None:
        """'the spokesman' / 'The Kremlin spokesman' -> the person who holds that role."""
        want = {_bare(w) for w in role.split()} - {"the"}
        best = None
        for p in self.people:
            for r in p.roles:
                have = {_bare(w) for w in r.split()}
                if want <= have and (best is None or abs(p.pos - pos) < abs(best.pos - pos)):
                    best = p
        return best

    def note_org(self, name: str, pos: int) -> None:
        self.orgs.append((pos, name))

    def note_person(self, name: str, pos: int) -> None:
        self.salient.append((pos, name))

    def last_person(self, pos: int) -> str | None:
        best = None
        for p, n in self.salient:
            if p <= pos and (best is None or p >= best[0]):
                best = (p, n)
        return best[1] if best else None

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


def _build_registry(text: str, paras) -> Article:
    """Pre-pass: every 'Role First Last' in the article, so 'Peskov' finds 'Dmitry Peskov'."""
    art = Article()
    for ps, pe in paras:
        line = text[ps:pe]
        if _title_case(line):
            continue  # headlines: title case makes every word look like a name
        words = line.split()
        # One code character per word, so a regex finds the name runs without a
        # Python loop over every word.
        kinds = "".join(map(_RUN_CODES.__getitem__, words))
        for m in NAME_RUN_RE.finditer(kinds):
            person = _run_person(tuple(words[m.start():m.end()]))
            if person:
                art.add_person(*person, ps + _nth_word_start(line, words, m.start()))
    return art


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

    def __init__(self, fn, limit: int = 1 << 16) -> None:
        super().__init__()
        self.fn, self.limit = fn, limit

    def __missing__(self, w: str):
        if len(self) >= self.limit:
            self.clear()
        value = self[w] = self.fn(w)
        return value


def _run_word(w: str) -> str:
    """For _build_registry: "0" = not part of a name run, "1" = part of one, "2" = part
    and ends it; "3" and "4" are "1" and "2" for a capitalised word."""
    if not _np_word(w) or QUOTE_CHAR_RE.search(w, 1):   # _np_word is False when MASK in w
        return "0"
    ends = w[-1] in ",;:" or w.endswith(("’s", "'s")) or (w[-1] in ".!?" and not _bare(w).endswith("."))
    return ("4" if ends else "3") if _is_cap_core(w) else ("2" if ends else "1")


_RUN_CODES = _WordTable(_run_word)


def _title_case(line: str) -> bool:
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
    while run and _bare(run[0]) in CAP_STOP:
        run = run[1:]
    if len(run) < 2:
        return None
    if not any(map(_is_cap_core, run)):
        return None   # a person's name needs a capitalised word: skip parsing "the minister"
    fields = _parse_np_fields(run)  # (text, name, role, kind)
    if fields and fields[3] == "person":
        name, role = fields[1], fields[2]
        name_words = name.split()
        if len(name_words) >= 2 and _bare(name_words[0]) not in PARTICLES \
                and not any(_bare(t) in CAP_STOP or _bare(t) in ORG_WORDS for t in name_words):
            return name, role
    return None


# --------------------------------------------------------------------------
# Speaker resolution
# --------------------------------------------------------------------------
def _resolve(art: Article, m: Mention | None, pos: int) -> tuple[str | None, str | None, str | None]:
    """(speaker, role, speaker_type) for a mention, updating salience."""
    if m is None:
        return None, None, None
    if m.kind == "pronoun":
        p = m.text.lower()
        if p in ("he", "she"):
            name = art.last_person(pos)
            if name:
                person = art.find_person(name, pos)
                return name, (person.roles[0] if person and person.roles else None), "person"
            return None, None, "person"
        if p == "it":
            name = art.last_org(None, pos)
            return name, None, "organisation" if name else None
        return None, None, None
    if m.kind == "unnamed":
        return None, m.role, "person"
    if m.kind == "org_anaphor":
        name = art.last_org(m.name, pos)
        if name:
            art.note_org(name, pos)
        return name, None, "organisation" if name else None
    if m.kind == "role":
        if m.role and m.role.lower() in PLACE_SPEAKERS:
            return m.role, None, "organisation"
        person = art.find_by_role(m.role, pos)
        if person:
            art.note_person(person.name, pos)
            return person.name, person.roles[0] if person.roles else m.role, "person"
        return None, m.role, "person"
    if m.kind == "organisation":
        art.note_org(m.name, pos)
        return m.name, None, "organisation"
    person = art.find_person(m.name, pos)
    if person:
        art.note_person(person.name, pos)
        role = m.role or (person.roles[0] if person.roles else None)
        return person.name, role, "person"
    if len(m.name.split()) >= 2 or m.role:
        art.note_person(m.name, pos)
        return m.name, m.role, "person"
    return m.name, m.role, None  # a lone unknown word: keep it, type unknown


def _left_speaker(ctx: str, pos: int) -> Mention | None:
    """Speaker noun phrase ending `ctx` (text right before a cue word)."""
    # Each regex below runs only when the text has what it needs to match (a trim
    # word, "who", a final comma, a possessive): most contexts have none of them.
    ctx = ctx.rstrip()
    last_two = ctx.rsplit(None, 2)[-2:]
    if _may_left_trim(last_two):
        ctx = LEFT_TRIM_RE.sub("", ctx)  # also leaves no trailing whitespace
        last_two = ctx.rsplit(None, 2)[-2:]
    m = RELATIVE_RE.match(ctx) if "who" in ctx else None
    if m:
        return _parse_np(_left_np_words(m.group(1)), pos)
    if ctx.endswith(","):
        m = APPOSITIVE_RE.match(ctx)
        if m:
            appos = _parse_np(m.group(2).split(), pos) if all(_np_word(w) for w in m.group(2).split()) else None
            if appos and appos.kind in ("person", "organisation"):
                return appos
            head = _parse_np(_left_np_words(m.group(1)), pos)
            if head:
                return head
        return None
    m = POSSESSIVE_ORG_RE.search(ctx) if ("’s" in ctx or "'s" in ctx) else None
    if m and _bare(m.group(2)) in ORG_ANAPHORS:
        return Mention(m.group(0), name=m.group(0), kind="organisation", pos=pos)
    if not last_two or (last_two[-1].lower() not in PRONOUNS and not _np_word(last_two[-1])):
        return None  # what _left_np_words would find (no phrase), the usual case, sooner
    return _parse_np(_left_np_words(ctx), pos)


_CAP_STOP_NOT_DET = CAP_STOP - {"the", "a", "an"}


def _sentence_subject(masked: str, start: int) -> tuple[Mention | None, int]:
    """The main subject of a sentence: first NP, after a leading 'In X, ' phrase."""
    body = masked
    offset = 0
    # The subject ends at the first word that cannot be in it, almost always among
    # the first few: split only those unless all of them can be.
    words = body.split(None, 8)
    if words and (_bare(words[0]) in _CAP_STOP_NOT_DET or not _is_cap(words[0])):
        comma = body.find(", ")
        if 0 < comma < 90:
            offset = comma + 2
            body = body[offset:]
            words = body.split(None, 8)
    np_words = list(takewhile(_np_word, words[:8]))
    if len(np_words) == 8 and len(words) == 9:
        words = body.split()
        np_words = list(takewhile(_np_word, words))
    for k, w in enumerate(np_words):
        if w[-1] in ",;:":  # "Smith, the minister, said": the subject ends at a comma
            del np_words[k + 1:]
            break
    if not np_words or len(np_words) == len(words):
        return None, 0
    return _parse_np(np_words, start + offset), start + offset


# --------------------------------------------------------------------------
# Claim assembly
# --------------------------------------------------------------------------
def _trim_span(text: str, a: int, b: int, keep_final: bool = False) -> tuple[int, int]:
    """Trim whitespace and trailing attribution punctuation (,.;:) from a span."""
    while a < b and text[a].isspace():
        a += 1
    while b > a and (text[b - 1].isspace() or (not keep_final and text[b - 1] in ",.;:")):
        b -= 1
    return a, b


def _claim(text, art, mention, cue, kind, a, b, sent, pos, resolved=None) -> dict:
    if isinstance(mention, _Resolved):
        resolved = mention.res
    speaker, role, stype = resolved if resolved else _resolve(art, mention, pos)
    return {
        "speaker": speaker, "speaker_role": role,
        "speaker_mention": mention.text if mention else None,
        "speaker_type": stype, "quote": text[a:b], "cue": cue, "kind": kind,
        "sentence": text[sent[0]:sent[1]].strip(), "char_start": a, "char_end": b,
    }


def _after_attribution(masked: str, close: int, sent_end: int):
    """'…,” Peskov said' / '…,” said Mayor Ortiz' / '…,” according to X' after a quote."""
    tail = masked[close:sent_end]
    if tail.startswith(("”", '"')):
        tail, close = tail[1:], close + 1
    lead = len(tail) - len(tail.lstrip(" ,"))
    head = tail[lead:lead + 160]
    m = QUOTE_CUE_RE.search(head)
    if not m or MASK in head[:m.start()]:
        return None
    cue = _cue_text(m.group())
    before = head[:m.start()].strip()
    base = close + lead
    if cue == "according to":
        if before:
            return None
        rest = head[m.end():].lstrip()
        src = FROM_SOURCE_RE.match(rest)
        skip = src.end() if src else 0
        if _names_no_speaker(rest[skip:]):
            return None
        mention = _parse_np(_right_np_words(rest[skip:]), base + m.end() + skip)
        if not mention:
            return None
        return mention, cue, base + m.start()
    if before:  # "Kremlin spokesman Dmitry Peskov said" / "he told reporters"
        words = before.split()
        if len(words) == 1 and words[0].lower() in PRONOUNS:
            return Mention(words[0], kind="pronoun", pos=base), cue, base + m.start()
        if not all(_np_word(w) for w in words) or LEFT_TRIM_RE.sub("", before) != before and not _np_word(words[-1]):
            cleaned = LEFT_TRIM_RE.sub("", " " + before).strip()
            words = cleaned.split()
            if not words or not all(_np_word(w) for w in words):
                return None
        mention = _parse_np(words, base)
    else:  # inverted: "said Mayor Lena Ortiz, who …"
        mention = _right_speaker(head[m.end():], base + m.end())
    if mention is None:
        return None
    return mention, cue, base + m.start()


def _before_attribution(masked: str, sent_start: int, open_at: int):
    """'X said: “…' / 'X said, “…' / '…,” X said, “…' before a quote."""
    ctx = masked[sent_start:open_at]
    stripped = ctx.rstrip()
    if not stripped.endswith((",", ":")):
        return None
    body = stripped[:-1].rstrip()
    m = None
    for m in QUOTE_CUE_RE.finditer(body):
        pass
    # the cue ends the context, optionally with one audience word ("told reporters:")
    if m and re.fullmatch(r"(?:\s+\w+)?\s*", body[m.end():]):
        left = body[:m.start()]
        cut = max(left.rfind("”"), left.rfind('"'))
        left = left[cut + 1:] if cut >= 0 else left
        mention = _left_speaker(left, sent_start + len(left))
        if mention is None:
            words = body[m.end():].split()
            mention = _parse_np(_right_np_words(" ".join(words)), sent_start + m.end()) if words else None
        if mention:
            return mention, _cue_text(m.group()), sent_start + m.start()
    if stripped.endswith(":"):  # "Minister X put it simply: “…”"
        subj, spos = _sentence_subject(ctx, sent_start)
        if subj:
            return subj, "colon", spos
    return None


def _tie_attribution(masked: str, sent_start: int, open_at: int, sent_speaker):
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
        if passive and _ends_with_word(left, _BE_FORMS):
            return _parse_np(_right_np_words(passive.group(1)), cue_pos), verb, cue_pos
        if verb.endswith("ing") or _ends_with_word(left, _AND_BUT):
            return sent_speaker(cue_pos), verb, cue_pos
        mention = _left_speaker(left, cue_pos)
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
                   else _parse_np([owner], cue_pos))
        if mention and low in ("his", "her"):
            mention.text = "he" if low == "his" else "she"
        return (mention, "characterized", cue_pos) if mention else None
    return None


def _clause_end(masked: str, a: int, end: int) -> int:
    """Where a reported clause stops: sentence end or a coordinated cue."""
    if masked.find(",", a, end) < 0 and masked.find(";", a, end) < 0 \
            and masked.find("and", a, end) < 0 and masked.find("but", a, end) < 0:
        return end  # CLAUSE_SPLIT_RE needs one of these
    m = CLAUSE_SPLIT_RE.search(masked, a, end)
    return m.start() if m else end


# Words AFTER_SKIP_RE can begin with (as prefixes: it needs no word end after "monday").
AFTER_SKIP_FIRST = ("late", "early", "earlier", "on", "monday", "tuesday", "wednesday", "thursday", "friday",
                    "saturday", "sunday", "today", "yesterday", "this", "last", "again",
                    "repeatedly", "in", "at")


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
    if "that" in content:  # both patterns need it
        m = STANCE_THAT_RE.match(rest[j:])
        if m:
            j += m.end()
        m = THAT_RE.match(rest[j:])
        had_that = bool(m)
        if m:
            j += m.end()
        content = rest[j:].lstrip()
    j = len(rest) - len(content)
    if not content or content[0] in ",.;:!?“\"" + MASK:
        return None
    head = content.split(None, 3)  # the first words: enough to tell "fewer than 3"
    first = _bare(head[0])
    if not had_that:
        if cue in THAT_REQUIRED:
            return None
        object_ok = cue in NP_OBJECT_CUES or (first == "to" and cue in INFINITIVE_CUES)
        if not object_ok and first in CLAUSE_START_BLOCK:
            return None  # "said on …", "told supporters at a rally": no content clause
        if len(head) < 3:
            return None
    return i + j


def _sentence_cues(masked, paras, sents) -> list[list[tuple[int, int, str]]]:
    """The CUE_TOKEN_RE matches of each sentence, from one scan per paragraph: a cue
    never spans a sentence end (that takes punctuation before the space)."""
    found: list[tuple[int, int, str]] = []
    for ps, pe in paras:
        found.extend(_cue_matches(masked, ps, pe))
    out, k, n = [], 0, len(found)
    for _, s1, _ in sents:
        first = k
        while k < n and found[k][0] < s1:
            k += 1
        out.append(found[first:k])
    return out


def _indirect_claims(text, masked, art, sent, cues, used_cues, sent_speaker, out) -> None:
    """Reported speech in one sentence: 'X said (that) …', 'according to X, …'."""
    s0, s1 = sent
    first, cue_starts, local = len(out), [], None
    for cue_at, cue_end, matched in cues:
        if cue_at in used_cues:
            continue
        cue = _cue_text(matched)
        if masked[cue_end:cue_end + 1] in ("”", '"') or masked[cue_at - 2:cue_at].strip() in ("”", '"', "”,", '",'):
            continue
        left = masked[s0:cue_at].rstrip()  # the helpers below ignore trailing blanks
        if _ends_with_closed_quote(left):
            continue  # "…,” he said": the direct pass owns this cue
        if _ends_with_word(left, _BE_FORMS):
            continue  # passive "is said to be": hearsay with no speaker
        a = _clause_start(masked, cue, cue_end, s1)
        if a is None:
            trailing = _trailing_attribution(text, masked, s0, cue_at, cue_end, matched)
            if trailing:
                mention, ta, tb = trailing
                out.append(_claim(text, art, mention, cue, "indirect", ta, tb, sent, cue_at))
                cue_starts.append(cue_at)
            continue
        if cue in GERUND_CUES or cue.startswith(("pointing", "warning")) or _ends_with_word(left, _AND_BUT):
            mention = local if local is not None else sent_speaker(cue_at)
        else:
            lc = left[max(left.rfind("”"), left.rfind('"')) + 1:]
            mention = _left_speaker(lc, cue_at)
            if mention is None:
                continue
        b = _clause_end(masked, a, s1)
        a, b = _trim_span(text, a, b)
        b = _close_open_quote(text, a, b)
        if b - a < 3:
            continue
        out.append(_claim(text, art, mention, cue, "indirect", a, b, sent, cue_at))
        cue_starts.append(cue_at)
        last = out[-1]
        local = _Resolved((last["speaker"], last["speaker_role"], last["speaker_type"]), last["speaker_mention"])
    if masked.find("ccording", s0, s1) >= 0:  # ACCORDING_RE needs it
        _according_to(text, masked, art, sent, out)
    if cue_starts:  # else no claim holds another's cue
        _split_overrun(text, masked, out[first:], cue_starts)


TRAILING_RE = re.compile(r"^\s*(?:[.;]|,\s+(?:as|after|while|when|because|in|on|\w+ing)\b|$)")


def _trailing_attribution(text, masked, s0, cue_at, cue_end, matched):
    """Newswire 'Oil prices rose on Monday, traders said.' (clause before the cue)."""
    if matched not in ("said", "says", "added", "noted", "warned", "estimated"):
        return None
    after = masked[cue_end:cue_end + 60]
    skip = AFTER_SKIP_RE.match(after) if _may_after_skip(after.lstrip()) else None
    if skip and skip.group().rstrip().endswith(","):
        after = ", " + after[skip.end():]  # "unions said on Monday, threatening …"
    elif skip:
        after = after[skip.end():]
    if not TRAILING_RE.match(after):
        return None
    left = masked[s0:cue_at].rstrip()
    comma = left.rfind(",")
    if comma < 0:
        return None
    np_words = left[comma + 1:].split()
    if np_words and np_words[0].lower() in ("their", "its", "his", "her"):
        np_words = np_words[1:]  # "…, their unions said"
    if not np_words or len(np_words) > 6 or not all(_np_word(w) for w in np_words):
        return None
    mention = _parse_np(np_words, s0 + comma + 1)
    a, b = _trim_span(text, s0 + len(masked[s0:s0 + comma]) - len(BULLET_RE.sub("", masked[s0:s0 + comma])), s0 + comma)
    if mention is None or len(text[a:b].split()) < 4 or MASK in masked[a:b]:
        return None
    return mention, a, b


def _is_appositive(segment: str) -> bool:
    """', chief economist at Nordbank,' / ', who represents …,' / ', an industry association,'."""
    words = segment.split()
    if not words or len(words) > 10:
        return False
    first = _bare(words[0])
    return first in ("who", "an", "a") or first in ROLE_WORDS or (
        len(words) <= 4 and all(_np_word(w) for w in words))


def _right_speaker(ctx: str, pos: int) -> Mention | None:
    """Inverted speaker after the cue, looking through 'X’s negotiator, Mele Tafua,'."""
    words = _right_np_words(ctx)
    mention = _parse_np(words, pos)
    if mention is None or mention.kind in ("role", "unnamed", "org_anaphor"):
        rest = ctx.split(None, len(words))[-1] if len(ctx.split()) > len(words) else ""
        if words and words[-1].endswith(","):
            name = _right_np_words(rest)
            named = _parse_np(name, pos) if name and name[-1][-1] in ",." else None
            if named and named.kind == "person":
                return named
    return mention


def _split_overrun(text, masked, claims, cue_starts) -> None:
    """'A said X, but officials said Y': end X before the next speaker's clause."""
    for c in claims:
        if c["kind"] != "indirect":
            continue
        inner = [p for p in cue_starts if c["char_start"] < p < c["char_end"]]
        if not inner:
            continue
        stop = min(inner)
        cut = None
        for m in OVERRUN_RE.finditer(masked, c["char_start"], stop):
            cut = m.start()
        a, b = _trim_span(text, c["char_start"], cut if cut is not None else stop)
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
        words = _right_np_words(src_text[skip:])
        if not words or _names_no_speaker(src_text[skip:]) or MASK in " ".join(words):
            continue
        mention = _right_speaker(src_text[skip:], m.end() + skip)
        if mention is None:
            continue
        if not lead:  # "According to X, clause."
            comma = masked.find(",", m.end(), s1)
            if comma < 0:
                continue
            nxt = masked.find(",", comma + 1, s1)
            if nxt > 0 and _is_appositive(masked[comma + 1:nxt]):
                comma = nxt  # "According to Henrik Olsen, chief economist at Nordbank, …"
            a, b = _trim_span(text, comma + 1, _clause_end(masked, comma + 1, s1))
        else:  # "clause, according to X."
            if masked[s0:m.start()].count("“") and _quoted_only(masked, s0, m.start()):
                continue  # the direct pass owns '“…,” according to X'
            a, b = _trim_span(text, s0, m.start())
            a = s0 + len(masked[s0:a]) - len(masked[s0:a].lstrip(" \t•·*-"))
            a, b = _trim_span(text, a, b)
        if b - a < 3:
            continue
        out.append(_claim(text, art, mention, "according to", "indirect", a, b, sent, m.start()))


SOURCE_PHRASE_RE = re.compile(r"^[^,.;:()“”\"]*?(?=\s+(?:who|that|which|published|released|seen|obtained)\b|[,.;:()“”\"]|$)")


def _names_no_speaker(src: str) -> bool:
    """'according to figures / the company's annual report / the Russian perspective'."""
    m = SOURCE_PHRASE_RE.match(src.strip())
    phrase = m.group() if m else src
    return any(_bare(w) in NOT_SPEAKER_HEADS for w in phrase.split())


def _quoted_only(masked: str, a: int, b: int) -> bool:
    s = masked[a:b].strip(" ,")
    return s.startswith(("“", '"')) and s.rstrip(",").endswith(("”", '"'))


def _sentence_like(quote: str) -> bool:
    """A standalone quote that reads as speech: several words, sentence-shaped."""
    words = quote.split()
    return len(words) >= 5 and quote[:1].isupper()


# --------------------------------------------------------------------------
# Main entry point
# --------------------------------------------------------------------------
def extract_claims(text: str) -> list[dict]:
    """Attributed statements in cleaned article text (see module docstring)."""
    if not text or ("said" not in text and "“" not in text and '"' not in text
                    and "according" not in text and not CUE_TOKEN_RE.search(text)):
        return []
    paras = _paragraphs(text)
    segs = _quote_segments(text, paras)
    sents = _sentences(text, paras, segs)
    masked = _mask(text, segs)
    art = _build_registry(masked, paras)
    cues_by_sent = _sentence_cues(masked, paras, sents)

    by_sent: dict[int, list[Segment]] = {}
    si = 0
    for seg in segs:
        while si < len(sents) - 1 and sents[si][1] <= seg.start:
            si += 1
        seg.sent = si
        by_sent.setdefault(si, []).append(seg)

    claims: list[dict] = []
    chain_speaker: dict[int, tuple] = {}
    chain_mention: dict[int, tuple] = _chain_attributions(text, masked, segs, sents)
    last_para_claim: dict[int, dict] = {}
    prev_attr_in_para: dict[int, tuple] = {}

    for idx, (s0, s1, pi) in enumerate(sents):
        sent = (s0, s1)
        bullet = BULLET_PREFIX_RE.match(masked, s0, s1)
        body_start = bullet.end() if bullet else s0
        local_speakers: list[tuple[int, tuple]] = []

        subj, spos = (None, 0)
        if masked[body_start:body_start + 1] not in ("“", '"'):
            subj, spos = _sentence_subject(masked[body_start:s1], body_start)
            if subj and subj.kind in ("person", "organisation"):
                _resolve(art, subj, spos)

        def sent_speaker(pos, _subj=subj, _spos=spos):
            """Speaker of a participle/coordinated cue: the latest speaker in this sentence."""
            for p, res, mtext in reversed(local_speakers):
                if p <= pos:
                    return _Resolved(res, mtext)
            return _subj

        used_cues: set[int] = set()
        for seg in by_sent.get(idx, ()):
            quote_a, quote_b = _trim_span(text, seg.start, seg.end)  # keeps "?" and "!"
            if quote_b <= quote_a:
                continue
            attr = _after_attribution(masked, seg.end, s1) if seg.closed else None
            if attr is None:
                attr = _before_attribution(masked, max(body_start, _prev_close(segs, seg, s0)), seg.start - 1)
            tie = None
            if attr is None:
                tie = _tie_attribution(masked, body_start, seg.start - 1, sent_speaker)
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
            elif _continues(masked, seg, s0, prev_attr_in_para):
                mention, cue, res = prev_attr_in_para[seg.para]
                cue_pos = seg.start
            elif _whole_paragraph(masked, paras, seg) and (seg.para - 1) in last_para_claim:
                prev = last_para_claim[seg.para - 1]
                mention, cue, cue_pos = None, prev["cue"], seg.start
                res = (prev["speaker"], prev["speaker_role"], prev["speaker_type"])
            elif _whole_paragraph(masked, paras, seg) and _sentence_like(text[quote_a:quote_b]) and seg.closed:
                mention, cue, cue_pos, res = None, None, seg.start, (None, None, None)
            else:
                continue  # a title, nickname or scare quote: not a claim
            if isinstance(mention, _Resolved):
                res = mention.res
            if res is None:
                res = _resolve(art, mention, cue_pos)
            elif res[0] and res[2] == "person":
                art.note_person(res[0], cue_pos)
            claim = _claim(text, art, mention, cue, "direct", quote_a, quote_b, sent, cue_pos, resolved=res)
            claims.append(claim)
            local_speakers.append((cue_pos, res, claim["speaker_mention"]))
            chain_speaker[seg.chain] = (res, cue)
            prev_attr_in_para[seg.para] = (mention, cue, res)
            last_para_claim[pi] = claim

        before = len(claims)
        _indirect_claims(text, masked, art, sent, cues_by_sent[idx], used_cues, sent_speaker, claims)
        # resolve participles that point at a direct claim's speaker
        for c in claims[before:]:
            last_para_claim[pi] = c
            if c["speaker"] and c["speaker_type"] == "person":
                art.note_person(c["speaker"], c["char_start"])
                local_speakers.append((c["char_start"], (c["speaker"], c["speaker_role"], c["speaker_type"]),
                                       c["speaker_mention"]))
    claims.sort(key=lambda c: c["char_start"])
    return claims


class _Resolved:
    """A speaker already resolved earlier in the sentence (for participles)."""

    def __init__(self, res, text=None):
        self.res = res
        self.text = text


def _prev_close(segs, seg, s0) -> int:
    """End of the previous quote in the same sentence (so 'before' text is local)."""
    best = s0
    for s in segs:
        if s.end < seg.start and s.end >= s0 and s.para == seg.para:
            best = max(best, s.end + 1)
    return best


def _continues(masked, seg, s0, prev_attr_in_para) -> bool:
    """A quote sentence right after an attributed quote in the same paragraph."""
    if seg.para not in prev_attr_in_para:
        return False
    lead = masked[s0:seg.start - 1].strip(" \t•·*-")
    return lead == ""


def _whole_paragraph(masked, paras, seg) -> bool:
    ps, pe = paras[seg.para]
    return masked[ps:seg.start - 1].strip() == "" and masked[seg.end:pe].strip(" .,”\"") == ""


def _chain_attributions(text, masked, segs, sents) -> dict[int, tuple]:
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
            attr = _after_attribution(masked, s.end, sent_end)
            if attr:
                out[cid] = attr
    return out
