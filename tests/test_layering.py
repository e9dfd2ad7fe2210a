"""The layers' one direction (ARCHITECTURE.md), checked on the source.

Handlers do no SQL: they reach storage only through bot/services/. And no product module
imports the development tools (bot/devtools/: the emulator, the sandbox, the demo), so the
product never depends on its test double.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.services import people
from domain.enums import RequestStatus
from domain.incidents import IncidentType
from storage.db import Database
from storage.models import HelpRequest
from tests.factories import person

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "bot" / "handlers"
DEVTOOLS = ROOT / "bot" / "devtools"
# Value types and enums are shared vocabulary, not queries; the Database is the unit of work a
# handler opens (one session per update) and hands to a service.
ALLOWED = {"domain.enums", "storage.types", "storage.models", "storage.db"}


def storage_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("storage"):
            if node.module == "storage":
                found |= {f"storage.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("storage")}
    return found - ALLOWED


@pytest.mark.parametrize(
    "path", sorted(HANDLERS.rglob("*.py")), ids=lambda p: p.relative_to(HANDLERS).as_posix()
)
def test_handlers_reach_storage_only_through_services(path: Path) -> None:
    assert storage_imports(path) == set()


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (a lazy import inside a function counts)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


PRODUCT = sorted(
    p
    for top in ("bot", "storage", "domain")
    for p in (ROOT / top).rglob("*.py")
    if DEVTOOLS not in p.parents
)


def test_the_product_list_covers_the_layers() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PRODUCT}
    assert "bot/app.py" in names and "storage/db.py" in names
    assert any(n.startswith("bot/handlers/") for n in names)
    assert any(n.startswith("bot/services/") for n in names)
    assert not any(n.startswith("bot/devtools/") for n in names)


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_product_code_never_imports_devtools(path: Path) -> None:
    devtools = {m for m in imported_modules(path) if m.split(".")[:2] == ["bot", "devtools"]}
    assert devtools == set(), f"{path.relative_to(ROOT)} imports development tools"


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [("storage", "bot"), ("domain", "bot"), ("domain", "storage")],
)
def test_lower_layers_never_import_upper_ones(layer: str, forbidden: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): found
        for p in sorted((ROOT / layer).rglob("*.py"))
        if (found := {m for m in imported_modules(p) if m.split(".")[0] == forbidden})
    }
    assert offenders == {}


async def test_people_service(db: Database) -> None:
    await person(db, 1, lang="en")
    async with db.session() as s:
        assert await people.choose_language(s, person_id=1, language="ar")
        assert not await people.choose_language(s, person_id=1, language="xx")
        assert await people.open_request(s, person_id=1) is None
        for status in (RequestStatus.CANCELLED, RequestStatus.DISPATCHING):
            s.add(
                HelpRequest(
                    requester_id=1,
                    incident=IncidentType.FIRE,
                    lat=24.7,
                    lon=46.7,
                    status=status,
                )
            )
        await s.flush()
    async with db.session() as s:
        open_req = await people.open_request(s, person_id=1)
        assert open_req is not None and open_req.status == RequestStatus.DISPATCHING
        from storage.people import get_person

        me = await get_person(s, 1)
        assert me is not None and me.language == "ar"
