"""The static site: issue folders, the index and archive, the Atom feed, built over several days."""

import dataclasses
import datetime as dt
import hashlib
import logging
import os
import subprocess
import sys

import feedparser
import pytest

from digest.errors import TemplateError
from digest.news import Approval, Edit
from digest.publish import archive, render, site
from tests.conftest import ROOT, SEEDS
from tests.pages import flood_issue, parse, summit_issue


def snapshot(folder):
    """Every file under a folder with its bytes' hash and its modification time."""
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cli_build(out, *args):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "digest",
            "build",
            str(SEEDS),
            "--no-translate",
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def reviewed(issue):
    """The issue as an editor leaves it: a corrected headline, a resolved flag, an approval."""
    first = issue.stories[0]
    edit = Edit(machine=first.headline.en, flag="too short", by="Rana", at="2026-11-30T06:00:00Z")
    headline = dataclasses.replace(first.headline, en="The edited headline", review=None, edit=edit)
    story = dataclasses.replace(first, headline=headline)
    return dataclasses.replace(
        issue,
        stories=(story, *issue.stories[1:]),
        signature=dataclasses.replace(issue.signature, reviewed_by="Rana"),
        approval=Approval(by="Rana", at="2026-11-30T06:05:00Z"),
    )


def test_issue_json_round_trips_the_issue():
    for issue in (summit_issue(), flood_issue(), reviewed(summit_issue())):
        assert archive.issue_from_json(archive.issue_to_json(issue)) == issue
    assert str(reviewed(summit_issue()).signature).endswith("|reviewed:Rana")


def test_a_two_issue_site_lists_both_newest_first(tmp_path):
    env = render.environment()
    site.publish(tmp_path, flood_issue(), env)
    site.publish(tmp_path, summit_issue(), env)

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-03-10",
        "2025-08-16",
        "assets",
        "feed.xml",
        "index.html",
    ]
    assert (tmp_path / "assets" / "digest.css").read_text() == (
        render.bundled("templates") / "assets" / "digest.css"
    ).read_text()

    page = parse((tmp_path / "index.html").read_text(encoding="utf-8"))
    (newest,) = [s for s in page.find_all("section") if s.attrs.get("class") == "newest"]
    assert [h.text for h in newest.find_all("h2")] == [
        "Latest issue: 2025-08-16 · 1 story",
        "Contents",
    ]
    (contents,) = newest.find_all("nav")
    assert [a.attrs["href"] for a in contents.find_all("a")] == [
        f"2025-08-16/index.html#{summit_issue().stories[0].id}"
    ]
    assert "Trump says he made great progress in his meeting with Putin" in contents.text
    assert not newest.find_all("article"), "the newest issue is linked, not repeated"
    (archive,) = [o for o in page.find_all("ol") if o.attrs.get("class") == "archive"]
    entries = archive.find_all("li")
    assert [e.find_all("a")[0].attrs["href"] for e in entries] == [
        "2025-08-16/index.html",
        "2025-03-10/index.html",
    ]
    assert "Five dead in floods in Tunisia's Sfax" in entries[1].text
    hrefs = {a.attrs["href"] for a in page.find_all("a")}
    assert {"2025-03-10/digest.md", "2025-03-10/digest.txt", "feed.xml"} <= hrefs
    (stylesheet,) = page.find_all("link")[:1]
    assert stylesheet.attrs["href"] == "assets/digest.css"


def test_the_feed_has_one_entry_per_issue_dated_by_the_issue(tmp_path):
    env = render.environment()
    for issue in (flood_issue(), summit_issue()):
        site.publish(tmp_path, issue, env)
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "Arabic press digest"
    assert feed.feed.updated == "2025-08-16T00:00:00Z"
    assert [e.title for e in feed.entries] == [
        "Arabic press digest · 2025-08-16",
        "Arabic press digest · 2025-03-10",
    ]
    assert [e.published for e in feed.entries] == ["2025-08-16T00:00:00Z", "2025-03-10T00:00:00Z"]
    assert [e.link for e in feed.entries] == ["2025-08-16/index.html", "2025-03-10/index.html"]
    assert len({e.id for e in feed.entries}) == 2 and all(
        e.id.startswith("urn:uuid:") for e in feed.entries
    )
    content = feed.entries[1].content[0].value
    assert 'lang="ar"' in content and "Five people died in floods" in content
    assert feed.entries[0].summary.startswith("1 story: Trump says")


def test_adding_a_date_leaves_older_issue_folders_untouched(tmp_path):
    first = cli_build(tmp_path, "--date", "2025-08-15")
    assert first.returncode == 0, first.stderr
    before = snapshot(tmp_path / "2025-08-15")
    index_before = (tmp_path / "index.html").read_text()

    second = cli_build(tmp_path, "--date", "2025-08-16")
    assert second.returncode == 0, second.stderr
    after = snapshot(tmp_path / "2025-08-15")
    assert {k: v for k, v in after.items() if k != "index.html"} == {
        k: v for k, v in before.items() if k != "index.html"
    }
    older_page = (tmp_path / "2025-08-15" / "index.html").read_text()
    assert 'href="../2025-08-16/index.html" rel="next"' in older_page, "only its next link is new"
    assert (
        'href="../2025-08-15/index.html" rel="prev"'
        in (tmp_path / "2025-08-16" / "index.html").read_text()
    )
    index = (tmp_path / "index.html").read_text()
    assert index != index_before
    assert index.index('href="2025-08-16/index.html"') < index.index('href="2025-08-15/index.html"')
    assert len(feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries) == 2


def test_rebuilding_a_date_replaces_it_and_keeps_the_others_listed(tmp_path):
    env = render.environment()
    site.publish(tmp_path, flood_issue(), env)
    site.publish(tmp_path, summit_issue(), env)
    older = snapshot(tmp_path / "2025-03-10")

    shorter = summit_issue()
    shorter = dataclasses.replace(
        shorter,
        stories=(dataclasses.replace(shorter.stories[0], bullets=shorter.stories[0].bullets[:1]),),
    )
    site.publish(tmp_path, shorter, env)
    assert archive.read_archive(tmp_path) == [shorter, flood_issue()]
    assert snapshot(tmp_path / "2025-03-10") == older
    assert "Witkoff" not in (tmp_path / "2025-08-16" / "digest.txt").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging left behind"


def test_the_archive_is_read_from_disk_and_skips_what_it_cannot_read(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(logging.getLogger("digest"), "propagate", True)
    env = render.environment()
    site.publish(tmp_path, flood_issue(), env)
    (tmp_path / "2025-01-01").mkdir()
    (tmp_path / "2025-01-01" / "index.html").write_text("built by an older digest")
    (tmp_path / "2025-01-02").mkdir()
    (tmp_path / "2025-01-02" / "issue.json").write_text("{not json")
    (tmp_path / "2025-01-03").mkdir()
    (tmp_path / "2025-01-03" / "issue.json").write_text(archive.issue_to_json(flood_issue()))
    (tmp_path / ".2025-01-04-abc").mkdir()
    (tmp_path / "drafts").mkdir()

    with caplog.at_level(logging.WARNING, logger="digest"):
        site.publish(tmp_path, summit_issue(), env)
    assert [i.date for i in archive.read_archive(tmp_path)] == [
        dt.date(2025, 8, 16),
        dt.date(2025, 3, 10),
    ]
    warnings = "\n".join(r.getMessage() for r in caplog.records)
    assert f"{tmp_path / '2025-01-01'} has no issue.json" in warnings
    assert f"{tmp_path / '2025-01-02' / 'issue.json'} is unreadable" in warnings
    assert "holds the issue of 2025-03-10, not 2025-01-03" in warnings
    assert (tmp_path / "2025-01-01" / "index.html").read_text() == "built by an older digest"


def test_a_template_error_leaves_the_site_as_it_was(tmp_path):
    site.publish(tmp_path, flood_issue(), render.environment())
    before = snapshot(tmp_path)
    templates = tmp_path.parent / f"{tmp_path.name}-templates"
    templates.mkdir()
    (templates / "index.html.j2").write_text("<html>\n{{ issues[0].nope }}\n")
    with pytest.raises(TemplateError, match=r"index.html.j2, line 2: "):
        site.publish(tmp_path, summit_issue(), render.environment(templates))
    assert snapshot(tmp_path) == before


def test_the_cli_reports_a_template_error_with_file_and_line(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "newsletter.md.j2").write_text("# {{ issue.title }}\n{% if %}\n")
    result = cli_build(tmp_path / "out", "--templates", str(templates))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {templates / 'newsletter.md.j2'}, line 2: Expected an expression, got 'end of statement block'"
    )
    assert not (tmp_path / "out").exists()


def test_the_cli_builds_with_user_templates_and_falls_back_for_the_rest(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "newsletter.txt.j2").write_text("{{ issue.title | upper }}\n")
    result = cli_build(tmp_path / "out", "--templates", str(templates))
    assert result.returncode == 0, result.stderr
    issue = tmp_path / "out" / "2025-08-16"
    assert (issue / "digest.txt").read_text() == "ARABIC PRESS DIGEST\n"
    assert (issue / "digest.md").read_text().startswith("# Arabic press digest\n")


def test_a_missing_template_folder_is_a_usage_error(tmp_path):
    result = cli_build(tmp_path / "out", "--templates", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert f"--templates {tmp_path / 'nope'}: no such folder" in result.stderr


def test_the_same_builds_give_byte_identical_sites(tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        for date in ("2025-08-15", "2025-08-16"):
            assert cli_build(out, "--date", date).returncode == 0
    first, second = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")

    def pages(files):
        """Pagefind writes a filter's values in hash order, so its shards may differ in bytes."""
        return {k: v[0] for k, v in files.items() if not k.startswith("pagefind/")}

    assert pages(first) == pages(second)
    assert len(pages(first)) == 2 * 4 + 5, sorted(pages(first))
    assert "pagefind/ar/pagefind.js" in first and "pagefind/ar/pagefind.js" in second


def test_site_files_are_readable_by_a_web_server(tmp_path):
    """With the usual umask (set here: a CI runner's may be 002 or 077) the site is 0644."""
    previous = os.umask(0o022)
    try:
        site.publish(tmp_path, flood_issue(), render.environment())
    finally:
        os.umask(previous)
    for path in [
        tmp_path / "index.html",
        tmp_path / "feed.xml",
        tmp_path / "assets" / "digest.css",
    ]:
        assert path.stat().st_mode & 0o777 == 0o644, path
