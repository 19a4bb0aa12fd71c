"""Deterministic IRIs: how entities found in different articles get one IRI.

IRI minting lives beside kg.namespaces, not in the extractor, so that linking
(kg.link) and the command line mint and read IRIs without loading spaCy.

The rules (also in the README):
- An article's IRI comes from its web address when it has one, else from its
  headline and publication date, else from its cleaned text. Reading the same
  article again gives the same IRI, so its graph is replaced, not duplicated.
- A named officer's IRI comes from the normalised name and the force:
  "PC Jane Doe of Kent Police" and "Jane Doe, a Kent officer" meet at
  id/officer/kent-police/jane-doe, while two "PC Smith"s of different forces
  stay apart. A named officer whose force the article does not give gets an
  IRI of that article alone, since merging on a name alone is not safe.
- Unnamed officers and groups, allegations, outcomes and quotations belong to
  their article: their IRIs extend the article's.
- Forces and bodies use the reference data's keys (id/org/kent-police); other
  organisations and people named in articles (speakers, authors, publishers)
  get IRIs from their normalised names.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime

from kg.namespaces import ID


def slug(text: str, *, limit: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens: "Seán O'Neill" -> "sean-oneill"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’`]", "", text)
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:limit].rstrip("-") or "unnamed"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def article_iri(*, location: str, headline: str | None, published: date | datetime | None,
                content_hash: str) -> str:
    if location.startswith(("http://", "https://")):
        identity = location
    elif headline and published:
        identity = f"{slug(headline, limit=200)}|{published.isoformat()[:10]}"
    else:
        identity = content_hash
    day = published.isoformat()[:10] + "-" if published else ""
    title = slug(headline or "article", limit=50)
    return f"{ID}article/{day}{title}-{_short_hash(identity)}"


def officer_iri(name: str, force: str | None, article: str, local_key: str) -> str:
    if force:
        return f"{ID}officer/{force}/{slug(name)}"
    return f"{article}/officer/{local_key}"


def org_iri(key: str) -> str:
    return f"{ID}org/{key}"


def person_iri(name: str) -> str:
    return f"{ID}person/{slug(name)}"
