"""The PDF format: ReportLab's flowables with named paragraph styles from the theme, its
fonts embedded and subset, page furniture drawn on each page."""
