"""The closed word lists of English news style (reporting verbs, roles, organisations) and the cue patterns built from them."""

from __future__ import annotations

import re
from functools import lru_cache

# Vocabulary. Small, closed lists: they encode English news style, not world
# knowledge, except the short list of places/organisations that act as speakers.

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
    "researcher", "scientist", "lawyer", "strategist", "editor", "dr.", "mr.", "mrs.", "ms.", "gov.", "sen.", "rep.", "gen.", "prof.", "lt.", "col.",
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
    "office", "campaign",
}
# "Her office said", "their lawyers": a determiner of a speaker phrase, never a name
POSSESSIVE_DETERMINERS = frozenset(("his", "her", "their", "its"))
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
# A country, or its capital standing for it, and the adjective its government goes by
# ("the government in Berlin" -> "German government").
_NATIONS = {
    "German": ("germany", "berlin"), "Russian": ("russia", "moscow"), "Ukrainian": ("ukraine", "kyiv", "kiev"),
    "Chinese": ("china", "beijing"), "Indian": ("india", "delhi", "new delhi"), "Iranian": ("iran", "tehran"),
    "Israeli": ("israel", "jerusalem"), "Japanese": ("japan", "tokyo"), "French": ("france", "paris"),
    "British": ("britain", "uk", "u.k.", "london"), "Turkish": ("turkey", "ankara"), "Polish": ("poland", "warsaw"),
    "Canadian": ("canada", "ottawa"), "Mexican": ("mexico",), "Brazilian": ("brazil", "brasilia"),
    "Egyptian": ("egypt", "cairo"), "Syrian": ("syria", "damascus"), "Iraqi": ("iraq", "baghdad"),
    "Pakistani": ("pakistan", "islamabad"), "Taiwanese": ("taiwan", "taipei"),
    "Australian": ("australia", "canberra"), "Italian": ("italy", "rome"), "Spanish": ("spain", "madrid"),
    "Hungarian": ("hungary", "budapest"), "Belarusian": ("belarus", "minsk"), "Saudi": ("riyadh",),
    "Qatari": ("qatar", "doha"), "North Korean": ("pyongyang",), "South Korean": ("seoul",),
    "U.S.": ("washington", "us", "u.s.", "america", "the united states", "united states"),
    "Chilean": ("chile", "santiago"), "Dutch": ("netherlands", "the netherlands", "the hague", "amsterdam"),
}
GOVERNMENT_OF = {place: adj for adj, places in _NATIONS.items() for place in places}
GOVERNMENT_PHRASE_RE = re.compile(
    r"(?:\b[Tt]he\s+)?\b(government|administration|authorities|cabinet)\s+in\s+([A-Z][\w.]+(?:\s+[A-Z]\w+)?)\s*$")
# Capitalised words that start sentences but are not names.
CAP_STOP = {
    "the", "a", "an", "in", "on", "at", "but", "and", "however", "meanwhile", "yesterday",
    "today", "earlier", "later", "also", "still", "despite", "after", "before", "when",
    "while", "as", "for", "with", "asked", "speaking", "beyond", "further", "then", "now",
    "so", "separately", "that", "this", "these", "those", "to", "of", "not", "his", "her",
    "their", "its", "our", "my", "it", "he", "she", "they", "we", "i", "you", "if",
    "although", "though", "because", "since", "during", "under", "over", "from", "by",
    "about", "according", "last", "next", "image", "source", "read", "loading",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "what", "who", "why", "how", "where", "there",
    "here", "some", "many", "all", "both", "each", "every", "no", "more", "most", "one",
    "several", "few", "other", "others", "another", "such", "two", "three",
    "instead", "around", "among", "amid", "like", "unlike", "indeed", "perhaps", "once", "yet",
    "even", "only", "just", "thus", "moreover", "furthermore", "nonetheless", "nevertheless",
    "otherwise", "already", "almost", "nearly", "until", "within", "without", "through", "throughout",
    "neither", "nor", "either", "whether",
    # more closed-class words that open a sentence capitalised and name nobody ("Therefore,
    # Gulf sources believe", "Soon after, the picture", "Besides attacking …", "Aug 27 (Reuters)")
    "therefore", "hence", "soon", "besides", "back", "or", "well", "ever", "again", "meantime",
    "afterward", "afterwards", "elsewhere", "overall", "anyway", "rather", "above", "below", "against",
    "toward", "towards", "upon", "across", "behind", "beside", "near", "outside", "inside", "via",
    "feb", "apr", "jul", "aug", "sep", "sept", "oct", "nov", "dec",  # not "Jan", "Jun", "Mar": also names
}
# Titles and role words that say a person's gender (he/she resolve only to a match).
GENDERED_WORDS = {
    **dict.fromkeys(("mrs", "ms", "miss", "madam", "dame", "lady", "queen", "princess", "duchess",
                     "spokeswoman", "chairwoman", "congresswoman", "councilwoman", "businesswoman",
                     "sister", "mother", "wife", "daughter", "grandmother", "widow", "actress",
                     "headmistress", "policewoman", "sportswoman", "stateswoman"), "f"),
    **dict.fromkeys(("mr", "sir", "lord", "king", "prince", "duke", "spokesman", "chairman",
                     "congressman", "councilman", "businessman", "brother", "father", "husband",
                     "son", "grandfather", "widower", "actor", "headmaster", "policeman",
                     "sportsman", "statesman"), "m"),
}
PARTICLES = {"de", "van", "von", "der", "den", "al", "bin", "da", "du", "la", "le", "di", "del", "dos", "ibn"}
PRONOUNS = {"he": "person", "she": "person", "it": "organisation", "they": None}
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "gov", "sen", "rep", "gen", "prof", "st", "lt", "col", "sgt",
    "rev", "jr", "sr", "no", "inc", "corp", "co", "ltd", "vs", "mt", "ft", "capt", "cmdr",
    "feb", "apr", "jul", "aug", "sep", "sept", "oct", "nov", "dec",  # not "Jan", "Jun", "Mar": also names
}
MONTHS_ALSO_NAMES = {"jan", "jun", "mar"}   # abbreviations only before a day: "Jan. 1"
# Subjects that may open an indirect clause without "that".
CLAUSE_START_BLOCK = {
    "in", "at", "on", "to", "for", "with", "from", "by", "during", "after", "before", "as",
    "while", "when", "because", "about", "of", "into", "via", "through", "against", "and",
    "but", "or", "so", "than", "goodbye", "hello", "yes", "no", "sorry", "thanks", "nothing",
    "something", "little", "much", "is", "was", "are", "were", "be", "been", "being",
}
# Auxiliaries and adverbs between a speaker and the cue ("X has also said").
LEFT_TRIM_WORDS = ("has", "have", "had", "also", "further", "later", "earlier", "then", "again",
                   "once", "repeatedly", "previously", "reportedly", "publicly", "privately",
                   "today", "yesterday")
LEFT_TRIM_RE = re.compile(r"(?:\s+(?:" + "|".join(LEFT_TRIM_WORDS) + r"|on\s+\w+|[a-z]\w*ly))+\s*$")
_LEFT_TRIM_SET = frozenset(LEFT_TRIM_WORDS)
# sentence adverbs a speaker's name may carry between commas ("Sanders, meanwhile, said")
_ASIDE_ADVERBS = r"however|meanwhile|too|though|also|instead|[a-z]+ly"
# a sentence adverbial set off by commas between a speaker and the cue ("Brian Murphy, the
# chairman of the county party, for example, said"): a preposition's phrase or an adverb
PARENTHETICAL_RE = re.compile(r",\s*(?:(?:for|in|at|on|by|with|after|before|like|unlike|as)\s+[^,]{1,30}|"
                              + _ASIDE_ADVERBS + r"|indeed|moreover|nonetheless|nevertheless|therefore|then|now|still)"
                              r"\s*,\s*$")
# a share of those polled speaks for them ("Among Trump voters, 74 percent said")
SHARE_SPEAKER_RE = re.compile(r"(?:^|\s)((?:\d[\d.,]*|(?i:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
                              r"(?:-\w+)?|one|two|three|four|five|six|seven|eight|nine|ten))\s*(?:percent|per cent|%))\s*$")
APPOSITIVE_RE = re.compile(r"^(.*?[^\s,])\s*,\s*([^,]{2,80}?)\s*,\s*$")
# the same, for a relative clause of any length ("Mr. Slinker, whose latest start-up, Paradata, uses …,")
RELATIVE_LONG_RE = re.compile(r"^(.*?[^\s,])\s*,\s*(?:who|whose|which)\b[^“”\"]{0,200}?,\s*$")
ADVERB_TAIL_RE = re.compile(r",\s*(?:" + _ASIDE_ADVERBS + r"|in turn|for (?:his|her|its|their) part)$")
RELATIVE_RE = re.compile(r"^(.*?[^\s,])\s*,\s*(?:who\b(?:\s+\w+){0,8}|which\b(?:\s+[^\s,“”\"]+(?:,\d+)*){1,12}\s*,)\s*$")


BE_FORMS = ("is", "are", "was", "were", "be", "been", "being")
AND_BUT = ("and", "but")
_WS_RUN_RE = re.compile(r"\s+")


@lru_cache(maxsize=1024)
def cue_text(matched: str) -> str:
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


def cue_matches(masked: str, s0: int, s1: int) -> list[tuple[int, int, str]]:
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
    r"(?:(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:\s+(?:morning|afternoon|evening|night))?|"
    r"today|yesterday|"
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
PLACE_THAT_RE = re.compile(r"^\s*(?:in|at|during|on|via|after|before|from|by|over|through|while)\s"
                           r"[^,.;:“”\"]{0,60}?(?=\bthat\b)")
THAT_RE = re.compile(r"^\s*,?\s*that\b\s*")
CLAUSE_SPLIT_RE = re.compile(
    r"(?:,?\s+(?:and|but)\s+(?:also\s+|then\s+|later\s+)?(?=(" + "|".join(sorted(STANCE_VERBS, key=len, reverse=True))
    + r")\b)|,\s+(?=(?:" + "|".join(sorted(STANCE_VERBS, key=len, reverse=True))
    + r")\b)|;\s+|,\s+according\s+to\b)")
ACCORDING_RE = re.compile(r"\b[Aa]ccording\s+to\s+")
FROM_SOURCE_RE = re.compile(r"^(?:an?|the)\s+(?:\w+\s+){0,2}(?:statement|post|letter|spokesperson|"
                            r"spokesman|spokeswoman|release|message)\s+(?:from|by|for)\s+")


# Words AFTER_SKIP_RE can begin with (as prefixes: it needs no word end after "monday").
AFTER_SKIP_FIRST = ("late", "early", "earlier", "on", "monday", "tuesday", "wednesday", "thursday", "friday",
                    "saturday", "sunday", "today", "yesterday", "this", "last", "again",
                    "repeatedly", "in", "at")


TRAILING_RE = re.compile(r"^\s*(?:[.;]|,\s+(?:as|after|while|when|because|since|though|although|before|in|on|"
                         r"\w+ing)\b|$)")


SOURCE_PHRASE_RE = re.compile(r"^[^,.;:()“”\"]*?(?=\s+(?:who|that|which|published|released|seen|obtained)\b|[,.;:()“”\"]|$)")
