"""One retriever per signal: each turns a `QueryPlan` into its own ranked list, or None when
it cannot run for that query."""

from __future__ import annotations

from latentdam.search.retrievers.base import Retriever
from latentdam.search.retrievers.keyword import ExpansionRetriever, KeywordRetriever
from latentdam.search.retrievers.literal import LiteralRetriever
from latentdam.search.retrievers.vector import VectorRetriever

__all__ = ["ExpansionRetriever", "KeywordRetriever", "LiteralRetriever", "Retriever", "VectorRetriever"]
