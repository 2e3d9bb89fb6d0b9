"""How long a visitor waits from a click on the chat button to a chat ready for typing.

The loader prepares the chat frame once the host page has loaded and is idle
(``widget/src/loader/main.ts``); a click then only shows it. This measures both ways in
Debian's chromium against ``otklik run`` with the demo data, on the /demo host page:

* **prepared**: the page is loaded and idle, the frame prepared, then the click;
* **cold**: the page asks for less data (``navigator.connection.saveData``), so nothing is
  prepared and the click loads the frame — what every click cost before.

The time is taken inside the page: from the click to the frame's first input (the message
box, the pre-chat or the offline form) being laid out, polled every animation frame.

    python -m bench.widget_open [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from bench.server import fresh_otklik

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run"]

#: Click the launcher (inside its shadow root) and resolve with the milliseconds until the
#: frame shows something to type in.
CLICK_TO_READY = """(button) => new Promise((resolve) => {
  const start = performance.now();
  button.click();
  const ready = '[data-testid="message-input"], [data-testid="prechat-form"] input, '
    + '[data-testid="offline-form"] input';
  const poll = () => {
    const frame = button.getRootNode().querySelector('iframe');
    const input = frame && frame.contentDocument && frame.contentDocument.querySelector(ready);
    if (input && input.getClientRects().length && frame.getClientRects().length) {
      resolve(performance.now() - start);
    } else {
      requestAnimationFrame(poll);
    }
  };
  poll();
})"""

SAVE_DATA = "Object.defineProperty(navigator, 'connection', { value: { saveData: true } })"


def measure(browser: Browser, url: str, *, prepared: bool) -> float:
    context = browser.new_context(locale="ru-RU")
    try:
        if not prepared:
            context.add_init_script(SAVE_DATA)
        page = context.new_page()
        page.goto(url, wait_until="load")
        launcher = page.get_by_test_id("otklik-launcher")
        launcher.wait_for()
        if prepared:
            # the frame is there (hidden) and its app is mounted
            page.frame_locator('[data-testid="otklik-frame"]').get_by_test_id(
                "widget-app"
            ).wait_for(state="attached", timeout=30_000)
        handle = launcher.element_handle()
        assert handle is not None
        return float(page.evaluate(CLICK_TO_READY, handle))
    finally:
        context.close()


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[max(0, round(0.9 * len(ordered)) - 1)]
    return (
        f"{name:9} median {statistics.median(ordered):6.0f} ms   p90 {p90:6.0f} ms   "
        f"min {ordered[0]:5.0f}   max {ordered[-1]:5.0f}   (n={len(ordered)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="otklik-widget-open-"))
    env = fresh_otklik("sqlite", workdir)
    env.cli("migrate")
    env.cli("demo")
    with env.server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        url = f"{server.base_url}/demo"
        measure(browser, url, prepared=True)  # warm the server's caches and the disk
        results: dict[str, list[float]] = {"prepared": [], "cold": []}
        for _ in range(args.runs):
            for kind in results:
                results[kind].append(measure(browser, url, prepared=kind == "prepared"))
        browser.close()
    for kind, values in results.items():
        print(summary(kind, values))


if __name__ == "__main__":
    main()
