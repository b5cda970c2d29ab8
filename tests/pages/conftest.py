"""Page tests run the app through Streamlit's AppTest, in the test process itself."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import pytest

from pipeline.settings import get_settings


@pytest.fixture(autouse=True)
def keep_the_main_module() -> Iterator[None]:
    """AppTest executes a script as `__main__` and leaves it in sys.modules. A later `spawn` worker pool
    (the simulator's seed) would then start its workers by running that page script, and hang: put the
    test runner's own `__main__` back after every test."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def point_app_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], None]]:
    """Point the app at a database (None: at no database at all, so a refused role cannot read one)."""

    def point(url: str | None) -> None:
        if url is None:
            monkeypatch.delenv("DATABASE_URL", raising=False)
        else:
            monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()

    yield point
    get_settings.cache_clear()
