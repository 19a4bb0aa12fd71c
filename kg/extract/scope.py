"""The scope of an outcome cue, read from the dependency parse.

A pattern of kg/data/patterns/outcomes.jsonl finds words such as "dismissed" or
"final written warning" in a sentence; whether they state an outcome, and for
whom, depends on the sentence around them:

- ``out_of_scope``: the words do not state that the outcome happened or was decided:
  negated ("was not dismissed"), possible ("could be sacked", "may be suspended"),
  conditional ("if he is convicted"), wanted or weighed rather than done
  ("recommended that the board fire him", "so serious as to justify dismissal"),
  or said of a thing rather than a person ("the counts were dismissed",
  "the allegation was not proven");
- ``affected_spans``: the phrase naming those it happened to, the subject of a
  passive verb ("PCs A and B were given final written warnings") or the object of an
  active one ("the force sacked PC C"), without relative clauses or prepositional
  phrases, so that "officers who shared messages with D were placed on restricted
  duties" puts the officers, not D, on restricted duties.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

from kg.extract.patterns import rules

MODALS = {"could", "might", "may", "can", "should", "must"}
ALTERNATIVE = re.compile(r"\b(?:rather than|instead of|short of|avoid\w*|escap\w*|spared)\s+(?:being\s+)?(?:a\s+|the\s+)?$",
                         re.IGNORECASE)
GENERAL_SUBJECTS = {"outcome", "sanction", "penalty", "punishment", "maximum", "result", "option", "consequence"}
# Verbs whose complement is wanted, weighed or feared, not done.
NOT_DONE_HEADS = {"justify", "warrant", "merit", "recommend", "consider", "seek", "ask", "urge", "call", "demand",
                  "threaten", "risk", "want", "propose", "debate", "avoid", "escape", "fear", "argue", "request",
                  "push", "lobby", "petition", "hope", "mean"}
CONDITIONS = {"if", "unless", "whether"}
# Nouns that charges, allegations and claims are: "dismissed" or "not proven" of them is no officer's outcome.
ALLEGED = {"allegation", "accusation", "complaint", "claim", "matter", "finding", "part", "rest", "remainder",
           "one", "some", "others", "all", "none", "most", "each", "breach", "misconduct"}
# The nouns of the not_of trait of kg/data/patterns/outcomes.jsonl.
THINGS = {"claims": ALLEGED | {"count", "charge", "case", "appeal", "application", "petition", "lawsuit", "suit",
                              "motion", "proceeding", "indictment", "bid", "challenge", "review", "action",
                              "objection", "argument", "evidence", "prosecution", "ruling",
                              "decision", "issue", "both"},
          "allegations": ALLEGED}
RULES = {rule.code: rule for rule in rules("outcomes")}
QUANTIFIERS = {"some", "all", "most", "none", "both", "each", "several", "many", "part", "rest", "remainder"}
SUBJECT_DEPS = ("nsubjpass", "nsubj")
OBJECT_DEPS = ("dobj", "dative")
CORE_DEPS = {"compound", "amod", "nummod", "det", "flat", "conj", "cc", "appos", "nmod", "quantmod", "punct", "npadvmod"}


def _token_at(sentence: Span, start: int, end: int) -> Token | None:
    """The head of the words at sentence-relative offsets [start, end)."""
    base = sentence.start_char
    tokens = [t for t in sentence if start <= t.idx - base < end]
    inside = [t for t in tokens if not (start <= t.head.idx - base < end) or t.head == t]
    return (inside or tokens or [None])[0]


def _verb(token: Token) -> Token:
    """The verb a cue belongs to: itself, or the verb governing its noun ("given a final written warning")."""
    current = token
    for _ in range(4):
        if current.pos_ in ("VERB", "AUX") or current.dep_ == "ROOT":
            return current
        current = current.head
    return current


def _negated(verb: Token, base: int, start: int, end: int) -> bool:
    """A negation of the verb, unless it is the cue's own ("not proven", "not guilty"; "was not dismissed" is one)."""
    for child in verb.children:
        if child.dep_ == "neg" or child.lower_ in ("never", "not", "n't"):
            own = start <= child.idx - base < end and child.i + 1 < len(child.doc) and \
                child.doc[child.i + 1].lower_ in ("guilty", "proven")
            if not own:
                return True
    return False


def _theme(token: Token) -> Token:
    """The noun a quantity stands for: "two of the counts" -> counts."""
    if token.pos_ in ("NUM", "PRON", "DET") or token.lower_ in QUANTIFIERS:
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ == "of":
                objects = [c for c in prep.children if c.dep_ == "pobj"]
                if objects:
                    return objects[0]
    return token


def out_of_scope(sentence: Span, start: int, end: int, code: str) -> bool:
    """True when the cue at [start, end) of the sentence does not state that the outcome happened."""
    token = _token_at(sentence, start, end)
    if token is None:
        return False
    base = sentence.start_char
    verb = _verb(token)
    if not code.startswith("no-") and code != "investigation-ongoing" and _negated(verb, base, start, end):
        return True  # "was not dismissed", "has not been fired"
    if any(child.dep_ == "aux" and child.lower_ in MODALS for child in verb.children):
        return True  # "could be sacked", "may be suspended"
    auxiliaries = {c.lower_ for c in verb.children if c.dep_ == "aux" and not start <= c.idx - base < end}
    if {"would", "have"} <= auxiliaries or {"would", "'ve"} <= auxiliaries:
        return True  # "he would have received a final written warning": what did not happen
    if any(child.dep_ == "mark" and child.lower_ in CONDITIONS for child in verb.children):
        return True  # "if he is convicted"
    if any(child.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in CONDITIONS for m in child.children)
           for child in verb.children):
        return True  # "if he commits further misconduct, he will be dismissed"
    subjects = [c.i for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if subjects and any(c.dep_ in ("aux", "auxpass") and c.lower_ in ("had", "were", "should") and c.i < subjects[0]
                        for c in verb.children):
        return True  # "had the pair been convicted": what did not happen
    if ALTERNATIVE.search(sentence.text[max(0, start - 30):start]):
        return True  # "a final written warning rather than dismissal", "escaped the sack"
    if token.dep_ == "attr" and verb.lemma_ == "be" and any(
            c.dep_ == "nsubj" and c.lemma_.lower() in GENERAL_SUBJECTS for c in verb.children):
        return True  # "the maximum outcome is a final written warning": how the rules work
    if token != verb and verb.lemma_.lower() in NOT_DONE_HEADS:
        return True  # "so serious as to justify dismissal"
    head = token
    for _ in range(4):
        if head.head == head or head.dep_ == "conj":
            break  # a coordinated clause is a statement of its own: "X was recommended, and he was given Y"
        head = head.head
        if head.lemma_.lower() in NOT_DONE_HEADS:
            return True  # "recommended that the board fire him"
        if any(c.dep_ == "mark" and c.lower_ in CONDITIONS for c in head.children):
            return True
    for child in verb.children:
        if child.dep_ in ("nsubjpass", "dobj") and _theme(child).lemma_.lower() in THINGS.get(RULES[code].not_of, ()):
            return True  # "both counts were dismissed", "the panel dismissed the allegations"
    return False


def _core(token: Token) -> list[Token]:
    """A noun phrase's own words: the noun, its modifiers and conjuncts, not its clauses or prepositions."""
    words = [token]
    for child in token.children:
        if child.dep_ in CORE_DEPS or child.pos_ == "PROPN" and child.dep_ not in ("relcl", "acl", "prep"):
            words.extend(_core(child))
    return words


def affected_spans(sentence: Span, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence-relative spans of the phrase naming those the outcome at [start, end) happened to.

    Passive verb: its subject ("PCs A and B were given ..."). Active verb that is the cue
    ("the force sacked him"): its object, else its subject ("he resigned"). A noun cue
    of an active verb: the person it is given to, else the verb's subject ("she received a
    final written warning"), or the noun's possessor ("his dismissal").
    """
    token = _token_at(sentence, start, end)
    if token is None:
        return []
    verb = _verb(token)
    if token == verb and verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN"):
        words = _core(verb.head)  # "drug gang members jailed": the noun the verb describes
        return [(min(w.idx for w in words) - sentence.start_char,
                 max(w.idx + len(w.text) for w in words) - sentence.start_char)]
    if any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children):
        order = ("nsubjpass",)
    elif token == verb:
        order = ("dobj", "nsubj")
    else:
        order = ("poss", "dative", "nsubj")
    base = sentence.start_char
    for dep in order:
        owner = token if dep == "poss" else verb
        heads = [c for c in owner.children if c.dep_ == dep]
        if heads:
            spans = []
            for head in heads:
                words = _core(head)
                spans.append((min(w.idx for w in words) - base, max(w.idx + len(w.text) for w in words) - base))
            return spans
    return []


# Words of a subject phrase that refer to officers (the article's subjects) rather than to someone else.
OFFICER_WORDS = {"officer", "officers", "constable", "constables", "pc", "pcs", "sergeant", "sgt", "inspector",
                 "detective", "garda", "gardaí", "policeman", "policewoman", "he", "she", "they", "him", "her",
                 "them", "both", "all", "who", "sergeants", "inspectors", "colleague", "colleagues", "trio", "pair",
                 "men", "women", "former", "ex", "superintendent", "chief", "deputy", "lieutenant", "each", "whom",
                 "defendant", "accused", "cop", "cops", "detectives", "constabulary", "force", "personnel", "staff"}


def happened_to(sentence: Span, start: int, end: int, code: str, located: list[tuple[int, int, str]],
                subjects: set[str]) -> list[str] | None:
    """The subjects the outcome at [start, end) happened to, by the parse.

    A list of keys when the phrase naming them holds subjects; [] when it names only
    someone else (a person or a thing the article is not about); None when the parse
    does not say (no such phrase, or only a pronoun or "the officer"), so the caller
    keeps the sentence's subjects.
    """
    spans = affected_spans(sentence, start, end) if not RULES[code].decision else []
    if not spans:
        return None
    keys = sorted({key for a, b in spans for s, e, key in located if key in subjects and s < b and a < e})
    if keys:
        return keys
    base = sentence.start_char
    words = [t for t in sentence if any(a <= t.idx - base < b for a, b in spans)]
    if any(t.lower_ in OFFICER_WORDS or t.pos_ == "PRON" for t in words):
        return None
    if any(t.ent_type_ == "PERSON" for t in words):
        return []  # "Feld was jailed": not one of the officers the article is about
    token = _token_at(sentence, start, end)
    heads = [t for t in words if t.dep_ not in CORE_DEPS or t.head not in words]
    if token is not None and token == _verb(token) and heads and all(t.pos_ == "NOUN" for t in heads):
        return []  # "three gang members were jailed", "the man was charged": someone else
    return None


def object_of_other_verb(sentence: Span, end: int, discipline_verb) -> bool:
    """True when the noun ending at sentence-relative ``end`` is the object of a verb that is not
    about discipline ("harassed three female officers", "reported it to a sergeant")."""
    base = sentence.start_char
    token = next((t for t in sentence if t.idx - base <= end - 1 < t.idx - base + len(t.text)), None)
    if token is None or token.dep_ not in ("dobj", "pobj", "dative"):
        return False
    head = token.head
    if token.dep_ == "pobj":
        if head.lower_ not in ("to", "towards", "at", "on"):
            return False
        head = head.head
    return head.pos_ == "VERB" and not discipline_verb.match(head.lemma_.lower())


# Verbs whose subject speaks, judges or runs the proceedings rather than undergoes them.
ROLE_VERBS = {"say", "tell", "add", "explain", "describe", "state", "find", "rule", "conclude",
              "confirm", "comment", "acknowledge", "note", "praise", "welcome", "thank", "apologise", "apologize",
              "write", "urge", "warn", "insist", "order", "recommend", "chair", "lead", "head", "oversee",
              "decide", "determine", "sentence", "direct", "refer", "investigate", "review", "stress",
              "emphasise", "emphasize", "reply", "respond", "argue", "believe", "hope", "pay"}
# In a relative clause, the roles of people who run proceedings ("Jo Bell, who chaired it"), not a
# career ("Jo Bell, who led the force until 2024").
CLAUSE_ROLE_VERBS = {"chair", "preside", "hear", "investigate", "review", "represent", "prosecute", "sentence"}
# Verbs done to a victim: an officer who is their object is harmed, not accused.
HARM_VERBS = {"bite", "assault", "attack", "punch", "injure", "kick", "spit", "hit", "stab", "threaten", "abuse",
              "headbutt", "shoot", "wound", "harass", "stalk", "ram", "drag", "kill", "murder", "rob", "film"}
ROLE_APPOSITION = ("head of", "spokes", "commander", "chair", "director", "commissioner of", "lead for",
                   "in charge of", "who chaired", "who led the investigation", "who led the inquiry",
                   "who heads the", "senior investigating officer")


def role_only(sentence: Span, start: int, end: int) -> bool:
    """True when the person named at sentence-relative [start, end) speaks, judges, chairs or is
    harmed in this sentence, rather than being accused, investigated or disciplined.

    "Chief Constable Ann Lee said ...", "a hearing chaired by Chief Constable Ann Lee", "Det Supt
    Ann Lee, head of professional standards, said", "Ann Lee, who chaired it, ruled", "PC Ann Lee
    was bitten by a patient".
    """
    token = _token_at(sentence, start, end)
    if token is None:
        return False
    while token.dep_ in ("compound", "flat") and token.head != token:
        token = token.head
    clauses = [c for c in token.children if c.dep_ in ("relcl", "acl")]
    if any(c.lemma_.lower() in CLAUSE_ROLE_VERBS for c in clauses):
        return True  # "Jo Bell, who chaired it, ruled ..."
    parts = sentence.text[end:end + 60].lower().split(",")
    if len(parts) > 1 and not parts[0].strip() and any(role in parts[1] for role in ROLE_APPOSITION):
        return True  # "Det Supt Ann Lee, head of professional standards, said"
    head = token.head
    if token.dep_ == "pobj" and head.dep_ == "agent":
        verb = head.head.lemma_.lower()
        return verb in ROLE_VERBS  # "chaired by Chief Constable Ann Lee"; not "bitten by ..."
    if token.dep_ in ("nsubjpass", "dobj") and head.lemma_.lower() in ("appoint", "assign", "task"):
        return True  # "a superintendent was appointed to investigate"
    if harmed(sentence, start, end):
        return True  # "PC Ann Lee was bitten", "punched PC Ann Lee", "sank his teeth into PC Lee's arm"
    if clauses:
        return False  # "PC Ann Lee, who was sacked last year, said": the clause is about her
    if token.dep_ == "appos" and head.dep_ == "nsubj" and head.head.lemma_.lower() in ROLE_VERBS:
        return True  # "The then chief constable, Jo Bell, ruled"
    return token.dep_ == "nsubj" and head.lemma_.lower() in ROLE_VERBS


def predicate_noun(sentence: Span, end: int) -> bool:
    """True when the noun ending at sentence-relative ``end`` is a predicate ("he was a serving officer")."""
    base = sentence.start_char
    token = next((t for t in sentence if t.idx - base <= end - 1 < t.idx - base + len(t.text)), None)
    return token is not None and token.dep_ == "attr"


# What officers do in the course of duty: an unnamed officer doing it is a witness or colleague.
POLICING_VERBS = {"ask", "question", "arrest", "stop", "attend", "respond", "arrive", "visit", "interview",
                  "search", "approach", "detain", "call", "speak", "see", "witness", "find", "help", "take"}


def did_something(sentence: Span, end: int) -> bool:
    """True when the noun ending at sentence-relative ``end`` is the subject of a past event
    ("an off-duty officer punched a boy"), not of a general remark ("an officer can be dismissed")."""
    base = sentence.start_char
    token = next((t for t in sentence if t.idx - base <= end - 1 < t.idx - base + len(t.text)), None)
    if token is None or token.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = token.head
    if verb.lemma_.lower() in ROLE_VERBS | POLICING_VERBS:
        return False  # "when an officer asked him about it": policing, not misconduct
    return verb.tag_ in ("VBD", "VBN") and not any(c.dep_ == "aux" and c.lower_ in MODALS for c in verb.children)


def harmed(sentence: Span, start: int, end: int) -> bool:
    """True when the person named at sentence-relative [start, end) is on the receiving end of
    violence: the passive subject or the object of a harm verb, or the owner of what it hit."""
    token = _token_at(sentence, start, end)
    if token is None:
        return False
    while token.dep_ in ("compound", "flat") and token.head != token:
        token = token.head
    if token.dep_ == "poss":
        token = token.head  # "PC Lee's arm"
    if token.dep_ in ("nsubjpass", "dobj") and token.head.lemma_.lower() in HARM_VERBS:
        return True
    if token.dep_ == "pobj" and token.head.dep_ == "prep" and token.head.lower_ in ("into", "at", "on") \
            and token.head.head.lemma_.lower() in HARM_VERBS | {"sink", "throw", "hurl", "lunge", "swing"}:
        return True
    return False
