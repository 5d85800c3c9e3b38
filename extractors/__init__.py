"""Readers (file -> Document), segmentation (Document -> blocks) and one extractor per content kind."""
