"""Formula cells of an XLSX sheet that carry no saved value, and plain arithmetic on numbers.

A workbook written by a script (openpyxl, pandas, a park office's own tool) holds formulas
such as ``=300+26.23`` without the value Excel or WPS would have saved beside them, and
openpyxl's ``data_only`` reading gives such a cell as empty. :func:`formulas_without_values`
finds those cells from the sheet's XML (a cell with an ``<f>`` and no ``<v>``; a formula
whose saved value is an empty text keeps its ``<v>`` and is not one of them), and
:func:`evaluate_arithmetic` computes the ones that are plain arithmetic on numbers, with
:mod:`ast` and no ``eval``. Anything else (cell references, functions) is left to the caller
to refuse with the cell's address.

Only the cells around the formula tags of the sheet's XML are parsed, so a sheet without
formulas costs one byte search.
"""

from __future__ import annotations

import ast
import math
import operator
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["MAX_FORMULA_CHARS", "formulas_without_values", "evaluate_arithmetic"]

#: Longest formula evaluated, in characters (Excel's own limit is 8,192).
MAX_FORMULA_CHARS = 8192

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData[\s>]")
_PREFIXED = re.compile(rb"<(/?)\w+:")  # x:c -> c: cells are parsed on their own, without xmlns
_PREFIXED_ATTR = re.compile(rb"\s\w+:\w+=\"[^\"]*\"")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_ARITHMETIC = re.compile(r"[0-9.eE+\-*/()\s]+")
_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
              ast.Div: operator.truediv}


def evaluate_arithmetic(formula: str) -> float | None:
    """The value of ``formula`` when it is plain arithmetic on decimal numbers, else None.

    ``+ - * /``, parentheses, unary minus and plus, and numbers such as ``26.23`` or
    ``1.5E3`` are evaluated; cell references, functions, ``^``, ``%``, text, and a result
    that is not a finite number (``=1/0``) give None.

    Examples
    --------
    >>> evaluate_arithmetic("=300+26.23")
    326.23
    >>> evaluate_arithmetic("=-(2+3)*4/8")
    -2.5
    >>> evaluate_arithmetic("=SUM(A1:A3)") is None
    True
    """
    body = formula[1:] if formula.startswith("=") else formula
    if len(body) > MAX_FORMULA_CHARS or not _ARITHMETIC.fullmatch(body):
        return None
    try:
        value = _value(ast.parse(body.strip(), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, RecursionError,
            MemoryError):
        return None
    return value if math.isfinite(value) else None


def _value(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        operand = _value(node.operand)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_value(node.left), _value(node.right))
    raise ValueError(f"not plain arithmetic: {type(node).__name__}")


def formulas_without_values(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """``{(row, column): "=formula"}`` of the cells of ``sheet`` holding a formula and no saved
    value (rows and columns from 1). Shared formulas are given as they read in their own cell.

    The sheet's XML is searched for formula tags and only the cells around them are parsed
    (the caller has just loaded the same sheet with openpyxl, at many times its size).
    Raises :class:`xml.etree.ElementTree.ParseError` for a cell that is not well-formed XML.
    """
    from openpyxl.utils import column_index_from_string

    with zipfile.ZipFile(path) as archive:
        member = _sheet_member(archive, sheet)
        if member is None:
            return {}
        data = archive.read(member)
    found: dict[tuple[int, int], str] = {}
    shared: dict[str, tuple[str, str]] = {}  # si -> (formula, cell of the formula's master)
    sheet_data = _SHEET_DATA.search(data)
    if sheet_data is None:
        return {}
    opening = b"<" + (sheet_data.group(1) or b"") + b"c"
    end = sheet_data.end()
    for tag in _FORMULA_TAG.finditer(data, end, data.rfind(b"sheetData>")):
        if tag.start() < end:
            continue
        start = max(data.rfind(opening + b" ", end, tag.start()), data.rfind(opening + b">", end, tag.start()))
        close = _CELL_END.search(data, tag.end())
        if start < 0 or close is None:
            continue
        end = close.end()
        cell = ElementTree.fromstring(_PREFIXED_ATTR.sub(b"", _PREFIXED.sub(rb"<\1", data[start:end])))
        formula = next((c for c in cell if c.tag == "f"), None)
        value = next((c for c in cell if c.tag == "v"), None)
        if formula is None:
            continue
        ref = cell.get("r", "")
        text = formula.text or ""
        if formula.get("t") == "shared" and formula.get("si") is not None:
            if text:
                shared[formula.get("si")] = (text, ref)
            elif formula.get("si") in shared:
                text = _translate(*shared[formula.get("si")], ref)
        if value is None or (not value.text and cell.get("t") not in {"str", "s", "inlineStr"}):
            match = _CELL_REF.fullmatch(ref)
            if match:
                found[int(match.group(2)), column_index_from_string(match.group(1))] = f"={text}"
    return found


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The archive member holding the sheet named ``sheet`` (from the workbook's relations)."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels if _local(rel.tag) == "Relationship"}
    for element in book.iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rid = element.get(f"{{{_REL_NS}}}id") or next(
                (v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid, "")
            member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join("xl", target))
            return member if member in archive.namelist() else None
    return None


def _translate(formula: str, origin: str, ref: str) -> str:
    from openpyxl.formula.translate import Translator

    try:
        return Translator(f"={formula}", origin=origin).translate_formula(ref)[1:]
    except Exception:  # noqa: BLE001 - a formula openpyxl cannot move: show the master's text
        return formula


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
