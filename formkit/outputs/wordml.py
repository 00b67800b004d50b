"""WordprocessingML children in schema order: the ECMA-376 Part 1 sequences of the elements
formkit inserts into, and :func:`ensure`, which finds a child or inserts it at its place (a
child in the wrong place makes Word refuse or "repair" the file).

lxml only, no python-docx: the GB/T 9704 layout (python-docx documents) and the template
engine's combined documents (plain lxml trees) use the one helper.
"""

from __future__ import annotations

from typing import Sequence

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

RPR_ORDER = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
    "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid",
    "w:vanish", "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz",
    "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign",
    "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)
PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
    "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens",
    "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE",
    "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)
SECTPR_ORDER = (
    "w:headerReference", "w:footerReference", "w:footnotePr", "w:endnotePr", "w:type", "w:pgSz",
    "w:pgMar", "w:paperSrc", "w:pgBorders", "w:lnNumType", "w:pgNumType", "w:cols", "w:formProt",
    "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi", "w:rtlGutter",
    "w:docGrid", "w:printerSettings", "w:sectPrChange",
)
TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription",
)
TRPR_ORDER = (
    "w:cnfStyle", "w:divId", "w:gridBefore", "w:gridAfter", "w:wBefore", "w:wAfter",
    "w:cantSplit", "w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden",
)


def ensure(parent, tag: str, order: Sequence[str]):
    """Return ``parent``'s child ``tag`` (``w:name``), inserted at its place in ``order`` when missing.

    The new element is made by ``parent`` itself, so a python-docx tree gets python-docx's
    element classes and a plain lxml tree plain elements.
    """
    name = _clark(tag)
    child = parent.find(name)
    if child is not None:
        return child
    child = parent.makeelement(name)
    successors = {_clark(t) for t in order[order.index(tag) + 1:]}
    for existing in parent:
        if existing.tag in successors:
            existing.addprevious(child)
            return child
    parent.append(child)
    return child


def _clark(tag: str) -> str:
    """Return ``w:name`` as lxml spells it, ``{namespace}name``."""
    prefix, _, local = tag.partition(":")
    if prefix != "w":
        raise ValueError(f"not a w: tag: {tag}")
    return f"{{{W_NS}}}{local}"
