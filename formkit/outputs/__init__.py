"""Writers of formkit's outputs: Word documents in the official layout, workbooks, PDF."""
