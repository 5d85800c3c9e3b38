"""The output contract: row types of every SPEC table, their validation and descriptors.

Nothing here imports from ``extractors`` or ``pipeline``: dependencies point one way,
``schemas`` <- ``extractors`` <- ``pipeline``.
"""
