"""Outcomes, allegation categories and investigations found in one sentence.

Each finder looks at a sentence with its quotations blanked out: what people
say in quotation marks is recorded as a quotation, not as a fact of the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.extract.officers import find_force
from kg.extract.patterns import HEDGE, codes, number, rules
from kg.reference import by_key

SCHEDULED = re.compile(r"\b(?:will|is to|are to|is due to|are due to|was due to|were due to|faces?|facing|"
                       r"set to|expected to|to be)\b[^.]{0,40}$", re.IGNORECASE)
INVESTIGATION = re.compile(r"\binvestigat\w*|\binquir(?:y|ies)\b|\bprobe\b|\benquir(?:y|ies)\b", re.IGNORECASE)
NOT_INVESTIGATING = re.compile(
    r"returned (?:it|the (?:case|matter|referral)) to the force|referred (?:it |the matter )?back to|"
    r"decided (?:it )?did not need to investigate|would not investigate|will not investigate|"
    r"declined to investigate|not (?:be )?investigat(?:e|ing|ed) by|assessing whether|"
    r"will (?:now )?decide whether|would decide whether|to decide whether|"
    r"(?:should|would|will|to) be investigated (?:locally|by the force)", re.IGNORECASE)
# "... so the inquiry is being carried out by Lancashire Constabulary": the force that does investigate
CARRIED_OUT_BY = re.compile(r"\b(?:carried out|conducted|handled|dealt with|led|investigated)\s+(?:locally\s+)?by\s+"
                            r"(?:the\s+)?[A-Z]", re.IGNORECASE)
CRIMINAL = re.compile(r"\bcriminal(?! record)|\boffences?\b|\bprosecut\w*|\bcharg(?:e|ed|es|ing)\b|\bcourt\b|"
                      r"\bfile (?:of evidence )?(?:to|with) (?:the )?(?:cps|pps|crown|public prosecution|procurator)|"
                      r"\bcrown prosecution\b|\bpublic prosecution service\b|\bprocurator fiscal\b|\bcrown office\b|"
                      r"\bcommunications act\b|\bpublic office\b|\barrest\w*", re.IGNORECASE)
ASSESSING = re.compile(r"assess\w* whether (?:any )?criminal|whether (?:any )?criminal offences? may have been",
                       re.IGNORECASE)
BOTH = re.compile(r"whether (?:any )?criminal offences? (?:may )?(?:had |have )?been committed and whether",
                  re.IGNORECASE)
MISCONDUCT = re.compile(r"\bmisconduct\b(?! in (?:a )?public office)|\bconduct\b|\bprofessional standards\b|"
                        r"\binternal (?:[\w-]+ ){0,2}investigation|\binternal affairs\b|"
                        r"\bdisciplinary\b|\bbreach\w* (?:of )?(?:the )?(?:professional )?standards\b",
                        re.IGNORECASE)
FORCE_UNIT = re.compile(r"\b(?:professional standards (?:department|branch|directorate|unit|command|bureau|section)|"
                        r"directorate of professional standards|anti-corruption (?:unit|command|team)|"
                        r"counter-corruption unit|internal affairs|special investigations? unit|integrity unit|"
                        r"\bpsd\b|\bdps\b|standards department)|(?:'s|’s)\s+(?:own\s+)?(?:[\w-]+\s+){0,3}"
                        r"(?:unit|team|department|branch|squad|directorate|command)\b", re.IGNORECASE)
TITLE_WITH_INVESTIGATIONS = re.compile(r"\b(?:Deputy |Assistant )?(?:Director|Head) of (?:Current |Major |Criminal )?"
                                       r"Investigations\b")
FORCE_INVESTIGATES = re.compile(
    r"(?:'s|’s)\s+(?:own\s+)?(?:criminal |misconduct |separate |internal )*investigation|"
    r"\bforce (?:is|was|has been|had been) investigating|\binvestigation (?:by|from) (?:the )?[A-Z]|"
    r"\b(?:said|confirmed|says)\s+(?:that\s+)?(?:a|an|its)\s+(?:own\s+|separate\s+)?"
    r"(?:criminal\s+|misconduct\s+|internal\s+)*investigation|"
    r"\b(?:Police|Constabulary|Service)\s+(?:also\s+|then\s+|has\s+|had\s+)?investigated\b|"
    r"\b(?:have|has|had)\s+(?:opened|launched|begun|started)\s+(?:a|an|its\s+own)\s+(?:\w+\s+){0,2}investigation|"
    r"\binvestigated by (?:the )?[A-Z]|\bits own (?:[\w-]+\s+){0,3}investigation",
    re.IGNORECASE)
DEFINITE = re.compile(r"\b(?:its|their|this|that|the watchdog's|the watchdog’s)\s+(?:own\s+)?(?:\w+\s+)?"
                      r"(?:investigation|inquiry)\b|^\W*the\s+(?:\w+\s+)?(?:investigation|inquiry)\b|"
                      r"\bthe (?:commission|ombudsman|authority|office)(?:'s|’s)? (?:\w+ )?(?:investigat|inquiry)",
                      re.IGNORECASE)
# "The commission started investigating": the body named before by the last word of its name
BODY_BY_NOUN = re.compile(r"\b(?:the|its) (commission|ombudsman|authority|office|watchdog)\b", re.IGNORECASE)
OVERSIGHT_BY_FORCE = {"police-scotland": "police-investigations-and-review-commissioner",
                      "police-service-of-northern-ireland": "police-ombudsman-for-northern-ireland"}
# Bodies that oversee a single force: an article that names the body and calls the force only
# "police" or "the force" is about that force.
FORCE_OF_BODY = {"police-investigations-and-review-commissioner": "police-scotland",
                 "police-ombudsman-for-northern-ireland": "police-service-of-northern-ireland",
                 "garda-siochana-ombudsman-commission": "an-garda-siochana",
                 "fiosru-office-of-the-police-ombudsman": "an-garda-siochana",
                 "independent-police-conduct-authority": "new-zealand-police",
                 "independent-broad-based-anti-corruption-commission": "victoria-police",
                 "law-enforcement-conduct-commission": "new-south-wales-police-force"}
PERIOD = re.compile(
    r"\b(?:between|from)\s+(?:(?P<m1>January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+)?(?P<y1>\d{4})?\s*(?:and|to|until)\s+(?:(?P<m2>January|February|March|April|May|June|"
    r"July|August|September|October|November|December)\s+)?(?P<y2>\d{4})", re.IGNORECASE)
MONTHS = {m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"], 1)}
MEDIA = [("whatsapp", r"\bwhatsapp\b"), ("snapchat", r"\bsnapchat\b"), ("tiktok", r"\btiktok\b"),
         ("social-media", r"\bsocial media\b|\bfacebook\b|\binstagram\b|\btwitter\b"),
         ("police-systems", r"\bpolice national computer\b|\bpnc\b|\bpolice (?:computer )?systems?\b"),
         ("recording", r"\brecord(?:ed|ing)\b|\bfilm(?:ed|ing)\b")]


@dataclass
class Hit:
    code: str
    start: int
    end: int
    stage: str = "happened"


def outcomes_in(unquoted: str) -> list[Hit]:
    hits = []
    for rule in rules("outcomes"):
        match = rule.matches(unquoted)
        if not match:
            continue
        before = unquoted[max(0, match.start() - 60):match.start()]
        clause = re.split(r"[,;:]|\band\b|\bbut\b", before)[-1]
        if HEDGE.search(clause) and rule.code != "investigation-ongoing":
            continue
        stage = "scheduled" if SCHEDULED.search(before) else "happened"
        hits.append(Hit(rule.code, match.start(), match.end(), stage))
    codes = {h.code for h in hits}
    if "no-case-to-answer" in codes:
        hits = [h for h in hits if h.code != "case-to-answer" or "no case" not in unquoted.lower()]
    if "final-written-warning" in codes:
        hits = [h for h in hits if h.code != "written-warning" or
                re.search(r"(?<!final )written warnings?", unquoted, re.IGNORECASE)]
    return hits


def allegations_in(unquoted: str) -> list[Hit]:
    hits = []
    for rule in rules("allegations"):
        match = rule.matches(unquoted)
        if match:
            hits.append(Hit(rule.code, match.start(), match.end()))
    return hits


def media_in(text: str) -> set[str]:
    return {code for code, pattern in MEDIA if re.search(pattern, text, re.IGNORECASE)}


def period_in(text: str) -> tuple[str | None, str | None] | None:
    match = PERIOD.search(text)
    if not match or not match.group("y2"):
        return None
    y1 = match.group("y1") or match.group("y2")
    start = f"{y1}-{MONTHS[match.group('m1').lower()]:02d}" if match.group("m1") else y1
    end = f"{match.group('y2')}-{MONTHS[match.group('m2').lower()]:02d}" if match.group("m2") else match.group("y2")
    return start, end


def explicit_kinds(text: str) -> set[str]:
    """The kinds of investigation a sentence names: criminal, misconduct, both, or none."""
    text = ASSESSING.sub("", text)
    kinds = set()
    if re.search(r"\bcriminal\b(?! record)|\boffences?\b|\bcharges? follow|"
                 r"\bcharged\b[^.]{0,60}\b(?:following|after) (?:an?|the) (?:\w+ )?investigation|"
                 r"\bfile (?:of evidence )?(?:to|with|was passed to|was sent to|sent to)|\bcrown prosecution service\b|"
                 r"\bcps\b|\bpublic prosecution service\b|\bprocurator fiscal\b|\bfraud\b|"
                 r"\bdirector of public prosecutions\b|\bdpp\b|\bbe prosecuted\b|"
                 r"\bwhether (?:he|she|they|the officers?) (?:had )?committed\b", text, re.IGNORECASE):
        kinds.add("criminal")
    if speaks_of_misconduct(text):
        kinds.add("misconduct")
    return kinds


def speaks_of_misconduct(text: str) -> bool:
    """Misconduct wording, not counting the word "Conduct" in a body's name."""
    return bool(MISCONDUCT.search(re.sub(r"\bOffice (?:for|of) Police Conduct\b", "", text)))


CRIMINAL_SIGNAL = re.compile(r"\bfile (?:of evidence )?(?:was |has been |had been )?(?:sent|passed|submitted|referred|"
                             r"handed)\s+to (?:the )?(?:cps|crown prosecution|pps|public prosecution|procurator|"
                             r"crown office)|\bcharged\b|\bcharges?\b", re.IGNORECASE)
# Outcomes that show the kind of an investigation whose sentences do not say (outcomes.jsonl).
CRIMINAL_OUTCOMES = codes("outcomes", investigation_kind="criminal")
MISCONDUCT_OUTCOMES = codes("outcomes", investigation_kind="misconduct")


def default_kinds(outcomes: set[str], text: str) -> set[str]:
    """Kinds for an investigation whose sentences do not say: what the article's outcomes show."""
    kinds = set()
    if outcomes & CRIMINAL_OUTCOMES or CRIMINAL_SIGNAL.search(text):
        kinds.add("criminal")
    if outcomes & MISCONDUCT_OUTCOMES or re.search(r"\bmisconduct notice|\bgross misconduct hearing\b", text,
                                                   re.IGNORECASE) or not kinds:
        kinds.add("misconduct")
    return kinds


@dataclass
class InvestigationHit:
    body: str
    kinds: set[str]
    subject_count: int | None
    status: str | None


PASSIVE = re.compile(r"\b(?:being|been|was|were|is|are) (?:also )?investigated\b|\binvestigated (?:for|over)\b|"
                     r"\bunder investigation\b|\bfacing (?:a |an )?(?:criminal |misconduct )?investigation\b",
                     re.IGNORECASE)


def investigation_in(unquoted: str, org_keys: list[str], article_force: str | None,
                     default_body: str | None = None) -> InvestigationHit | None:
    """An investigation the sentence reports, with its body and kind, or None.

    A passive "officers are being investigated for ..." with no body named is
    taken to be by `default_body`, the body of the article's last investigation.
    """
    text = TITLE_WITH_INVESTIGATIONS.sub(" ", unquoted)
    orgs = by_key()
    if INVESTIGATION.search(text) and NOT_INVESTIGATING.search(text) and CARRIED_OUT_BY.search(text):
        forces = [k for k in org_keys if k in orgs and orgs[k].is_force]
        after = find_force(text[CARRIED_OUT_BY.search(text).start():])[0]
        if after or forces:  # returned to the force, which investigates
            return InvestigationHit(body=after or forces[0], kinds=explicit_kinds(unquoted), subject_count=None,
                                    status="ongoing" if re.search(r"\bis being\b", text) else None)
    if not INVESTIGATION.search(text) or NOT_INVESTIGATING.search(text) and not BOTH.search(text):
        return None
    body = None
    bodies = [k for k in org_keys if k in orgs and orgs[k].kind == "oversight"]
    if "watchdog" in org_keys and not bodies:
        bodies = [OVERSIGHT_BY_FORCE.get(article_force or "", "independent-office-for-police-conduct")]
    forces = [k for k in org_keys if k in orgs and orgs[k].is_force]
    unit = FORCE_UNIT.search(text)
    if bodies and not (unit and unit.start() < text.lower().find("investigat")):
        body = bodies[0]
    elif unit:
        window = text[max(0, unit.start() - 60):unit.end() + 40]
        body = find_force(window)[0] or article_force
    elif forces and FORCE_INVESTIGATES.search(text):
        body = forces[0]
    elif re.search(r"\b(?:the|this) force (?:\w+ )?(?:investigat|examined|looked into)|"
                   r"\b[Pp]olice (?:opened|launched|began|started) (?:a|an|its)\b|\b[Pp]olice (?:\w+ )?investigation",
                   text, re.IGNORECASE):
        body = article_force
    named = body is not None
    if body is None and default_body and (PASSIVE.search(text) or DEFINITE.search(text)):
        body = default_body
    noun = BODY_BY_NOUN.search(text)
    if body is None and default_body and noun and default_body in orgs and \
            orgs[default_body].name.lower().split()[-1] == noun.group(1).lower():
        body = default_body
    if body is None:
        return None
    kinds = explicit_kinds(unquoted)
    if not named and not re.search(r"\bcriminal\b(?! record)", unquoted, re.IGNORECASE):
        kinds.discard("criminal")  # "the investigation began after he reported her offence": not its kind
    count = None
    match = re.search(r"investigat\w*\s+(?:into\s+)?(?:all\s+)?(\w+)\s+(?:\w+\s+){0,3}officers", unquoted,
                      re.IGNORECASE)
    if match:
        count = number(match.group(1))
    status = None
    if re.search(r"\bpaused\b|\bon hold\b", unquoted, re.IGNORECASE):
        status = "paused"
    elif re.search(r"\bongoing\b|\bcontinu\w+\b|\bunder way\b", unquoted, re.IGNORECASE):
        status = "ongoing"
    return InvestigationHit(body=body, kinds=kinds, subject_count=count, status=status)
