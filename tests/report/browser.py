"""Open an HTML file in Debian's headless Chromium through Playwright (no network)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageCheck:
    """What the page did: console errors, failed requests, images and their natural sizes."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    title: str = ""


def open_in_chromium(path: Path, screenshot: Path) -> PageCheck:
    """Load `path` (file://), record console errors and every request, measure each
    image once loaded, and write a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    check = PageCheck()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda message: check.console_errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: check.page_errors.append(str(error)))
            page.on("request", lambda request: check.requests.append(request.url))
            page.goto(path.resolve().as_uri(), wait_until="load")
            check.title = page.title()
            check.images = page.evaluate(
                """() => Array.from(document.images).map(image => ({
                    complete: image.complete, width: image.naturalWidth, height: image.naturalHeight,
                    alt: image.alt, scheme: image.src.slice(0, 15)}))"""
            )
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return check
