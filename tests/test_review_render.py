"""How a reviewed issue reads: an edited line carries a quiet "edited" mark and the reading key
says so, a flag resolved without a change shows nothing, and the signature names the reviewer.
Golden files, as tests/test_golden.py; regenerate with --update-golden and read the diff."""

from dataclasses import replace

import pytest

from digest.news import Approval, Bilingual, Edit
from digest.publish import render
from tests.pages import summit_issue
from tests.test_golden import check

AT = "2025-08-16T07:30:00+00:00"


def reviewed_issue():
    """The summit issue after review: the headline edited, the first bullet's English from the
    translation memory, the flagged bullet resolved as it was, and the issue approved."""
    issue = summit_issue()
    story = issue.stories[0]
    first, second, flagged = story.bullets
    headline = Bilingual(
        ar=story.headline.ar,
        en="Trump says talks with Putin made great progress",
        edit=Edit(machine=story.headline.en, flag=None, by="Rania", at=AT),
    )
    remembered = Bilingual(
        ar=first.line.ar,
        en="The Kremlin published a video of both presidents after the joint news conference in Anchorage, Alaska.",
        edit=Edit(machine=first.line.en, flag=None, by="Rania", at=AT, memory=True),
    )
    resolved = replace(
        flagged.line, review=None, edit=Edit(flagged.line.en, flagged.line.review, "Rania", AT)
    )
    story = replace(
        story,
        headline=headline,
        bullets=(replace(first, line=remembered), second, replace(flagged, line=resolved)),
    )
    return replace(
        issue,
        stories=(story,),
        approval=Approval("Rania", AT),
        signature=replace(issue.signature, reviewed_by="Rania"),
    )


@pytest.mark.parametrize("output", ["index.html", "digest.md", "digest.txt"])
def test_a_reviewed_issue_matches_the_golden_files(update_golden, output):
    files = render.render(reviewed_issue(), render.environment())
    check(files[output], f"summit-reviewed.{output.rsplit('.', 1)[-1]}", update_golden)


def test_edited_lines_are_marked_and_a_resolved_flag_is_not():
    files = render.render(reviewed_issue(), render.environment())
    assert files["digest.md"].count("_(edited)_") == 2
    assert files["digest.txt"].count("[edited]") == 3, "two lines and the reading key"
    assert files["index.html"].count('class="edited"') == 2
    for text in files.values():
        assert "check the translation" not in text.lower()
        assert "reviewed:Rania" in text
    assert "editor's correction" in files["digest.md"]
    plain = render.render(summit_issue(), render.environment())
    assert "editor's correction" not in plain["digest.md"] and "edited" not in plain["digest.md"]
