"""Services return plain data: they never reach up into the Telegram face."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES = REPO / "bot" / "services"
# The Telegram face: only handlers and the renderer may import these.
FACE = ("telegram", "bot.callbacks", "bot.i18n", "bot.render", "bot.handlers")


def _imported(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative imports resolved)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = ".".join(["bot", "services"][: 3 - node.level])
                base = f"{package}.{base}".rstrip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _face(name: str) -> bool:
    return any(name == face or name.startswith(face + ".") for face in FACE)


def test_no_service_imports_the_telegram_face() -> None:
    modules = sorted(SERVICES.glob("*.py"))
    assert len(modules) > 5
    offending = {
        path.name: sorted(n for n in _imported(path) if _face(n))
        for path in modules
        if any(_face(n) for n in _imported(path))
    }
    assert offending == {}


def test_the_check_sees_an_import_of_the_face(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from bot.i18n import text\nimport telegram.ext\nfrom bot import callbacks\n",
        encoding="utf-8",
    )
    assert {n for n in _imported(sample) if _face(n)} == {
        "bot.i18n",
        "bot.i18n.text",
        "telegram.ext",
        "bot.callbacks",
    }


def test_importing_every_service_loads_no_telegram_module() -> None:
    # Indirect imports too: a service that imports a module that imports telegram.
    program = (
        "import importlib, pkgutil, sys, bot.services as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    importlib.import_module('bot.services.' + m.name)\n"
        f"face = {FACE!r}\n"
        "print(sorted(n for n in sys.modules if any(n == f or n.startswith(f + '.') "
        "for f in face)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == "[]"
