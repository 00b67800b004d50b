"""The bundled samples, made deterministically: not part of the runtime pipeline.

- :mod:`.submissions` — what the 13 设区市 send back (附件1–4, Excel and Word), with the seeded
  defects that ``samples/README.md`` lists; ``python samples/generate.py`` rewrites them;
- :mod:`.register` — a filing register consistent with those submissions
  (``python -m formkit.samplegen.register``);
- :mod:`.enterprises` — the made-up enterprises, people and credit codes both draw on;
- :mod:`.files` — the one way their files are written (fixed timestamps: same bytes every run).

The package's face is the submissions' generator; the register's is
:mod:`formkit.samplegen.register` (not imported here, so that ``python -m`` runs it cleanly).
"""

from formkit.samplegen.submissions import (
    CITY_NAMES, CROSS_FILE_DEFECTS, ROW_COUNTS, SEEDED_DEFECTS, XLSX_CITIES, YEAR, file_name, generate,
)

__all__ = ["CITY_NAMES", "CROSS_FILE_DEFECTS", "ROW_COUNTS", "SEEDED_DEFECTS", "XLSX_CITIES", "YEAR",
           "file_name", "generate"]
