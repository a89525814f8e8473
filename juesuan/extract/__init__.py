"""Extraction: from a document's text to facts, driven by lexicon.yml."""
from juesuan.extract.facts import Fact, extract
from juesuan.extract.lexicon import default_lexicon, load_lexicon

__all__ = ["Fact", "default_lexicon", "extract", "load_lexicon"]
