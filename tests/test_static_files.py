"""Built files go pre-compressed: brotli or gzip as the browser accepts, long-cached when
hashed, revalidated when not — checked over real HTTP against the running server."""

from __future__ import annotations

import gzip
from pathlib import Path

import httpx
import pytest

from otklik.web import pages, static_files
from tests.support import HTTP_TIMEOUT, LiveServer

SCRIPT = b"export const greeting = 'hello';\n" * 200


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """A stand-in build: an index, a hashed script with its .br and .gz, a small CSS file
    with no copies (under the build's 1 KB threshold), and the widget's files."""
    app, widget = tmp_path / "app", tmp_path / "widget"
    (app / "assets").mkdir(parents=True)
    (widget / "assets").mkdir(parents=True)
    files = {
        "index": b"<!doctype html><title>Otklik</title>" + b" " * 2000,
        "script": SCRIPT,
        "br": b"brotli bytes made by the build",
        "gz": gzip.compress(SCRIPT),
        "css": b"body{margin:0}",
    }
    (app / "index.html").write_bytes(files["index"])
    (app / "index.html.gz").write_bytes(gzip.compress(files["index"]))
    (app / "assets" / "index-AbC123.js").write_bytes(files["script"])
    (app / "assets" / "index-AbC123.js.br").write_bytes(files["br"])
    (app / "assets" / "index-AbC123.js.gz").write_bytes(files["gz"])
    (app / "assets" / "index-AbC123.css").write_bytes(files["css"])
    (widget / "widget.js").write_bytes(files["script"])
    (widget / "widget.js.gz").write_bytes(files["gz"])
    (widget / "assets" / "frame-X1.js").write_bytes(files["script"])
    (widget / "assets" / "frame-X1.js.br").write_bytes(files["br"])
    monkeypatch.setattr(pages, "APP_DIR", app)
    monkeypatch.setattr(pages, "WIDGET_DIR", widget)
    return files


async def fetch(server: LiveServer, path: str, accept: str | None) -> tuple[httpx.Response, bytes]:
    """The answer and its body exactly as sent (not decoded)."""
    headers = {"Accept-Encoding": accept if accept is not None else "identity"}
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=HTTP_TIMEOUT) as client,
        client.stream("GET", path, headers=headers) as response,
    ):
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, raw


async def test_hashed_assets_go_compressed_as_accepted_and_cached_for_a_year(
    server: LiveServer, built: dict[str, bytes]
) -> None:
    path = "/app/assets/index-AbC123.js"
    response, body = await fetch(server, path, "gzip, deflate, br, zstd")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br" and body == built["br"]
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert int(response.headers["content-length"]) == len(built["br"])

    response, body = await fetch(server, path, "gzip, deflate")
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == built["script"]
    # The browser rates gzip higher, or refuses brotli: gzip.
    for accept in ("br;q=0.5, gzip", "br;q=0, gzip;q=0.1", "*, br;q=0"):
        response, body = await fetch(server, path, accept)
        assert response.headers["content-encoding"] == "gzip", accept
    # Nothing it accepts, or no header at all: the file as it is, still marked as varying.
    for accept in ("identity", "deflate", "gzip;q=0, br;q=0", ""):
        response, body = await fetch(server, path, accept)
        assert "content-encoding" not in response.headers, accept
        assert body == built["script"] and response.headers["vary"] == "Accept-Encoding"


async def test_index_is_revalidated_and_small_files_go_as_they_are(
    server: LiveServer, built: dict[str, bytes]
) -> None:
    for path in ("/app/", "/app/c/12", "/app/index.html"):
        response, body = await fetch(server, path, "gzip, br")
        assert response.headers["cache-control"] == "no-cache", path
        assert response.headers["content-encoding"] == "gzip", path  # no .br of it was made
        assert gzip.decompress(body) == built["index"]
        assert response.headers["content-type"].startswith("text/html")
    response, body = await fetch(server, "/app/assets/index-AbC123.css", "gzip, br")
    assert "content-encoding" not in response.headers and body == built["css"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    # The compressed copies are not files of their own.
    response, body = await fetch(server, "/app/assets/index-AbC123.js.br", "br")
    assert response.headers["cache-control"] == "no-cache"  # the SPA's index instead


async def test_widget_files_are_negotiated_too(server: LiveServer, built: dict[str, bytes]) -> None:
    response, body = await fetch(server, "/widget.js", "gzip, br")
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["cache-control"] == "public, max-age=300"  # not hashed
    assert gzip.decompress(body) == built["script"]
    response, body = await fetch(server, "/widget/assets/frame-X1.js", "gzip, br")
    assert response.headers["content-encoding"] == "br" and body == built["br"]
    assert response.headers["cache-control"] == static_files.IMMUTABLE
    response, _ = await fetch(server, "/widget/assets/frame-X1.js.br", "br")
    assert response.status_code == 404


def test_accept_encoding_is_read_with_its_weights() -> None:
    assert static_files.accepted("gzip;q=0.8, BR, *;q=0.1, x;q=bad") == {
        "gzip": 0.8,
        "br": 1.0,
        "*": 0.1,
        "x": 0.0,
    }
    assert static_files.choose("gzip, br", ["br", "gzip"]) == "br"
    assert static_files.choose("gzip;q=1, br;q=0.9", ["br", "gzip"]) == "gzip"
    assert static_files.choose("", ["br", "gzip"]) is None


@pytest.mark.skipif(
    not (pages.APP_DIR / "index.html").is_file(), reason="the operator app is not built"
)
def test_the_real_build_has_brotli_and_gzip_copies_of_its_scripts() -> None:
    scripts = list((pages.APP_DIR / "assets").glob("*.js"))
    assert scripts
    for script in scripts:
        if script.stat().st_size > 1024:
            assert script.with_name(script.name + ".br").is_file(), script
            assert gzip.decompress(script.with_name(script.name + ".gz").read_bytes()) == (
                script.read_bytes()
            )
