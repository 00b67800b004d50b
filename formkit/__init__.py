"""formkit: read, check, merge and write the forms of the provincial 贯标 campaign."""

__version__ = "0.1.0"
