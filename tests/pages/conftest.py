"""Page tests run the app through Streamlit's AppTest, in the test process itself."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def keep_the_main_module() -> Iterator[None]:
    """AppTest executes a script as `__main__` and leaves it in sys.modules. A later `spawn` worker pool
    (the simulator's seed) would then start its workers by running that page script, and hang: put the
    test runner's own `__main__` back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main
