"""Vocabularies shared by the processing code (flows/) and the table models (schemas/).

Both import them from here, so a model never imports the code that fills its table.
"""

# What a block of a document is (flows/document.py); the first three are read as prose.
BLOCK_KINDS = ("text", "list", "caption", "table", "references", "furniture")
PROSE_KINDS = frozenset({"text", "list", "caption"})
FORMATS = ("txt", "md", "html", "pdf")
