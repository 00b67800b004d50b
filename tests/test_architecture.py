"""The house rules of docs/architecture.md, read from the source with ast: no import circle among
formkit's modules at module level, click only in the command line, the format libraries only in
the reading and writing layers, no module far over 400 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "formkit"

#: Where each outside library may be imported (a module path prefix, or a module exactly).
ALLOWED = {
    "click": ("formkit/cli.py", "formkit/commands/"),
    # The reading libraries: the reading layer; python-docx/openpyxl also write documents and the
    # samples. table.py takes only openpyxl's column letters (B4 in a Source), no file access.
    "openpyxl": ("formkit/readers/", "formkit/outputs/", "formkit/samplegen/", "formkit/table.py"),
    "docx": ("formkit/readers/", "formkit/outputs/", "formkit/samplegen/"),
    "pdfplumber": ("formkit/readers/",),
    "pdfminer": ("formkit/readers/",),
    "xlrd": ("formkit/readers/",),
    "python_calamine": ("formkit/readers/",),
    "docxtpl": ("formkit/outputs/docx/",),
    "starlette": ("formkit/portal/",),
    "uvicorn": ("formkit/portal/", "formkit/commands/"),
}

#: Modules over 450 lines left as they are: none now. A module that grows past the limit splits
#: by job, as issue 13 split the annotator, the blanks, the letters, the layout and the readers.
LONG: set[str] = set()


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    return mods


def _top_level_imports(path: Path) -> list[tuple[str, list[str]]]:
    """Return (module, names) for every import executed when the module is imported.

    Imports inside functions, and under ``if TYPE_CHECKING:``, run later or never: they cannot
    make a circle at import time.
    """
    found = []

    def visit(body):
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((a.name, []) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                found.append((_absolute(path, node), [a.name for a in node.names]))
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def _absolute(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = list(path.relative_to(ROOT).parent.parts)
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _all_imports(path: Path) -> set[str]:
    """Return the top-level name of every library ``path`` imports, wherever in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        for target, names in _top_level_imports(path):
            if target in mods:
                graph[mod].add(target)
            for name in names:  # from formkit.readers import excel: the submodule itself
                if f"{target}.{name}" in mods:
                    graph[mod].add(f"{target}.{name}")
        # Importing a submodule first imports its package: that edge is real too.
        for target in list(graph[mod]):
            parts = target.split(".")
            for k in range(1, len(parts)):
                parent = ".".join(parts[:k])
                if parent in mods and not mod.startswith(parent + ".") and mod != parent:
                    graph[mod].add(parent)
        graph[mod].discard(mod)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def connect(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_no_import_circle_at_module_level():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_libraries_are_imported_only_in_their_rooms():
    misplaced = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for library in _all_imports(path) & set(ALLOWED):
            if not rel.startswith(ALLOWED[library]):
                misplaced.append((rel, library))
    assert misplaced == []


def test_no_new_long_module():
    long = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py")
            if len(p.read_text(encoding="utf-8").splitlines()) > 450}
    assert long - LONG == set()


def test_declared_terms_are_not_written_again_in_code():
    """Enum texts the code acts on come from the declarations' [terms], never a second literal."""
    from formkit.forms import load_forms

    terms = {value for form in load_forms().values() for value in form.terms.values()}
    assert "提醒并给予1年宽限期" in terms
    copies = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("formkit/samplegen/"):  # the sample generators write form contents
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in terms and id(node) not in docstrings:
                copies.append((rel, node.lineno, node.value))
    assert copies == []


def test_a_term_must_be_a_declared_value(tmp_path, monkeypatch):
    import pytest

    from formkit import forms

    text = (forms.forms_dir() / "anomaly.toml").read_text(encoding="utf-8")
    (tmp_path / "anomaly.toml").write_text(text.replace('grace = "提醒并给予1年宽限期"', 'grace = "提醒并给予2年宽限期"'),
                                           encoding="utf-8")
    monkeypatch.setattr(forms, "forms_dir", lambda: tmp_path)
    with pytest.raises(ValueError, match="grace"):
        forms._load_form("anomaly")


def test_no_module_imports_another_modules_private_name():
    """A name another module needs is public: ``from formkit.x import _helper`` means it is in the wrong room."""
    private = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("formkit")):
                private += [(path.relative_to(ROOT).as_posix(), a.name) for a in node.names
                            if a.name.startswith("_") and not a.name.startswith("__")]
    assert private == []
