"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

import shutil

import pytest

from tests.conftest import load_reference_and_demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run",
        ],
    }


@pytest.fixture
def site(transactional_db, live_server):
    """The live server with the geography and demo personas (the flush of a previous browser test
    empties the tables, so they are loaded again)."""
    load_reference_and_demo()
    return live_server.url


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
