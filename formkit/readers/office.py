"""The LibreOffice runner under its former name: it is :mod:`formkit.soffice` now.

Kept so ``formkit.readers.office.find_soffice`` (and the other runner names) still import;
new code imports :mod:`formkit.soffice`, and the readers' run-level pre-pass is
:func:`formkit.readers.legacy.converted_copies`.
"""

from formkit.soffice import (  # noqa: F401  (re-exported)
    FILTERS, INSTALL_HINT, MISSING, convert_batch, find_soffice, last_stats, timeout_for,
)
