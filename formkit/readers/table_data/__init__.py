"""DATA tables for ``formkit render`` and ``formkit lint``: one row → one template context.

:func:`load_table` reads an .xlsx/.xlsm/.xls/.ods workbook (python-calamine), a .csv/.txt
(UTF-8, UTF-8 with BOM, UTF-16 with BOM, GBK/GB18030 — detected; comma, tab or semicolon
separated — detected) or a .json list of objects, and returns a :class:`Table`.

Header names become variable names, as written (spaces and line breaks inside a header are
dropped): a column 企业名称 is ``{{ 企业名称 }}``. A header that is not a valid name, such as
``得分（分）`` or ``2023年目标``, is also given a name that is (:func:`identifier`):
``得分`` (bracketed notes dropped), ``_2023年目标``. Duplicate headers get ``_2``, ``_3``;
an empty header over a column with data is ``列3`` (the column's position).

Values keep what the cell means, never routing text through a number:

* a text cell stays text — a code ``0320100`` or ``913201…XY`` keeps every character;
* Excel numbers: whole numbers are ``int`` (calamine gives ``12.0``); a whole number too big
  for Excel's 15 digits (a credit code typed as a number) is the text Excel shows; other
  numbers are ``float``;
* CSV cells are text, except a plain integer without a leading zero (at most 15 digits) →
  ``int``, and a plain decimal → :class:`~decimal.Decimal` (``85.50`` stays ``85.50``);
* dates: Excel date cells (and ODS dates) become :class:`datetime.date`, which the engine writes
  ``2023年5月6日``; a TEXT that looks like a date (``2023-05-06`` in a CSV or JSON, a text cell)
  stays exactly that text — a mail merge writes what the data says. Templates that want it
  written the Chinese way ask for it: ``{{ 备案日期|中文日期 }}`` (the engine's filter accepts
  dates and date-looking text); ``--where`` compares such text with dates all the same;
* JSON values keep their JSON types; nested objects and lists are allowed (``{{ 联系人.姓名 }}``,
  ``{%tr for r in 明细 %}``); a key an object lacks is ``None`` (an empty cell).

Rows that are entirely empty are skipped. Each row remembers where it came from
(:attr:`Table.row_numbers`): the Excel row number, the CSV line, or the JSON item (1-based).
"""

from __future__ import annotations

from formkit.readers.table_data.columns import identifier
from formkit.readers.table_data.load import SUFFIXES, load_table
from formkit.readers.table_data.table import Table, TableError

__all__ = ["Table", "TableError", "load_table", "identifier", "SUFFIXES"]
