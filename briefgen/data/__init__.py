"""The data: YAML read with the place of every value, the typed model of a brief, loading
and validating it, rich text, and what each audience may see of it."""
