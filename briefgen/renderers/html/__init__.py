"""The HTML format: one self-contained, accessible page per brief and audience."""
