"""Golden files: the seeds rendered with translation off must match the committed output.

Regenerate after an intended change with: pytest tests/test_golden.py --update-golden
"""

import pytest

from digest.config import make_settings
from digest.pipeline import build
from tests.conftest import GOLDEN, SEEDS


@pytest.mark.parametrize(
    ("output", "golden"), [("digest.md", "seeds.md"), ("index.html", "seeds.html")]
)
def test_seeds_without_translation_match_the_golden_files(tmp_path, update_golden, output, golden):
    result = build(make_settings([SEEDS], out=tmp_path, translate=False))
    produced = (result.folder / output).read_text(encoding="utf-8")
    expected = GOLDEN / golden
    if update_golden:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(produced, encoding="utf-8", newline="\n")
    assert produced == expected.read_text(encoding="utf-8"), (
        f"{output} differs from {expected}; if the change is intended, run "
        "`pytest tests/test_golden.py --update-golden` and review the diff"
    )
