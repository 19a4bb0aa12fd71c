"""Word patterns the assembly uses to decide who is a subject and what a sentence is about.

Kept apart from kg/extract/assemble.py so that the rules read as steps and the
vocabulary they rely on can be reviewed in one place. (Outcome and allegation
wording is data: kg/data/patterns/*.jsonl.)
"""

import re

from kg.extract.patterns import codes

CUE = re.compile(r"\b(?:accused|alleg\w+|misconduct|investigat\w+|charged|indicted|convicted|guilty|jailed|sentenced|"
                 r"suspended|dismissed|sacked|hearing|panel|court|trial|barred|warning|restricted|resigned|"
                 r"retired|case to answer|acquitted|cleared|admitted|denied|denies|inquiry|probe|arrested|"
                 r"offences?|breach\w*|disciplin\w+|referred|sent|shared|posted|made|messages|dealt with|moved|"
                 r"removed|fined|sentence\w*)\b", re.IGNORECASE)
BACK_REFERENCE = re.compile(
    r"\b(?:the|this|that) (?:\d{2}-year-old|officer|constable|pc|sergeant|inspector|detective|policeman|"
    r"policewoman|special constable|former officer|former constable|ex-officer)\b|\b(?:he|she|his|her)\b",
    re.IGNORECASE)
SPEAKER_ONLY = re.compile(r"^\W*\w[^.]{0,120}?\b(?:said|told|added|says)\b\s*[:,]?\s*$", re.IGNORECASE)
RANK_NAME = re.compile(
    r"\b(?:PCs|Sgts|PC|Pc|DC|DS|DI|DCI|PS|Sgt|Sergeant|Constable|Inspector|Detective Constable|Detective Sergeant|"
    r"Detective Inspector|Special Constable|Police Constable|Chief Inspector|Superintendent|Sgt\.|Insp\.?|"
    r"Supt\.?|Det Con|Det Sgt|Det Insp|Det Supt|Ch Supt|Chief Constable|Garda|Officer|Senior Constable|"
    r"Lieutenant|Lt\.|Detective|Captain)\s+"
    r"(?P<name>[A-Z][a-z'’-]+(?:[A-Z][a-z'’-]+)?(?:\s+[A-Z][a-z'’-]+(?:[A-Z][a-z'’-]+)?){1,2})")
ALL_OF = re.compile(r"\ball (?:\w+ )?(?:of them|officers|six|five|four|three|two|seven|eight|nine|ten)\b|"
                    r"\bboth (?:officers|men|women|constables)\b|\bnone of the \w+\b", re.IGNORECASE)
# Outcomes that only an officer can have: no officer need be named in the sentence.
OFFICER_ONLY_OUTCOMES = codes("outcomes", officer_only=True)
PLURAL = re.compile(r"\b(?:officers|constables|they|them|their|both|all|men|women|colleagues)\b|"
                    r"^\W*(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\b", re.IGNORECASE)
DISCIPLINE_VERB = re.compile(r"^(?:investigate|charge|suspend|dismiss|sack|arrest|discipline|bar|warn|clear|"
                             r"acquit|convict|jail|sentence|refer|serve|move|place|name|identify|fine|find|accuse|"
                             r"interview|prosecute|remove|redeploy|restrict|involve|include)$")
ALLEGATION_CUE = re.compile(r"\b(?:alleg\w+|accused|messages|posts|remarks|comments|conduct|behaviour|"
                            r"images|videos|jokes|slurs?)\b", re.IGNORECASE)
APPOSITION_GAP = re.compile(r"^\s*,\s*(?:\d{1,3}\s*,\s*)?$")
VICTIM_BEFORE = re.compile(r"\b(?:assault\w*|attack\w*|injur\w*|punch\w*|bit|bitten|spat at|threaten\w*|kick\w*|"
                           r"hit|headbutt\w*|stabb\w*|shot|abus\w+|rammed|dragged|against|of assaulting)\s+"
                           r"(?:an?|the|two|three|four|several)?\s*$", re.IGNORECASE)
NON_POLICE_TITLE = re.compile(r"\b(?:Judge|Sheriff|Recorder|Justice|Dr|Professor|Councillor|Lord|Lady|Baroness|MP|"
                              r"solicitor|barrister|lawyer|Mr|Mrs|Ms|Miss)\s+$")
OFFICER_CUE = re.compile(
    r"\b(?:was|were|has been|have been|had been|is|are|will be|would be|would have been)\s+(?:\w+\s+)?"
    r"(?:dismissed|sacked|suspended from duty|barred from)|\b(?:resigned|retired) from (?:the |his |her )?"
    r"(?:force|police|[A-Z])|\bgross misconduct\b|\bmisconduct (?:hearing|meeting|panel)\b|"
    r"\baccelerated (?:misconduct )?hearing\b|\bbarred list\b|\b(?:restricted|non-operational) duties\b|"
    r"\bwhile (?:on|off) duty\b|\b(?:former|serving|ex-)\s*(?:police )?(?:officer|constable|pc|sergeant)\b",
    re.IGNORECASE)
NAME_AGE = re.compile(r"(?<![\w’'])((?-i:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)(?: (?-i:[A-Z][a-z’'-]+(?:[A-Z][a-z’'-]+)?)){1,2}), \d{2},")
SPEAKER_APPOSITION = re.compile(r"^\s*,[^,]{0,120},\s*(?:said|told|added|says)\b")
INVESTIGATOR = re.compile(r"\bwho led\b|\bled by\b|\bsenior investigating officer\b|\bhead of\b|\bchaired\b",
                          re.IGNORECASE)
