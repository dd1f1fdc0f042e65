"""The DOCX format: python-docx, named styles from a template built from the theme (or
merged into its reference document), and every private member of python-docx in
``oxml``."""
