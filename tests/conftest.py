import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.pop("DIGEST_MODEL_DIR", None)
os.environ.setdefault("TZ", "UTC")

from pathlib import Path

import pytest

from digest.state.store import Store
from tests.tiny_models import build_marian, build_nllb

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite the golden files from the current output instead of comparing",
    )


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    return build_marian(tmp_path_factory.mktemp("models") / "tiny-marian")


@pytest.fixture(scope="session")
def tiny_nllb(tmp_path_factory) -> Path:
    return build_nllb(tmp_path_factory.mktemp("models") / "tiny-nllb")


@pytest.fixture(autouse=True)
def isolated_hf_cache(tmp_path, monkeypatch):
    """No test may see (or fill) the machine's real Hugging Face cache."""
    import huggingface_hub.constants

    cache = tmp_path / "hf-home" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))


@pytest.fixture(scope="session", autouse=True)
def guarded_home(tmp_path_factory):
    """No test may touch the user's home: HOME is an empty folder for the whole run (the XDG
    folders under it), and the run fails if anything was created there. Session-wide, so a
    module- or session-scoped fixture that runs before the per-test isolation is caught too."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        for variable in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            patch.delenv(variable, raising=False)
        yield home
    created = sorted(str(path.relative_to(home)) for path in home.rglob("*"))
    if created:
        pytest.fail(f"tests wrote under $HOME: {', '.join(created[:10])}", pytrace=False)


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch) -> Path:
    """Each test gets its own SQLite state file (translation cache, deliveries, seen articles);
    DIGEST_STATE points the commands a test starts at it."""
    path = tmp_path / "state" / "digest.sqlite3"
    monkeypatch.setenv("DIGEST_STATE", str(path))
    return path


@pytest.fixture
def store(isolated_state) -> Store:
    """The test's state database, as the library is handed it."""
    return Store(isolated_state)


SHARED_DATA = ROOT.parent / "shared" / "data"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "real_data(*folders): the test reads these folders of ../shared/data (FLORES-200, EASC, "
        "NTREX, the real pages); skipped where they are missing, a failure under CI",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture reads the data: a machine without ../shared/data skips the real-data
    suites, saying which folder is missing, but CI (CI=true) must have it, so there they fail
    instead of passing by skipping."""
    for mark in item.iter_markers("real_data"):
        missing = [name for name in mark.args if not (SHARED_DATA / name).is_dir()]
        if missing:
            reason = (
                f"{', '.join(str(SHARED_DATA / name) for name in missing)} missing: this suite "
                "reads the real data in ../shared/data (see ../shared/data/README.md)"
            )
            if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
                pytest.fail(f"{reason}; under CI that is a failure, not a skip", pytrace=False)
            pytest.skip(reason)


STORIES = Path(__file__).resolve().parent / "fixtures" / "stories"
