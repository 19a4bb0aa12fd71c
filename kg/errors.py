"""The one exception type users see: its message is printed as a one-line error."""


def printable(text: str) -> str:
    """``text`` on one line, with control characters (e.g. from a binary file) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class PmkgError(Exception):
    """An expected failure with a message meant for the user (no traceback)."""

    def __init__(self, message: str):
        super().__init__(printable(message))


class StoreError(PmkgError):
    """The store is missing, is not a pmkg store, or is in use."""


class RdfSyntaxError(PmkgError):
    """An RDF file or document could not be parsed; the message has line and column."""


class QuerySyntaxError(PmkgError):
    """A SPARQL query or update could not be parsed."""
