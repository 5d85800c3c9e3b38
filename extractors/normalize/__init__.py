"""Normalisation: text (NFKC, marks, line breaks), amounts, periods, place names (gazetteer) and Japanese NLP."""
