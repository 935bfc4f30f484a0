"""Walk the submission path in headless Chromium against a running portal and save a PNG of each page.

Usage: python scripts/screenshots.py [BASE_URL] [OUT_DIR]   (a portal from `make run` on the demo data)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
PASSWORD = "ilms-demo-2026"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def login(page: Page, username: str) -> None:
    page.goto(f"{BASE}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def logout(page: Page) -> None:
    page.click("text=Sign out")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    sample = OUT / "tha_sample.csv"
    subprocess.run([sys.executable, "manage.py", "sample_file", "THA", "-o", str(sample)], check=True)
    broken = OUT / "tha_broken.csv"
    broken.write_text(sample.read_text().replace(",SEX_F,", ",SEX_Z,", 3).replace(",2025,", ",2019,", 2))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(BASE)
        shot(page, "01-home-anonymous")
        login(page, "fp_tha")
        shot(page, "02-home-focal-point")
        for name, path in (("invalid", broken), ("valid", sample)):
            page.goto(f"{BASE}/submissions/new/")
            shot(page, "03-upload") if name == "invalid" else None
            page.set_input_files("#id_file", str(path))
            page.click("text=Upload and check")
            page.wait_for_selector(f".status-panel .status-{name}", timeout=60_000)
            shot(page, f"04-report-{name}")
        page.click("text=Submit for review")
        shot(page, "05-submitted")
        logout(page)
        login(page, "reviewer")
        page.goto(f"{BASE}/review/")
        shot(page, "06-review-queue")
        page.click("table.grid a")
        shot(page, "07-review-detail")
        page.click("text=Approve and publish")
        page.wait_for_selector(".status-panel .status-published", timeout=60_000)
        shot(page, "08-published")
        page.goto(f"{BASE}/data/")
        shot(page, "09-data-index")
        page.goto(f"{BASE}/data/MST_TEMP_SEX_ECO_CBR_NB/THA/")
        shot(page, "10-data-table")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{BASE}/submissions/")
        shot(page, "11-submissions-mobile")
        browser.close()


if __name__ == "__main__":
    main()
