"""From an input file to canonical rows, one layer per folder, dependencies pointing one way:

    normalize/  text, amounts, periods, place names (gazetteer), Japanese NLP   (no layer below)
    model/      the document and table model every layer shares
    tables/     table strategies (ruled, borderless, text) and how a table is read as a grid
    readers/    input file -> Document (pages, lines, tables)
    matrix/     the participation-matrix solver (printed totals as constraints)
    content/    one extractor per content kind: tables and text blocks -> rows
"""
