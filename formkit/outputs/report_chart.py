"""The report's chart: drawn from the merged figures and put in the picture the template marks.

A picture whose alternative text (or title) is ``formkit:chart`` (:data:`~formkit.outputs.chart.CHART_MARK`)
is the chart's place: :func:`chart_member` finds its PNG in the rendered .docx and
:func:`replace_member` swaps in :func:`chart_png`, so the user can move or resize it in Word.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from formkit.campaign import Campaign
from formkit.outputs.chart import CHART_MARK
from formkit.outputs.letters import Merged
from formkit.outputs.ooxml import repack


def chart_png(merged: Merged, campaign: Campaign) -> bytes:
    """Return the chart: per city, the qualified count against the target and last year."""
    from formkit.outputs.chart import CityFigures, evaluation_chart

    figures = []
    for name, data in merged.summary["cities"].items():
        ev = data.get("evaluation", {})
        city = campaign.city(name)
        figures.append(CityFigures(city.short if city else name, ev.get("rows", 0), ev.get("target"),
                                   ev.get("last_year")))
    return evaluation_chart(figures, campaign.year)


_DOCPR = re.compile(r"<wp:docPr\b[^>]*>")
_EMBED = re.compile(r'r:embed="([^"]+)"')
_REL = re.compile(r"<Relationship\b[^>]*>")


def chart_member(docx: bytes) -> str | None:
    """Return the zip member of the picture marked ``formkit:chart`` in a .docx, else None."""
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        names = set(archive.namelist())
        main = "word/document.xml"
        if main not in names:
            return None
        xml = archive.read(main).decode("utf-8")
        rels_name = "word/_rels/document.xml.rels"
        rels = archive.read(rels_name).decode("utf-8") if rels_name in names else ""
    for match in _DOCPR.finditer(xml):
        if f'descr="{CHART_MARK}"' not in match.group() and f'title="{CHART_MARK}"' not in match.group():
            continue
        embed = _EMBED.search(xml, match.end())
        if not embed:
            return None
        for rel in _REL.findall(rels):
            if f'Id="{embed.group(1)}"' in rel:
                target = re.search(r'Target="([^"]+)"', rel)
                if target and 'TargetMode="External"' not in rel:
                    member = posixpath.normpath(posixpath.join("word", target.group(1))).lstrip("/")
                    return member if member in names and member.lower().endswith(".png") else None
    return None


def replace_member(docx: bytes, member: str, data: bytes) -> bytes:
    """Return ``docx`` with zip member ``member`` holding ``data``, stored (fixed times, same order)."""
    return repack(docx, {member: data}, stored=frozenset({member}))
