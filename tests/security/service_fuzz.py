"""A generator of SPARQL queries that try to smuggle a SERVICE call past a checker.

Each query mixes the places where two SPARQL readers have disagreed: comments
ended by ``\\r`` or ``\\n``, ``\\uXXXX`` escapes inside and outside strings and
IRIs, long-quote strings, prefixed names, and SERVICE (and FROM) in many
positions. ``queries(seed, n, allowed=..., forbidden=...)`` yields ``n``
queries, reproducibly for a seed; ``forbidden`` is the endpoint that must
never be reached, ``allowed`` one on the allowlist.
"""

from __future__ import annotations

import random


def _escape(text: str, rng: random.Random) -> str:
    """Write some characters of ``text`` as \\u or \\U escapes."""
    out = []
    for ch in text:
        roll = rng.random()
        if roll < 0.15:
            out.append(f"\\u{ord(ch):04X}")
        elif roll < 0.2:
            out.append(f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return "".join(out)


def _gap(rng: random.Random) -> str:
    """White space, comments and escaped white space between tokens."""
    choices = [" ", "\n", "\r", "\r\n", "\t", "# note\n", "# note\r", "#\r\n", "# x \\u000A ",
               "\\u0020", "\\u000A", "\\u000D", "# SERVICE <x>\r", " #\\u000d "]
    return "".join(rng.choice(choices) for _ in range(rng.randint(1, 3)))


def _iri(url: str, rng: random.Random) -> str:
    return "<" + (_escape(url, rng) if rng.random() < 0.4 else url) + ">"


def _keyword(word: str, rng: random.Random) -> str:
    word = "".join(c.lower() if rng.random() < 0.3 else c for c in word)
    return _escape(word, rng) if rng.random() < 0.3 else word


def _string(rng: random.Random, allowed: str, forbidden: str) -> str:
    body = rng.choice([
        "plain", "SERVICE <{f}> {{ }}", "\\\"", "\\u0022 }} SERVICE <{f}> {{ ?a ?b ?c }} #",
        "# not a comment", "}}", "\\u0027", "\\\\", "\\u005C",
    ]).format(f=forbidden, a=allowed)
    quote = rng.choice(['"', "'", '"""', "'''"])
    if len(quote) == 3 and rng.random() < 0.5:
        body += rng.choice(["\n", "\r", "\r\n"]) + "SERVICE <" + forbidden + "> { }"
    return quote + body + quote


def _escaped_quote_end(rng: random.Random, forbidden: str) -> str:
    """A string whose last character is an escaped backslash, a clause, then a comment holding a quote.

    A reader that expands escapes before parsing sees the backslash escape the
    closing quote, so the string runs on into the comment; one that expands
    them inside the string sees the string end and the clause run.
    """
    escape = rng.choice(["\\u005C", "\\U0000005C", "\\u005c"])
    target = rng.choice([_iri(forbidden, rng), "e:sparql"])
    hidden = f"SERVICE {target} {{ ?s ?p ?o }}"
    end = rng.choice(["\n", "\r", "\r\n"])
    return f'BIND("a{escape}" AS ?x) {hidden} # " AS ?x){end}'


def _pattern(rng: random.Random, allowed: str, forbidden: str, depth: int = 0) -> str:
    kind = rng.randrange(10 if depth < 2 else 6)
    gap = _gap(rng)
    if kind == 9:
        return _escaped_quote_end(rng, forbidden)
    if kind == 0:
        target = rng.choice([_iri(forbidden, rng), "e:sparql", _iri(allowed, rng), "a:sparql",
                             _escape("e:sparql", rng)])
        silent = " SILENT" if rng.random() < 0.3 else ""
        return f"{_keyword('SERVICE', rng)}{silent}{gap}{target}{_gap(rng)}{{ ?s ?p ?o }}"
    if kind == 1:
        return f"BIND({_string(rng, allowed, forbidden)} AS ?v{rng.randrange(9)})"
    if kind == 2:
        return f"FILTER(?s != {_iri(forbidden, rng)})"
    if kind == 3:
        return f"?s ?p {_string(rng, allowed, forbidden)}"
    if kind == 4:
        word = rng.choice(["SERVICE", "}", "<", '"'])
        return "# " + word + " <" + forbidden + ">" + rng.choice(["\n", "\r"])
    if kind == 5:
        return "?s ?p ?o"
    inner = " . ".join(_pattern(rng, allowed, forbidden, depth + 1) for _ in range(rng.randint(1, 3)))
    wrapper = rng.choice(["OPTIONAL {{ {} }}", "{{ {} }} UNION {{ ?x ?y ?z }}", "FILTER EXISTS {{ {} }}",
                          "MINUS {{ {} }}", "{{ {} }}"])
    return wrapper.format(inner)


def query(rng: random.Random, *, allowed: str, forbidden: str) -> str:
    """One generated query; it always names the allowed endpoint once, so a checker lets it federate."""
    base = forbidden.rsplit("/", 1)[0] + "/"
    prologue = f"PREFIX e: <{base}>{_gap(rng)}PREFIX a: <{allowed.rsplit('/', 1)[0]}/>{_gap(rng)}"
    parts = [_pattern(rng, allowed, forbidden) for _ in range(rng.randint(1, 4))]
    parts.insert(rng.randrange(len(parts) + 1), f"SERVICE <{allowed}> {{ ?s ?p ?o }}")
    dataset = f"FROM {_iri(forbidden, rng)}{_gap(rng)}" if rng.random() < 0.1 else ""
    body = (" ." + _gap(rng)).join(parts)
    return f"{prologue}SELECT * {dataset}WHERE {{{_gap(rng)}{body}{_gap(rng)}}}{_gap(rng) if rng.random() < 0.5 else ''}"


def queries(seed: int, count: int, *, allowed: str, forbidden: str) -> list[str]:
    rng = random.Random(seed)
    return [query(rng, allowed=allowed, forbidden=forbidden) for _ in range(count)]
