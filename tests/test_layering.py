"""The dependency direction holds: no module imports from a layer above its own.

Read from the source (every import statement, lazy ones inside functions included), so a
violation fails here even when no test happens to execute the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _offences(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((BOT / package).rglob("*.py")):
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(BOT.parent)} imports {name}")
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        # The store indexes the tokens it is given and tokenizes queries with the analyzer it
        # was opened with: no language processing inside, migrations included.
        ("store", ("summaries", "jieba", "bot.ingest", "bot.sources", "bot.services")),
        # Sources hand documents to a sink; summarizing and storing happen above them.
        ("sources", ("bot.services", "bot.ingest", "bot.handlers", "bot.delivery")),
        ("ingest", ("bot.services", "bot.handlers", "bot.delivery", "telegram")),
    ],
)
def test_no_import_against_the_layering(package: str, forbidden: tuple[str, ...]) -> None:
    assert _offences(package, forbidden) == []


def test_the_check_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from summaries.tokens import search_tokens\n", "utf-8")
    assert "summaries.tokens" in _imports(module)
