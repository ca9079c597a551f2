"""No label table outside the catalogue (issue 19): the words a person reads live in
landplan/labels/*.yaml, nowhere else.

The scan reads every module's syntax tree (docstrings and comments aside) and fails on
- a mapping whose values pair a Chinese and an English string (a code → label table);
- a Chinese string literal in a module that does not recognise input: only the spellings a
  file may be written in (headers, values, units, the ministry's keywords) and the demo park's
  own data may hold Chinese outside the catalogue, each listed below with why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import landplan

ROOT = Path(landplan.__file__).parent
CJK = re.compile(r"[\u3400-\u9fff]")

#: module → why its Chinese literals are input spellings or data, not labels.
RECOGNITION_MODULES = {
    "schema/specs.py": "header aliases recognised on import",
    "schema/parsing.py": "value synonyms and land-use names recognised on import",
    "units.py": "unit spellings recognised in brackets after a header",
    "io/coordtxt.py": "the keywords of the ministry's 界址点 coordinate files",
    "io/readers.py": "encodings and header spellings of the files read",
    "demo/base.py": "the demo park's data: industry name parts, Chinese numerals",
    "demo/ledger.py": "the demo park's data: holder (company) names",
    "demo/lifecycle.py": "the demo park's data: approval batch names",
    "demo/networks.py": "the demo park's data: road names",
}
#: (module, top-level name) → why that one table holds input spellings.
RECOGNITION_TABLES = {
    ("screen/project.py", "_KEYS"): "the headers of a project file a clerk writes",
    ("screen/project.py", "_UTILITY_WORDS"): "how a project file names a utility",
    ("screen/sites.py", "_TRUE_WORDS"): "a flag column's yes, as schema booleans",
    ("coverage/loads.py", "_KVA_PER_UNIT"): "capacity units written in a facilities layer",
}


def _docstrings(tree: ast.AST) -> set[int]:
    """Strings standing alone as statements: docstrings, of modules, classes, functions and
    attributes (a string after an assignment documents it)."""
    return {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List):
        return [s for elt in node.elts for s in _strings(elt)]
    return []


def _label_pairs(tree: ast.AST, skip: frozenset[str] = frozenset()) -> list[int]:
    """Line numbers of dict literals mapping codes to (中文, English) pairs, outside the
    top-level tables named in ``skip``."""
    lines = []
    owner = _top_level_names(tree) if isinstance(tree, ast.Module) else {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict) and owner.get(id(node)) not in skip:
            for v in node.values:
                texts = _strings(v) if isinstance(v, ast.Tuple | ast.List) else []
                if any(CJK.search(t) for t in texts) and any(t and not CJK.search(t) and re.search(r"[a-z]{2}", t)
                                                             for t in texts):
                    lines.append(node.lineno)
                    break
    return lines


def _top_level_names(tree: ast.Module) -> dict[int, str]:
    """id of every node → the name of the top-level assignment holding it."""
    owner = {}
    for stmt in tree.body:
        targets = []
        if isinstance(stmt, ast.Assign):
            targets = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            targets = [stmt.target.id]
        if targets:
            for node in ast.walk(stmt):
                owner[id(node)] = targets[0]
    return owner


def _scan() -> tuple[list[str], list[str]]:
    tables, literals = [], []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("labels/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if rel in RECOGNITION_MODULES:
            continue
        skip = frozenset(name for (module, name) in RECOGNITION_TABLES if module == rel)
        tables += [f"{rel}:{line}" for line in _label_pairs(tree, skip)]
        docs, owner = _docstrings(tree), _top_level_names(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
                    and CJK.search(node.value) and (rel, owner.get(id(node))) not in RECOGNITION_TABLES):
                literals.append(f"{rel}:{node.lineno}: {node.value[:40]!r}")
    return tables, literals


def test_no_code_to_label_table_outside_the_catalogue():
    tables, _ = _scan()
    assert not tables, "code → (中文, English) tables outside landplan/labels: " + ", ".join(tables)


def test_no_chinese_words_outside_the_catalogue_and_the_input_spellings():
    _, literals = _scan()
    assert not literals, f"{len(literals)} Chinese literals outside the catalogue:\n" + "\n".join(literals[:40])


def test_the_scan_finds_a_label_table():
    tree = ast.parse('GAPS = {"idle": ("闲置", "idle")}\nX = 1\n')
    assert _label_pairs(tree) == [1]
    assert _label_pairs(ast.parse('ALIASES = {"宗地号": "parcel_id"}')) == []
