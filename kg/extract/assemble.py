"""Put one article's sentence-level findings together into ArticleFacts.

The steps, in order:
1. find officer and group mentions in every sentence, and which officers a
   sentence refers to by surname, "the officer", "the 34-year-old" or a pronoun;
2. keep as subjects the officers and groups that a sentence with a misconduct,
   investigation or outcome cue refers to (not those who only speak or investigate);
3. merge an unnamed lead ("a Met officer") into the named officer of the same
   force the article goes on to name, and treat a count that adds up the other
   subjects ("six officers") as their total rather than a group of its own;
4. attach outcomes, allegation categories and investigations to the subjects of
   their sentences, and quotations to their speakers.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Doc

from kg.extract import events, quotes, scope
from kg.extract.consolidate import consolidate, update_statuses
from kg.extract.mentions import (cipher_mentions, harmed_officers, lead_officer_name, not_a_subject_group,
                                 only_speaks, rank_compatible, speaking_for)
from kg.extract.facts import Allegation, ArticleFacts, Evidence, Group, Investigation, Officer, Outcome, Quote
from kg.extract.officers import (Mention, group_mentions, list_continuation, named_mention,
                                 names_in_list, person_names, sentence_breakdown, unranked_officers)
from kg.extract.cues import (ALL_OF, ALLEGATION_CUE, BACK_REFERENCE, CUE, OFFICER_ONLY_OUTCOMES, PLURAL, RANK_NAME,
                            SPEAKER_ONLY)
from kg.extract.patterns import blank_quotes
from kg.extract.spans import sentence_ents
from kg.reference import by_key


def compatible(a: str | None, b: str | None) -> bool:
    """Two attribute values that may describe the same officer: equal, or one unknown."""
    return a is None or b is None or a == b


class Builder:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.sentences = list(doc.sents)
        unquoted = blank_quotes(doc.text)  # quotations can run over several sentences
        self.texts = [unquoted[s.start_char:s.end_char] for s in self.sentences]
        self.facts = ArticleFacts()
        self.by_name: dict[str, Officer] = {}
        self.refs: list[set[str]] = []          # officer/group keys each sentence refers to
        self.lead_name: str | None = None       # the name the lead's unnamed officer is given
        self.located: list[list[tuple[int, int, str]]] = []  # where in each sentence (start, end, key)
        self.groups_seen: list[tuple[Group, int]] = []
        self.unnamed: list[Officer] = []
        self.ciphers: dict[str, str] = {}       # "A" of "Officer A" -> the officer's key
        forces = Counter(e.ent_id_ for e in doc.ents if e.ent_id_ in by_key() and by_key()[e.ent_id_].is_force)
        # the article's force: the only one named, or one named in at least two thirds of the mentions
        top = forces.most_common(1)[0] if forces else None
        self.article_force = top[0] if top and top[1] * 3 >= 2 * sum(forces.values()) else None
        self.main_force = forces.most_common(1)[0][0] if forces else None
        bodies = [e.ent_id_ for e in doc.ents if e.ent_id_ in by_key() and by_key()[e.ent_id_].kind == "oversight"]
        self.oversight_body = bodies[0] if bodies else None
        if not forces and self.oversight_body in events.FORCE_OF_BODY:
            # "Police said ..." in an article about the IPCA: the one force that body oversees
            self.article_force = self.main_force = events.FORCE_OF_BODY[self.oversight_body]

    # -- step 1: mentions ----------------------------------------------------------

    def evidence(self, index: int, method: str) -> Evidence:
        sentence = self.sentences[index]
        text = sentence.text.rstrip()
        start = sentence.start_char + (len(sentence.text) - len(sentence.text.lstrip()))
        return Evidence(start=start, end=sentence.start_char + len(text), text=text.strip(), method=method)

    def officer_for(self, mention: Mention, index: int) -> Officer:
        name = mention.name
        surname = name.split()[-1]
        officer = self.by_name.get(name) or next(
            (o for n, o in self.by_name.items() if n.split()[-1] == surname and n.split()[0] == name.split()[0]),
            None)
        if officer is None:
            officer = Officer(key=f"o{len(self.facts.officers) + 1}", name=name)
            self.facts.officers.append(officer)
            self.by_name[name] = officer
        officer.rank = officer.rank or mention.rank
        officer.force = officer.force or mention.force
        officer.status = officer.status or mention.status
        officer.age = officer.age or mention.age
        officer.evidence.append(self.evidence(index, "rule:officer/rank-or-apposition"))
        return officer

    def find_mentions(self) -> None:
        last: str | None = None
        unranked = unranked_officers(self.sentences, self.texts)
        self.lead_name = lead_officer_name(self.sentences, self.texts)
        if self.lead_name:
            unranked.add(self.lead_name)
        for index, sentence in enumerate(self.sentences):
            text = self.texts[index]
            keys: set[str] = set()
            located: list[tuple[int, int, str]] = []
            spans = []
            names = person_names(sentence, text)
            names += [(m.group("name"), m.start("name"), m.end("name")) for m in RANK_NAME.finditer(text)
                      if not any(n == m.group("name") or s <= m.start("name") < e for n, s, e in names)]
            for name, start, end in sorted(names, key=lambda found: found[1]):
                mention = named_mention(text, start, end, name)
                if mention is None and spans:
                    mention = list_continuation(text, spans[-1][0], start, end, name)
                if mention is None and name in unranked:
                    age = re.match(r"^,\s*(\d{2}),", text[end:end + 6])
                    mention = Mention(start=start, end=end, name=name, age=int(age.group(1)) if age else None,
                                      text=name)
                if mention:
                    spans.append((mention, start))
                    spans += [(m, m.start) for m in names_in_list(text, mention)
                              if not any(m.name == known.name for known, _ in spans)]
            for mention, _ in spans:
                officer = self.officer_for(mention, index)
                keys.add(officer.key)
                located.append((mention.start, mention.end, officer.key))
                if not scope.role_only(sentence, mention.start, mention.end):
                    last = officer.key  # "he", "the officer" later: not a chair or a speaker
            for name, officer in self.by_name.items():
                for match in re.finditer(r"\b" + re.escape(name.split()[-1]) + r"\b", text):
                    located.append((match.start(), match.end(), officer.key))
                    if officer.key not in keys:
                        keys.add(officer.key)
                        if not scope.role_only(sentence, match.start(), match.end()):
                            last = officer.key
            for start, end, key in cipher_mentions(text, self.ciphers, self.unnamed, last,
                                                   self.evidence(index, "rule:officer/cipher")):
                keys.add(key)
                located.append((start, end, key))
            for mention in group_mentions(text):
                if not_a_subject_group(sentence, text, mention, [m for m, _ in spans]):
                    continue
                beside = [m for m, _ in spans if mention.start < m.start <= mention.end + 3]
                if mention.size == 1 and beside:
                    named = beside[0]
                    officer = self.by_name[named.name]
                    officer.force = officer.force or mention.force
                    officer.status = officer.status or mention.status
                    continue  # "a third Met officer, PC Ross Whitlock": the named officer
                key = self.group_for(mention, index)
                keys.add(key)
                located.append((mention.start, mention.end, key))
            self.attach_breakdown(sentence_breakdown(text), index, keys)
            if not keys and last and BACK_REFERENCE.search(text):
                keys.add(last)
                located.extend((m.start(), m.end(), last) for m in BACK_REFERENCE.finditer(text))
            self.located.append(located)
            if not keys and ALL_OF.search(text):
                keys.add("*")
            self.refs.append(keys)

    def attach_breakdown(self, parts: list[Mention], index: int, keys: set[str]) -> None:
        """Give a counted group without parts the breakdown a later sentence states."""
        total = sum(p.size for p in parts)
        group = next((g for g, _ in self.groups_seen if g.size == total and not g.parts and g.force is None), None)
        if not parts or group is None:
            return
        for part in parts:
            sub = Group(key=f"g{len(self.groups_seen) + 1}", size=part.size, force=part.force, status=group.status,
                        description=part.text)
            sub.evidence.append(self.evidence(index, "rule:group/breakdown"))
            self.groups_seen.append((sub, index))
            group.parts.append(sub.key)
        keys.add(group.key)

    def words(self, index: int, mention: Mention) -> str:
        """The words of a mention as the article writes them (quotations included)."""
        return self.sentences[index].text[mention.start:mention.end].strip()

    def group_for(self, mention: Mention, index: int) -> str:
        force = mention.force
        if mention.size == 1 and not mention.parts:
            for officer in self.unnamed:
                if not mention.ordinal and officer.force in (force, None) and officer.status in (mention.status, None):
                    officer.force = officer.force or force
                    officer.evidence.append(self.evidence(index, "rule:group/unnamed-officer"))
                    return officer.key
            officer = Officer(key=f"u{len(self.unnamed) + 1}", rank=mention.rank, force=force,
                              status=mention.status, description=self.words(index, mention))
            officer.evidence.append(self.evidence(index, "rule:group/unnamed-officer"))
            self.unnamed.append(officer)
            return officer.key
        group = next((g for g, _ in self.groups_seen if g.size == mention.size and compatible(g.force, force)
                      and compatible(g.status, mention.status) and not (g.parts and force)), None)
        if group is None:
            group = Group(key=f"g{len(self.groups_seen) + 1}", size=mention.size, force=force,
                          status=mention.status, description=self.words(index, mention))
            self.groups_seen.append((group, index))
        group.status = group.status or mention.status
        group.force = group.force or (force if not mention.parts else None)
        group.evidence.append(self.evidence(index, "rule:group/count"))
        if mention.parts and not group.parts:
            for part in mention.parts:
                sub = Group(key=f"g{len(self.groups_seen) + 1}", size=part.size, force=part.force,
                            status=part.status or mention.status, description=part.text.strip())
                sub.evidence.append(self.evidence(index, "rule:group/breakdown"))
                self.groups_seen.append((sub, index))
                group.parts.append(sub.key)
        return group.key

    # -- step 2 and 3: subjects ---------------------------------------------------

    def subject_keys(self) -> set[str]:
        subjects: set[str] = set()
        victims = harmed_officers(self.facts.officers, self.sentences, self.located, self.first_sentence)
        for index, text in enumerate(self.texts):
            if not self.refs[index] or SPEAKER_ONLY.match(text.strip()):
                continue
            if not (CUE.search(text) or events.outcomes_in(text) or events.allegations_in(text)):
                continue
            for key in self.refs[index] - {"*"} - victims:
                officer = next((o for o in self.facts.officers if o.key == key), None)
                if officer and officer.name and (only_speaks(text, officer.name) or self._role_only(index, key)):
                    continue
                subjects.add(key)
        return subjects

    def first_sentence(self, key: str) -> int:
        return next((i for i, keys in enumerate(self.refs) if key in keys), len(self.refs))

    def _role_only(self, index: int, key: str) -> bool:
        """Every mention of the officer in the sentence speaks, judges, chairs or is harmed (kg/extract/scope.py)."""
        places = [(a, b) for a, b, k in self.located[index] if k == key]
        return bool(places) and all(scope.role_only(self.sentences[index], a, b) for a, b in places)

    def settle_subjects(self) -> set[str]:
        subjects = self.subject_keys()
        groups = {g.key: g for g, _ in self.groups_seen}
        parts = {p for g in groups.values() for p in g.parts}
        subjects |= {p for k in subjects if k in groups for p in groups[k].parts}
        named = [o for o in self.facts.officers if o.key in subjects]
        # an unnamed lead that the article goes on to name: "A Met officer has been charged ... PC Jane Doe"
        merged: dict[str, str] = {}
        for officer in self.unnamed:
            if officer.key not in subjects:
                continue
            first = self.first_sentence(officer.key)
            beside = self.refs[first] if first < len(self.refs) else set()
            same = [o for o in named if compatible(officer.force, o.force) and compatible(officer.status, o.status)
                    and rank_compatible(officer.rank, o.rank)
                    and o.key not in merged.values() and o.key not in beside]
            # the lead and the name it is given; or the only named officer it can be, named after it
            if same and (first <= 3 or same[0].name == self.lead_name or
                         len(same) == 1 and len(named) == 1
                         and not re.search(r"\b(?:another|second|third|other|colleague)\b", officer.description or "")):
                merged[officer.key] = same[0].key
                same[0].force = same[0].force or officer.force
                same[0].rank, same[0].status = same[0].rank or officer.rank, same[0].status or officer.status
        for index, keys in enumerate(self.refs):
            self.refs[index] = {merged.get(k, k) for k in keys}
        subjects = {merged.get(k, k) for k in subjects}
        kept_unnamed = [o for o in self.unnamed if o.key in subjects]
        self.facts.officers = [o for o in self.facts.officers if o.key in subjects] + kept_unnamed
        for officer in self.facts.officers:
            officer.force = officer.force or (self.main_force if officer.name else self.article_force)
        # a counted group whose officers the article names: "Two Met officers sacked" ... "PC A and PC B"
        for group, _ in self.groups_seen:
            force = group.force or self.article_force
            if group.key not in subjects or group.parts or force is None:
                continue
            same = sorted((o for o in self.facts.officers if compatible(o.force, force)), key=lambda o: not o.name)
            if len(same) >= group.size:
                group.members = [o.key for o in same[:group.size]]
        # a count that adds up the other subjects is their total
        for group, _ in self.groups_seen:
            if group.members:
                continue
            if group.key not in subjects or group.key in parts:
                continue
            others = [g for g in groups.values() if g.key in subjects and g.key != group.key
                      and g.key not in group.parts and g.key not in parts and not g.members]
            people = len(self.facts.officers) + sum(g.size for g in others)
            if group.parts or group.force is not None and not all(
                    compatible(o.force, group.force) for o in self.facts.officers) or others and group.force:
                continue
            if people and people <= group.size and people + 0 >= group.size - 0 or \
                    (others and sum(g.size for g in others) == group.size):
                group.members = [o.key for o in self.facts.officers]
                group.parts = [g.key for g in others]
        self.facts.groups = [g for g, _ in self.groups_seen if g.key in subjects]
        for group in self.facts.groups:
            if group.force is None and not group.parts and not group.members:
                group.force = self.article_force
        return subjects

    # -- step 4: facts -------------------------------------------------------------

    def sentence_subjects(self, index: int, subjects: set[str]) -> list[str]:
        if "*" in self.refs[index]:
            return self.all_subjects()
        return sorted(k for k in self.refs[index] if k in subjects)

    def all_subjects(self) -> list[str]:
        groups = {g.key: g for g in self.facts.groups}
        inner = {p for g in groups.values() for p in g.parts}
        tops = [g.key for g in groups.values() if g.key not in inner]
        covered = {m for g in groups.values() for m in g.members}
        return tops + [o.key for o in self.facts.officers if o.key not in covered]

    @staticmethod
    def bodies_named(sentence) -> list[str]:
        orgs = by_key()
        return [e.ent_id_ for e in sentence_ents(sentence) if e.ent_id_ in orgs and orgs[e.ent_id_].kind == "oversight"]

    def default_subjects(self, text: str) -> list[str]:
        """Subjects for a sentence that names none: everyone if it speaks of several, else the main subject."""
        if PLURAL.search(text):
            return self.all_subjects()
        counts = Counter(k for keys in self.refs for k in keys if self.facts.subject(k) is not None)
        if not counts:
            return self.all_subjects()
        best = max(counts.values())
        return [next(k for keys in self.refs for k in sorted(keys) if counts.get(k) == best)]

    def add_facts(self, subjects: set[str]) -> None:
        if not subjects:
            return
        allegation = Allegation(key="a1")
        investigations: dict[str, Investigation] = {}
        for index, sentence in enumerate(self.sentences):
            text = self.texts[index]
            here = self.sentence_subjects(index, subjects)
            org_keys = [e.ent_id_ for e in sentence_ents(sentence) if e.ent_id_]
            last_body = list(investigations)[-1] if investigations else self.oversight_body
            found = events.investigation_in(text, org_keys, self.article_force or self.main_force, last_body)
            if found:
                inv = investigations.setdefault(found.body, Investigation(key=f"i{len(investigations) + 1}",
                                                                          body=found.body))
                inv.kinds |= found.kinds
                inv.subjects = sorted(set(inv.subjects) | set(here))
                inv.subject_count = inv.subject_count or found.subject_count
                inv.status = found.status or inv.status
                inv.evidence.append(self.evidence(index, "rule:investigation/body-and-kind"))
            # a sentence that names nobody, in an article about one officer, is about that officer
            about_the_one = len(self.all_subjects()) == 1 and not any(e.label_ == "PERSON" for e in sentence_ents(sentence))
            relevant = bool(here) or bool(CUE.search(text)) and (self._about_officers(text) or about_the_one) or any(
                hit.code in OFFICER_ONLY_OUTCOMES for hit in events.outcomes_in(text))
            for hit in events.allegations_in(sentence.text) if relevant or ALLEGATION_CUE.search(text) else []:
                allegation.categories.add(hit.code)
                ev = self.evidence(index, f"rule:allegation/{hit.code}")
                if ev not in allegation.evidence:
                    allegation.evidence.append(ev)
            if allegation.categories:
                allegation.media |= events.media_in(text) if events.allegations_in(sentence.text) else set()
                allegation.period = allegation.period or events.period_in(text)
            if not relevant:
                continue
            for body in self.bodies_named(sentence):
                if body in investigations and events.speaks_of_misconduct(text):
                    investigations[body].kinds.add("misconduct")  # "the Ombudsman recommended misconduct proceedings"
            for hit in events.outcomes_in(text):
                if not (here or self._about_officers(text) or about_the_one or hit.code in OFFICER_ONLY_OUTCOMES):
                    continue
                if scope.out_of_scope(sentence, hit.start, hit.end, hit.code):
                    continue  # negated, possible, conditional, wanted, or said of a charge or an allegation
                who = scope.happened_to(sentence, hit.start, hit.end, hit.code, self.located[index],
                                         subjects)
                if who == []:
                    continue  # it happened to someone the article is not about
                outcome = Outcome(key=f"r{len(self.facts.outcomes) + 1}", type=hit.code,
                                  subjects=who or here or self.default_subjects(text), stage=hit.stage)
                outcome.evidence.append(self.evidence(index, f"rule:outcome/{hit.code}"))
                self.facts.outcomes.append(outcome)
        if allegation.categories:
            allegation.subjects = self.all_subjects()
            self.facts.allegations.append(allegation)
        found_outcomes = {o.type for o in self.facts.outcomes}
        for inv in investigations.values():
            inv.subjects = inv.subjects or self.all_subjects()
            inv.kinds = inv.kinds or events.default_kinds(found_outcomes, " ".join(
                t for t, keys in zip(self.texts, self.refs) if keys))  # not a civilian's charge elsewhere
            self.facts.investigations.append(inv)
        update_statuses(self.facts)

    def _about_officers(self, text: str) -> bool:
        return bool(re.search(r"\b(?:officers?|constables?|pc|sergeants?|policem[ae]n|policewom[ae]n|"
                              r"the force|inspectors?|detectives?)\b", text, re.IGNORECASE))

    def add_quotes(self) -> None:
        for number, found in enumerate(quotes.find_quotes(self.doc), 1):
            index = next((i for i, s in enumerate(self.sentences) if s.start_char <= found.start < s.end_char),
                         len(self.sentences) - 1)
            self.facts.quotes.append(Quote(key=f"q{number}", speaker=found.speaker, text=found.text,
                                           role=found.role, speaking_for=speaking_for(found.role),
                                           evidence=[self.evidence(index, "rule:quote/attribution")]))


def build(doc: Doc) -> ArticleFacts:
    builder = Builder(doc)
    builder.find_mentions()
    subjects = builder.settle_subjects()
    builder.add_facts(subjects)
    builder.add_quotes()
    return consolidate(builder.facts)
