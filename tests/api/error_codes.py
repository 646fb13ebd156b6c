"""The stable codes of the refusals: those the source raises, and those docs/api.md documents.

Read from the source with ``ast``, not by importing it: every call that builds a refusal
(``invalid``, ``invalid_fields``, ``conflict``, ``ValidationError``, ``Conflict``, the pure
rules' ``Problem`` and the API types' ``PydanticCustomError``) must name its code as a string literal, so that the table of codes in the
docs can be checked against the code.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "cascade"
DOCS = ROOT / "docs" / "api.md"

# Where refusals are built with a code from elsewhere: the builders themselves.
BUILDERS = {Path("core/errors.py")}
# Django form code: forms show messages and have codes of their own (they never reach the API).
FORM_CODE = {Path("web/forms"), Path("integrations/forms.py")}

# The name of the call → the position of its code among the positional arguments (None: only
# ``code=``). ``invalid_fields`` takes (message, code) pairs instead.
CODE_POSITION: dict[str, int | None] = {
    "ValidationError": None,
    "Conflict": None,
    "invalid": 1,
    "conflict": 1,
    "Problem": 1,
    "invalid_fields": None,
    "PydanticCustomError": 0,  # the API's own input types (cascade.api.fields)
}
# Functions that take codes as keyword arguments and raise them: their call sites name the
# codes (as literals), and inside them a code may be one of these parameters.
CODE_PARAMETERS: dict[str, tuple[str, ...]] = {"number": ("below", "above")}
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


@dataclass(frozen=True)
class Site:
    where: str  # path:line
    call: str
    codes: tuple[str, ...]  # the literal codes it names
    problem: str = ""  # what is wrong with it, if anything


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id == "forms":
            return None  # django.forms.ValidationError: form code
        return func.attr
    return None


def _code_node(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == "code":
            return keyword.value
    position = CODE_POSITION[name]
    if position is not None and len(call.args) > position:
        return call.args[position]
    return None


def _is_pass_through(node: ast.expr) -> bool:
    """``invalid(problem.message, problem.code)``: the code of a refusal built elsewhere, where
    it is named literally; or a code parameter of ``CODE_PARAMETERS``."""
    if any(isinstance(n, ast.Attribute) and n.attr == "code" for n in ast.walk(node)):
        return True
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    parameters = {p for params in CODE_PARAMETERS.values() for p in params}
    return bool(names) and names <= parameters


def _parameter_site(call: ast.Call, name: str, where: str) -> Site:
    given = [k.value for k in call.keywords if k.arg in CODE_PARAMETERS[name]]
    literals = tuple(v.value for v in given if isinstance(v, ast.Constant))
    if len(literals) != len(given) or not all(isinstance(c, str) for c in literals):
        return Site(where, name, (), "the code is not a string literal")
    return Site(where, name, literals)


def _site(call: ast.Call, name: str, where: str) -> Site:
    if name == "invalid_fields":
        pairs = [
            node.elts[1]
            for arg in call.args
            for node in ast.walk(arg)
            if isinstance(node, ast.Tuple) and len(node.elts) == 2
        ]
        literals = [p.value for p in pairs if isinstance(p, ast.Constant)]
        if (
            not pairs
            or len(literals) != len(pairs)
            or not all(isinstance(c, str) for c in literals)
        ):
            return Site(where, name, (), "invalid_fields needs (message, 'code') pairs")
        return Site(where, name, tuple(literals))
    node = _code_node(call, name)
    if node is None:
        return Site(where, name, (), "no code")
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Site(where, name, (node.value,))
    if _is_pass_through(node):
        return Site(where, name, ())
    return Site(where, name, (), "the code is not a string literal")


def _skipped(relative: Path) -> bool:
    return relative in BUILDERS or any(
        relative == form or form in relative.parents for form in FORM_CODE
    )


def refusal_sites() -> list[Site]:
    sites = []
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE)
        if _skipped(relative) or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            if name in CODE_POSITION:
                sites.append(_site(node, name, f"{relative}:{node.lineno}"))
            elif name in CODE_PARAMETERS:
                sites.append(_parameter_site(node, name, f"{relative}:{node.lineno}"))
    return sites


def source_codes() -> set[str]:
    return {code for site in refusal_sites() for code in site.codes}


def _errors_section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("\n## Errors\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def documented_codes() -> dict[str, str]:
    """Code → meaning, from the table of the "Error codes" subsection of docs/api.md."""
    section = _errors_section()
    table = section[section.index("\n### Error codes\n") :]
    table = table[: table.find("\n### ", 1) if "\n### " in table[1:] else None]
    codes = {}
    for line in table.splitlines():
        match = re.fullmatch(r"\| `([^`]+)` \| (.+?) \| (.+?) \|", line.strip())
        if match:
            codes[match[1]] = match[2]
    return codes
