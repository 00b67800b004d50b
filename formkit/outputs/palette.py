"""The colours of formkit's workbooks and documents: one finding colour per severity, one header fill.

The merged workbooks, the findings list, the marked copies and the blank forms all use these,
so a red cell means an error wherever a city or the province sees it.
"""

RED = "FFC7CE"  # an error: the record is not counted until it is fixed
YELLOW = "FFEB9C"  # a warning: to be checked
HEADER_FILL = "D9E1F2"  # the header row of a table formkit writes

#: The fill of each severity.
SEVERITY_FILLS = {"error": RED, "warning": YELLOW}
