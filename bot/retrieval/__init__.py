"""Finding the report items and passages nearest a question: encoder, indexes, BM25, the item head."""
