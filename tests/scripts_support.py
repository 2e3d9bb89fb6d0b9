"""Helpers for the scripts tests (canned answers, macros, automation, auto-replies)."""

from __future__ import annotations

from typing import Any

from tests.support import Workspace


async def create(ws: Workspace, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    response = await ws.api.post(f"/api/v1/{path}", headers=ws.auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def canned(ws: Workspace, token: str | None = None, **body: Any) -> dict[str, Any]:
    body.setdefault("title", body["shortcut"].capitalize())
    body.setdefault("text", f"Text of {body['shortcut']}")
    result: dict[str, Any] = await create(ws, "canned-answers", body, token)
    return result


async def rule(ws: Workspace, **body: Any) -> dict[str, Any]:
    body.setdefault("name", "Rule")
    result: dict[str, Any] = await create(ws, "automation-rules", body)
    return result


async def team(ws: Workspace, name: str, agent_ids: list[int] | None = None) -> int:
    result = await create(ws, "teams", {"name": name, "agent_ids": agent_ids or []})
    return int(result["id"])


async def conversation(ws: Workspace, conversation_id: int) -> dict[str, Any]:
    response = await ws.api.get(f"/api/v1/conversations/{conversation_id}", headers=ws.auth())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def messages(ws: Workspace, conversation_id: int) -> list[dict[str, Any]]:
    response = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=ws.auth()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def inbox_settings(ws: Workspace, **settings: Any) -> dict[str, Any]:
    response = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}", headers=ws.auth(), json={"settings": settings}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]
