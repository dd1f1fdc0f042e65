"""From data to the block tree: the one Jinja environment and its template check, the
context templates see, Markdown to blocks, and the closed, typed block tree itself
(title block and page furniture included)."""
