"""Extraction: from a document's text to facts, driven by lexicon.yml."""
from juesuan.extract.facts import Fact, extract
from juesuan.extract.lexicon import default_lexicon, load_lexicon

__all__ = ["Fact", "extract", "default_lexicon", "load_lexicon"]
