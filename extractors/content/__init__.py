"""Content extractors: one module per content kind, each turning tables or text blocks into canonical rows."""
