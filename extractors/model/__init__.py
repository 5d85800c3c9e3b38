"""The data every layer shares: the document (pages, lines, text blocks) and the table model."""
