"""Generative-AI vocabulary: a maintained glossary mapping jargon to plain-language meaning."""

from __future__ import annotations

from latentdam.vocabulary.glossary import (
    KINDS,
    TOOL_KINDS,
    Glossary,
    GlossaryEntry,
    GlossaryError,
    QueryExpansion,
)

__all__ = ["KINDS", "TOOL_KINDS", "Glossary", "GlossaryEntry", "GlossaryError", "QueryExpansion"]
