"""One direction of dependencies (ARCHITECTURE.md): handlers reach storage only through
bot/services/; storage never imports the bot; the domain imports neither."""

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

HANDLERS = Path(__file__).resolve().parent.parent / "bot" / "handlers"
# Value types and enums are shared vocabulary, not queries; the Database is the unit of work a
# handler opens (one session per update) and hands to a service.
ALLOWED = {"storage.types", "storage.models", "storage.db"}


ROOT = HANDLERS.parent.parent


def imports_of(path: Path, package: str) -> set[str]:
    """The modules of ``package`` that ``path`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == package
        ):
            if node.module == package:
                found |= {f"{package}.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == package}
    return found


def storage_imports(path: Path) -> set[str]:
    return imports_of(path, "storage") - ALLOWED


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [("storage", "bot"), ("domain", "bot"), ("domain", "storage")],
)
def test_lower_layers_never_import_upper_ones(layer: str, forbidden: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): imports_of(p, forbidden)
        for p in sorted((ROOT / layer).rglob("*.py"))
        if imports_of(p, forbidden)
    }
    assert offenders == {}


@pytest.mark.parametrize("path", sorted(HANDLERS.glob("*.py")), ids=lambda p: p.name)
def test_handlers_reach_storage_only_through_services(path: Path) -> None:
    assert storage_imports(path) == set()


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
