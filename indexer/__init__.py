"""Builds caremap's Elasticsearch indices from the corpus."""
