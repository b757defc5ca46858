"""`digest build` end to end through the CLI, on the seeds, with tiny real models."""

import datetime as dt
import logging
import os
import subprocess
import sys

import pytest

from digest.pipeline import build
from digest.settings import build_settings, resolve
from digest.state.store import Store
from tests.conftest import ROOT, SEEDS
from tests.pages import parse

SEED_TEXT = "".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt"))


def digest(*args, env=None, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "digest", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_marian, tiny_nllb):
    """Both tiny models, each through the real CLI on seeds/, each with a state file of its own
    (module-scoped, this runs before the per-test isolation: it must name its own)."""
    runs = {}
    for kind, folder in (("marian", tiny_marian), ("nllb", tiny_nllb)):
        out = tmp_path_factory.mktemp(f"site-{kind}")
        state = {"DIGEST_STATE": str(tmp_path_factory.mktemp(f"state-{kind}") / "s.sqlite3")}
        result = digest("build", "seeds/", "--model-dir", folder, "--out", out, env=state)
        runs[kind] = (result, out, folder)
    return runs


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_each_build_translates_with_its_model_not_from_a_cache(built, kind):
    result, _, _ = built[kind]
    assert result.returncode == 0, result.stderr
    assert "0 from the cache" in result.stderr and ", 0 translated" not in result.stderr


@pytest.mark.parametrize("kind", ["marian", "nllb"])
def test_build_writes_markdown_and_html_for_every_story(built, kind):
    result, out, folder = built[kind]
    assert result.returncode == 0, result.stderr
    issue = out / "2025-08-16"
    assert sorted(p.name for p in out.iterdir()) == [
        "2025-08-16",
        "assets",
        "feed.xml",
        "index.html",
        "pagefind",
        "search.html",
    ]
    assert sorted(p.name for p in issue.iterdir()) == [
        "digest.md",
        "digest.txt",
        "index.html",
        "issue.json",
    ]
    assert f"wrote {issue}" in result.stdout

    page = parse((issue / "index.html").read_text(encoding="utf-8"))
    stories = page.find_all("article")
    assert len(stories) == 1, "the two seeds tell one event and make one story"
    for story in stories:
        headline = story.find_all("h2")[0]
        assert headline.attrs["lang"] == "en" and headline.text.strip()
        bullets = story.find_all("li")
        assert len(bullets) >= 2
        for bullet in bullets:
            lines = [p for p in bullet.find_all("p") if p.attrs.get("class") != "flag"]
            english, arabic = lines[:2]
            assert english.attrs["lang"] == "en" and english.text.strip()
            assert (arabic.attrs["lang"], arabic.attrs["dir"]) == ("ar", "rtl")
            assert arabic.text.strip() in SEED_TEXT
    footer = page.find_all("footer")[0].text
    assert (
        f"model:{folder.name}" in footer
        and "backend:transformers" in footer
        and "digest:0.1.0" in footer
    )

    markdown = (issue / "digest.md").read_text(encoding="utf-8")
    assert markdown.count("\n## ") == 1
    assert markdown.count("\n  > ") >= 4
    assert "[not translated]" not in markdown


def test_the_model_is_loaded_once_per_build(tmp_path, tiny_marian, monkeypatch, store):
    import transformers

    loads = []
    original = transformers.MarianMTModel.from_pretrained
    monkeypatch.setattr(
        transformers.MarianMTModel,
        "from_pretrained",
        lambda *a, **k: loads.append(a) or original(*a, **k),
    )
    result = build(build_settings([SEEDS], out=tmp_path, model_dir=tiny_marian), store)
    assert len(loads) == 1
    assert len(result.issue.stories) == 1


def test_model_dir_from_the_environment(tmp_path, tiny_marian, monkeypatch, store):
    monkeypatch.setenv("DIGEST_MODEL_DIR", str(tiny_marian))
    resolved = resolve({"sources": [SEEDS], "out": tmp_path}, os.environ, None)
    result = build(resolved.build, store)
    assert result.issue.signature.model == tiny_marian.name


def test_same_input_gives_byte_identical_files(tmp_path, tiny_marian, caplog):
    """Two builds that both run the model: each has its own state, so neither reads a cache."""
    caplog.set_level(logging.INFO, logger="digest")
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        build(
            build_settings([SEEDS], out=out, model_dir=tiny_marian), Store(out.with_suffix(".db"))
        )
    runs = [r.getMessage() for r in caplog.records if r.getMessage().startswith("translation:")]
    assert len(runs) == 2 and all(", 0 from the cache," in line for line in runs)
    for name in ("index.html", "digest.md", "digest.txt", "issue.json"):
        assert (first / "2025-08-16" / name).read_bytes() == (
            second / "2025-08-16" / name
        ).read_bytes()


def test_rebuilding_a_date_replaces_it_whole(tmp_path, store):
    build(build_settings([SEEDS], out=tmp_path, translate=False), store)
    (tmp_path / "2025-08-16" / "stale.txt").write_text("from an older build")
    build(build_settings([SEEDS], out=tmp_path, translate=False, bullets=2), store)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-08-16",
        "assets",
        "feed.xml",
        "index.html",
        "pagefind",
        "search.html",
    ]
    assert sorted(p.name for p in (tmp_path / "2025-08-16").iterdir()) == [
        "digest.md",
        "digest.txt",
        "index.html",
        "issue.json",
    ]
    assert (tmp_path / "2025-08-16" / "digest.md").read_text().count("\n- ") == 2


@pytest.mark.parametrize(
    ("args", "date"),
    [
        (["--date", "2026-01-31"], dt.date(2026, 1, 31)),
        ([], dt.date(2025, 8, 16)),
    ],
)
def test_issue_date(tmp_path, args, date):
    result = digest("build", "seeds/", "--no-translate", "--out", tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / date.isoformat() / "index.html").exists()


def test_issue_date_is_today_when_no_article_has_one(tmp_path, store):
    """Today as read before and after the build: a build that runs across midnight may take
    either day, and must take one of them."""
    before = dt.date.today()
    result = build(
        build_settings([SEEDS / "000_b8ca79493ea0142d.txt"], out=tmp_path, translate=False), store
    )
    assert result.issue.date in {before, dt.date.today()}


def test_one_bad_article_is_reported_and_skipped_unless_strict(tmp_path):
    sources = tmp_path / "in"
    sources.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (sources / seed.name).write_bytes(seed.read_bytes())
    (sources / "003_empty.txt").write_text("   \n")

    lenient = digest("build", sources, "--no-translate", "--out", tmp_path / "lenient")
    assert lenient.returncode == 0
    assert f"could not process {sources / '003_empty.txt'}: no article text found" in lenient.stderr
    assert (tmp_path / "lenient" / "2025-08-16" / "index.html").exists()

    strict = digest("build", sources, "--no-translate", "--strict", "--out", tmp_path / "strict")
    assert strict.returncode == 1
    assert (
        strict.stderr.strip()
        .splitlines()[-1]
        .startswith("error: 1 of 3 articles could not be processed")
    )
    assert not (tmp_path / "strict").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope/"], "no such file or folder: nope/"),
        (["seeds/", "--bullets", "0"], "--bullets must be at least 1"),
        (["seeds/", "--date", "16/08/2025"], "is not a date"),
        (["seeds/", "--model", "gpt"], "unknown model 'gpt'"),
    ],
)
def test_usage_errors_exit_2(tmp_path, args, message):
    result = digest("build", *args, "--out", tmp_path / "site")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site").exists()


def test_debug_shows_the_traceback(tmp_path):
    result = digest("build", "seeds/", "--model", "gpt", "--debug", "--out", tmp_path)
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_article_text_cannot_inject_markup(tmp_path, store):
    article = tmp_path / "a.txt"
    article.write_text(
        "---\nurl: javascript:alert(1)\nsource: <b>X</b>\n---\n"
        "قال المتحدث <script>alert(1)</script> إن الوضع *هادئ* تماما. وأضاف أن [الرابط](http://x) لا يعمل.\n",
        encoding="utf-8",
    )
    build(
        build_settings([article], out=tmp_path / "out", date=dt.date(2025, 1, 1), translate=False),
        store,
    )
    html = (tmp_path / "out" / "2025-01-01" / "index.html").read_text()
    markdown = (tmp_path / "out" / "2025-01-01" / "digest.md").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<b>X</b>" not in html and "javascript:" not in html
    assert "javascript:" not in markdown
    assert r"\*هادئ\*" in markdown and r"\[الرابط\]" in markdown and r"\<script\>" in markdown


def test_help_imports_no_heavy_library():
    probe = (
        "import sys\n"
        "from digest.cli import app\n"
        "for args in (['--help'], ['build', '--help'], ['models', '--help']):\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers', 'sentencepiece', 'sklearn', 'scipy', 'ctranslate2', 'starlette', 'uvicorn'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_version():
    from digest import __version__

    assert digest("--version").stdout.strip() == f"digest {__version__}"
