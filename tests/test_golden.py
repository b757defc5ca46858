"""Golden files: the rendered output must match the committed files byte for byte.

The seeds are built with translation off (issue page, Markdown, plain text, site index, feed);
a hand-translated issue with a flagged bullet shows the English and review marks.
Regenerate after an intended change with: python -m pytest tests/test_golden.py --update-golden
"""

import pytest

from digest.pipeline import build
from digest.publish import render
from digest.settings import build_settings
from tests.conftest import GOLDEN, SEEDS
from tests.pages import summit_issue

SEEDS_OUTPUTS = [
    ("2025-08-16/index.html", "seeds.html"),
    ("2025-08-16/digest.md", "seeds.md"),
    ("2025-08-16/digest.txt", "seeds.txt"),
    ("index.html", "seeds-site-index.html"),
    ("feed.xml", "seeds-feed.xml"),
]


def check(produced: str, golden: str, update: bool) -> None:
    expected = GOLDEN / golden
    if update:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(produced, encoding="utf-8", newline="\n")
    assert produced == expected.read_text(encoding="utf-8"), (
        f"the output differs from {expected}; if the change is intended, run "
        "`python -m pytest tests/test_golden.py --update-golden` and review the diff"
    )


@pytest.mark.parametrize(("output", "golden"), SEEDS_OUTPUTS)
def test_seeds_without_translation_match_the_golden_files(
    tmp_path, update_golden, output, golden, store
):
    build(build_settings([SEEDS], out=tmp_path, translate=False), store)
    check((tmp_path / output).read_text(encoding="utf-8"), golden, update_golden)


@pytest.mark.parametrize("output", sorted(render.ISSUE_OUTPUTS))
def test_a_translated_issue_with_a_flagged_bullet_matches_the_golden_files(update_golden, output):
    files = render.render(summit_issue(), render.environment())
    check(files[output], f"summit.{output.rsplit('.', 1)[-1]}", update_golden)
