"""pmkg: a knowledge graph of police misconduct built from news reporting."""

__version__ = "0.1.0"
