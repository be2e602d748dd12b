"""What both the indexer and the API need: settings, the Elasticsearch client, the embedder, the corpus."""
