"""Issue 11, defect 9: security headers on every answer, a strict CSP on the workspace, the
widget frame framed only where its inbox allows, ``no-store`` on the API."""

from __future__ import annotations

import httpx

from tests.support import Workspace
from tests.test_errors import error_code


def directives(response: httpx.Response) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


async def test_every_answer_carries_the_basic_headers(workspace: Workspace) -> None:
    ws = workspace
    for response in (
        await ws.api.get("/api/v1/auth/me", headers=ws.auth()),
        await ws.api.get("/api/v1/nothing-here"),
        await ws.api.get("/app/"),
        await ws.api.get("/demo"),
        await ws.api.get("/api/docs"),
        await ws.api.get(f"/widget/frame?inbox={ws.inbox_key}"),
    ):
        path = response.request.url.path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert "camera=()" in response.headers["permissions-policy"], path
        assert "content-security-policy" in response.headers, path
        assert "strict-transport-security" not in response.headers, path  # plain HTTP


async def test_api_answers_are_not_stored_nor_framed(workspace: Workspace) -> None:
    ws = workspace
    me = await ws.api.get("/api/v1/auth/me", headers=ws.auth())
    assert me.headers["cache-control"] == "no-store"
    assert directives(me)["default-src"] == ["'none'"]
    assert directives(me)["frame-ancestors"] == ["'none'"]
    assert me.headers["x-frame-options"] == "DENY"
    refused = await ws.api.get("/api/v1/conversations")
    assert refused.status_code == 401 and refused.headers["cache-control"] == "no-store"


async def test_hsts_is_sent_over_https(workspace: Workspace) -> None:
    # uvicorn trusts X-Forwarded-Proto from 127.0.0.1, as it would from a local proxy.
    response = await workspace.api.get("/app/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["strict-transport-security"] == "max-age=31536000"


async def test_the_workspace_has_a_strict_policy(workspace: Workspace) -> None:
    response = await workspace.api.get("/app/")
    csp = directives(response)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    demo = directives(await workspace.api.get("/demo"))
    assert demo["script-src"] == ["'self'"] and demo["frame-ancestors"] == ["'none'"]


async def test_api_docs_allow_only_the_swagger_files_and_its_own_script(
    workspace: Workspace,
) -> None:
    response = await workspace.api.get("/api/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()
    scripts = directives(response)["script-src"]
    assert "'unsafe-inline'" not in scripts
    assert "https://cdn.jsdelivr.net" in scripts
    assert any(s.startswith("'sha256-") for s in scripts)


async def test_the_widget_frame_is_framed_where_its_inbox_allows(workspace: Workspace) -> None:
    ws = workspace
    frame = f"/widget/frame?inbox={ws.inbox_key}"
    # No sites named: any site may embed the widget (the snippet works wherever it goes).
    anywhere = await ws.api.get(frame)
    assert directives(anywhere)["frame-ancestors"] == ["*"]
    assert "x-frame-options" not in anywhere.headers
    unknown = await ws.api.get("/widget/frame?inbox=nope")
    assert directives(unknown)["frame-ancestors"] == ["'none'"]

    allowed = ["https://shop.example", "https://*.shop.example", "http://localhost:8080"]
    response = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}",
        headers=ws.auth(),
        json={"settings": {"frame_origins": allowed}},
    )
    assert response.status_code == 200, response.text
    assert directives(await ws.api.get(frame))["frame-ancestors"] == allowed

    for bad in ("https://a.example; script-src *", "javascript:alert(1)", "*", "https://"):
        refused = await ws.api.patch(
            f"/api/v1/inboxes/{ws.inbox_id}",
            headers=ws.auth(),
            json={"settings": {"frame_origins": [bad]}},
        )
        assert refused.status_code == 422, bad
        assert error_code(refused) == "validation_error"
    assert directives(await ws.api.get(frame))["frame-ancestors"] == allowed
