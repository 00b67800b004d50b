"""What lint reports (Tag, Problem, LintReport) and the characters it knows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from formkit.outputs.docx.package import wtag

#: Names ``formkit render`` adds to every row's context besides the columns.
RENDER_NAMES = ("序号", "行号")


P_TAG, R_TAG, T_TAG, TAB_TAG, BR_TAG, CR_TAG = wtag("p"), wtag("r"), wtag("t"), wtag("tab"), wtag("br"), wtag("cr")
TC_TAG, TR_TAG, TBL_TAG, TXBX_TAG = wtag("tc"), wtag("tr"), wtag("tbl"), wtag("txbxContent")
SKIPPED_TAGS = {wtag("delText"), wtag("instrText"), wtag("rPr"), wtag("pPr"), wtag("delInstrText"), wtag("del")}
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


# --- characters -------------------------------------------------------------------------------

CURLY_QUOTES = {"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'"}
FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in (*range(0xFF01, 0xFF10), *range(0xFF1A, 0xFF21),
                                                   *range(0xFF3B, 0xFF41), *range(0xFF5B, 0xFF5F))}
FULLWIDTH["\u3000"] = " "
FULLWIDTH["、"] = ","
FULLWIDTH["。"] = "."
FULLWIDTH["【"] = "["
FULLWIDTH["】"] = "]"
# Full-width look-alikes of the tag delimiters, mapped one character to one character so that
# positions in the normalised text are positions in the document.
FULLWIDTH_DELIMITERS = str.maketrans({"｛": "{", "｝": "}", "％": "%", "＃": "#"})
TAG_OPENING = re.compile(r"\{[{%#]")
TAG_CLOSING = {"{": "}}", "%": "%}", "#": "#}"}
BLOCK_OPENERS = {"if", "for", "with", "macro", "call", "filter", "raw", "autoescape", "block"}
BLOCK_MIDDLE = {"elif": {"if"}, "else": {"if", "for"}}
TAG_PREFIXES = ("tr", "tc", "p", "r")
PREFIX_NAMES = {"p": "段落", "tr": "表格行", "tc": "单元格", "r": "文字块"}


@dataclass
class Tag:
    """A Jinja tag as it stands in the document."""

    text: str  # as written, e.g. {{ 企业名称 }}
    where: str  # 正文第3段, 表格1第2行第1列, 页脚（footer1.xml）第1段
    part: str  # zip member
    kind: str  # var | block | comment
    prefix: str = ""  # p | tr | tc | r (docxtpl's element prefixes) or ""
    keyword: str = ""  # if, for, endif … for a block tag
    runs: int = 1  # how many w:r the tag is spread over


@dataclass
class Problem:
    """One thing that breaks (or would change) a template, said in Chinese with its place."""

    code: str
    where: str
    message: str
    fixable: bool = False  # lint --fix repairs it
    severity: str = "error"  # error (exit status 1) | note

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


@dataclass
class LintReport:
    """What :func:`lint` found in one template."""

    template: str
    tags: list[Tag] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)
    tested_only: list[str] = field(default_factory=list)  # variables only tested (data may lack them)
    problems: list[Problem] = field(default_factory=list)  # errors and notes, in document order
    columns: list[str] | None = None  # the DATA's columns, when DATA was given

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def notes(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def message(self) -> str:
        """Return the Chinese refusal listing every error (for :func:`require_clean`)."""
        errors = self.errors
        lines = [f"模板 {self.template} 有{len(errors)}处问题，无法使用："]
        lines += [f"  {p}" for p in errors]
        if any(p.fixable for p in errors):
            lines.append(f"其中引号、全角标点和被拆开的标签可自动修复：formkit lint {self.template} --fix -o 修复后的模板.docx")
        return "\n".join(lines)


