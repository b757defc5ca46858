"""`digest review`'s edit model and JSON API through Starlette's test client, on a published site:
each change is checked in issue.json and in the files readers get (issue page, Markdown, text,
site index, feed), and the refusals (no token, another origin, a stale version, an empty edit)
are checked to leave every file as it was."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from digest.news import Edit
from digest.publish import archive
from digest.review import edits
from digest.runs import holding
from digest.translate import memory
from tests.conftest import ROOT
from tests.pages import parse
from tests.review_sites import AT, EDITOR, ORIGIN, TOKEN, client, publish_site, session

AT_TEXT = AT.isoformat(timespec="seconds")
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & Co'


@pytest.fixture
def folder(tmp_path):
    return publish_site(tmp_path / "site")


@pytest.fixture
def api(folder, store):
    with client(folder, store) as test_client:
        yield test_client


def files(folder) -> dict[str, str]:
    """Every file of the site a reader or mail can see, by path."""
    out = folder.parent
    return {
        str(path.relative_to(out)): path.read_text(encoding="utf-8")
        for path in sorted(out.rglob("*"))
        if path.is_file() and not path.name.startswith(".") and path.suffix != ".sqlite3"
    }


def current(api) -> dict:
    response = api.get("/api/issue")
    assert response.status_code == 200
    return response.json()


def line(issue: dict, story: int, bullet: int | None = None) -> dict:
    found = issue["stories"][story]
    return found["headline"] if bullet is None else found["bullets"][bullet]


def put(api, issue: dict, line_id: str, english: str, **options):
    return api.put(
        f"/api/lines/{line_id}", json={"english": english, "version": issue["version"]}, **options
    )


ROUTES = [
    ("GET", "/api/issue"),
    ("POST", "/api/codes"),
    ("PUT", "/api/lines/x"),
    ("DELETE", "/api/lines/x"),
    ("POST", "/api/lines/x/resolve"),
    ("DELETE", "/api/stories/x"),
    ("POST", "/api/stories/order"),
    ("POST", "/api/approve"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_answers_401_without_the_token_or_with_a_wrong_one(folder, store, method, path):
    before = files(folder)
    with client(folder, store) as api:
        api.headers.pop("Authorization")
        assert api.request(method, path).status_code == 401
        wrong = api.request(method, path, headers={"Authorization": "Bearer not-it"})
        assert wrong.status_code == 401
        assert wrong.json() == {"error": "no valid token: open the URL `digest review` printed"}
        assert api.request(method, path, params={"token": TOKEN[:-1]}).status_code == 401
        cookie = {"Cookie": f"digest_review_testserver={TOKEN}"}
        assert api.request(method, path, headers=cookie).status_code == 401, "no cookie counts"
    assert files(folder) == before


def test_the_page_holds_no_data_needs_no_token_and_no_answer_sets_a_cookie(folder, store):
    with client(folder, store) as api:
        api.headers.pop("Authorization")
        page = api.get("/", params={"token": TOKEN}, follow_redirects=False)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert '<script src="/assets/review.js" defer></script>' in page.text
        assert "2025-08-16" not in page.text and TOKEN not in page.text
        script = api.get("/assets/review.js")
        assert script.headers["content-type"].startswith("text/javascript")
        assert api.get("/api/issue", params={"token": TOKEN}).json()["date"] == "2025-08-16"
        assert api.get("/api/issue", headers={"Authorization": f"Bearer {TOKEN}"}).is_success
        code = api.post("/api/codes", headers={"Authorization": f"Bearer {TOKEN}"}).json()["code"]
        key = api.post("/api/session", json={"code": code}).json()["key"]
        assert api.get("/api/issue", headers={"Authorization": f"Bearer {key}"}).is_success
        assert "set-cookie" not in page.headers and "set-cookie" not in script.headers
        assert not api.cookies


def test_a_write_from_another_origin_is_refused_and_a_foreign_host_too(folder, store, api):
    before = files(folder)
    issue = current(api)
    target = line(issue, 0, 0)["id"]
    refused = put(api, issue, target, "Changed", headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403
    assert "http://evil.example" in refused.json()["error"]
    other_port = put(api, issue, target, "Changed", headers={"Origin": "http://testserver:8080"})
    assert other_port.status_code == 403
    assert api.get("/api/issue", headers={"Host": "evil.example"}).status_code == 400
    assert files(folder) == before
    assert put(api, issue, target, "Changed", headers={"Origin": ORIGIN}).status_code == 200


def test_an_edit_is_kept_beside_the_machine_english_and_shows_in_every_output(folder, store, api):
    issue = current(api)
    bullet = line(issue, 0, 2)
    assert bullet["flag"] == "the sentence was longer than the model's input limit"
    machine = bullet["en"]
    english = "The meeting was held in a three-a-side format: Trump, Rubio and Witkoff for the US."
    response = put(api, issue, bullet["id"], english)
    assert response.status_code == 200
    after = response.json()
    assert after["version"] != issue["version"]
    assert response.headers["etag"] == f'"{after["version"]}"'
    edited = line(after, 0, 2)
    assert edited["id"] == bullet["id"]
    assert (edited["en"], edited["machine"], edited["flag"]) == (english, machine, None)
    assert edited["edit"] == {
        "machine": machine,
        "flag": "the sentence was longer than the model's input limit",
        "by": EDITOR,
        "at": AT_TEXT,
        "memory": False,
    }
    assert after["flags"] == issue["flags"] - 1 == 0

    saved = archive.read(folder).issue.stories[0].bullets[2].line
    assert saved.en == english and saved.review is None
    assert saved.edit == Edit(
        machine, "the sentence was longer than the model's input limit", EDITOR, AT_TEXT
    )
    written = files(folder)
    page = parse(written["2025-08-16/index.html"])
    (item,) = [
        p for p in page.find_all("p") if p.text.startswith("The meeting was held in a three")
    ]
    assert item.text == f"{english} edited"
    assert "Check the translation" not in written["2025-08-16/index.html"]
    assert "editor's correction" in written["2025-08-16/index.html"]
    assert f"- {english} _(edited)_" in written["2025-08-16/digest.md"]
    assert f"* {english} [edited]" in written["2025-08-16/digest.txt"].replace("\n   ", " ")
    assert "three-a-side" in written["feed.xml"]
    assert machine not in written["2025-08-16/digest.md"]


def test_a_headline_edit_reaches_the_site_index_and_the_feed(folder, store, api):
    issue = current(api)
    headline = line(issue, 1, None)
    assert (
        api.put(
            f"/api/lines/{headline['id']}",
            json={"english": "Floods kill five in Sfax"},
            headers={"If-Match": f'"{issue["version"]}"'},
        ).status_code
        == 200
    )
    written = files(folder)
    index = parse(written["index.html"])
    assert "Floods kill five in Sfax" in [li.text.strip() for li in index.find_all("li")]
    assert "Floods kill five in Sfax" in written["feed.xml"]
    assert "## 2. Floods kill five in Sfax _(edited)_" in written["2025-08-16/digest.md"]
    assert "Five dead in floods in Tunisia's Sfax" not in written["2025-08-16/index.html"]
    assert written["2025-03-10/index.html"].count("Next issue, 2025-08-16") == 1


@pytest.mark.parametrize("english", ["", "   ", "\n\t \u00a0"])
def test_an_empty_edit_is_refused_and_nothing_is_written(folder, store, api, english):
    before = files(folder)
    issue = current(api)
    response = put(api, issue, line(issue, 0, 0)["id"], english)
    assert response.status_code == 422
    assert (
        response.json()["error"] == "an empty edit: write the English, or leave the line as it is"
    )
    assert files(folder) == before


def test_an_edit_made_against_an_older_version_answers_409_and_overwrites_nothing(
    folder, store, api
):
    old = current(api)
    first = put(api, old, line(old, 0, 0)["id"], "First window's English")
    assert first.status_code == 200
    after_first = files(folder)
    stale = put(api, old, line(old, 0, 1)["id"], "Second window's English")
    assert stale.status_code == 409
    assert "reload it and make the change again" in stale.json()["error"]
    assert files(folder) == after_first
    for method, path, body in [
        ("DELETE", f"/api/stories/{old['stories'][1]['id']}", None),
        ("POST", "/api/approve", None),
        ("POST", "/api/stories/order", {"order": [s["id"] for s in reversed(old["stories"])]}),
    ]:
        answer = api.request(method, path, json=body, headers={"If-Match": f'"{old["version"]}"'})
        assert answer.status_code == 409, (method, path)
    assert files(folder) == after_first


def test_a_rebuild_of_the_date_since_the_page_loaded_makes_an_edit_stale(folder, store, api):
    issue = current(api)
    publish_site(folder.parent)  # a build of the same date, as `digest build` would publish it
    assert current(api)["version"] == issue["version"]  # the same issue gives the same file
    from dataclasses import replace

    from digest.publish import render, site

    rebuilt = archive.read(folder).issue
    site.publish(folder.parent, replace(rebuilt, title="Rebuilt"), render.environment())
    before = files(folder)
    assert put(api, issue, line(issue, 0, 0)["id"], "Too late").status_code == 409
    assert files(folder) == before


def test_a_build_that_publishes_during_a_save_wins_and_the_save_answers_409(folder, store):
    """The version is checked again under the site's lock: a build of the date that publishes
    between the editor's load and the save's publish is kept, and the save writes nothing."""
    from dataclasses import replace

    from digest.publish import render, site

    reviewing = session(folder, store)
    loaded = reviewing.load()

    def racing(issue):
        site.publish(folder.parent, replace(issue, title="Built meanwhile"), render.environment())
        return edits.edited(issue, next(iter(edits.places(issue))), "Too late", EDITOR, AT_TEXT)

    with pytest.raises(edits.Stale):
        reviewing.save(loaded.version, racing)
    assert archive.read(folder).issue.title == "Built meanwhile"
    assert "Too late" not in (folder / "digest.md").read_text()


def test_a_change_without_a_version_is_refused_with_428(folder, store, api):
    issue = current(api)
    response = api.put(f"/api/lines/{line(issue, 0, 0)['id']}", json={"english": "No version"})
    assert response.status_code == 428
    assert (
        api.put("/api/lines/x", content=b"{not json", headers={"If-Match": "1"}).status_code == 400
    )


def test_an_unknown_id_answers_404(folder, store, api):
    issue = current(api)
    assert put(api, issue, "s-nothing-hdeadbeef", "English").status_code == 404
    gone = api.delete("/api/stories/s-nothing", headers={"If-Match": issue["version"]})
    assert gone.status_code == 404 and "reload it" in gone.json()["error"]


def test_drop_a_story_and_a_bullet_recorded_with_who_and_when(folder, store, api):
    issue = current(api)
    summit, flood = issue["stories"]
    dropped = api.delete(f"/api/stories/{flood['id']}", headers={"If-Match": issue["version"]})
    assert dropped.status_code == 200
    after = dropped.json()
    assert [s["id"] for s in after["stories"]] == [summit["id"]]
    bullet = summit["bullets"][0]
    response = api.delete(f"/api/lines/{bullet['id']}", headers={"If-Match": after["version"]})
    assert response.status_code == 200
    final = response.json()
    assert [b["id"] for b in final["stories"][0]["bullets"]] == [
        b["id"] for b in summit["bullets"][1:]
    ]
    assert final["dropped"] == [
        {
            "story": flood["id"],
            "headline": flood["headline"]["en"],
            "line": None,
            "by": EDITOR,
            "at": AT_TEXT,
        },
        {
            "story": summit["id"],
            "headline": summit["headline"]["en"],
            "line": bullet["ar"],
            "by": EDITOR,
            "at": AT_TEXT,
        },
    ]
    saved = archive.read(folder).issue
    assert len(saved.stories) == 1 and len(saved.stories[0].bullets) == 2
    assert saved.dropped[0].story == flood["id"]
    written = files(folder)
    for name in (
        "2025-08-16/index.html",
        "2025-08-16/digest.md",
        "2025-08-16/digest.txt",
        "index.html",
        "feed.xml",
    ):
        assert "Sfax" not in written[name].split("2025-03-10")[0] or name == "index.html", name
        assert "Kremlin released a video" not in written[name], name
    assert "1 story" in written["2025-08-16/digest.md"]
    assert "Sfax" not in written["2025-08-16/digest.md"]


def test_the_last_story_and_a_story_s_last_bullet_cannot_be_dropped(folder, store, api):
    issue = current(api)
    summit, flood = issue["stories"]
    issue = api.delete(f"/api/stories/{flood['id']}", headers={"If-Match": issue["version"]}).json()
    last = api.delete(f"/api/stories/{summit['id']}", headers={"If-Match": issue["version"]})
    assert last.status_code == 422 and "only story" in last.json()["error"]
    for bullet in summit["bullets"][:-1]:
        issue = api.delete(
            f"/api/lines/{bullet['id']}", headers={"If-Match": issue["version"]}
        ).json()
    only = api.delete(
        f"/api/lines/{summit['bullets'][-1]['id']}", headers={"If-Match": issue["version"]}
    )
    assert only.status_code == 422 and "drop the story instead" in only.json()["error"]
    headline = api.delete(
        f"/api/lines/{summit['headline']['id']}", headers={"If-Match": issue["version"]}
    )
    assert headline.status_code == 422


def test_reorder_the_stories_ids_survive_and_the_outputs_follow(folder, store, api):
    issue = current(api)
    order = [s["id"] for s in reversed(issue["stories"])]
    response = api.post("/api/stories/order", json={"order": order, "version": issue["version"]})
    assert response.status_code == 200
    after = response.json()
    assert [s["id"] for s in after["stories"]] == order
    assert [line(after, 1, b)["id"] for b in range(3)] == [
        line(issue, 0, b)["id"] for b in range(3)
    ]
    markdown = files(folder)["2025-08-16/digest.md"]
    assert markdown.index("## 1. Five dead in floods") < markdown.index("## 2. Trump says")
    bad = api.post("/api/stories/order", json={"order": order[:1], "version": after["version"]})
    assert bad.status_code == 422
    assert (
        api.post("/api/stories/order", json={"order": "x", "version": after["version"]}).status_code
        == 400
    )


def test_resolving_a_flag_keeps_the_machine_english_unmarked(folder, store, api):
    issue = current(api)
    flagged = line(issue, 0, 2)
    response = api.post(
        f"/api/lines/{flagged['id']}/resolve", headers={"If-Match": issue["version"]}
    )
    assert response.status_code == 200
    resolved = line(response.json(), 0, 2)
    assert resolved["en"] == resolved["machine"] == flagged["en"]
    assert resolved["flag"] is None
    assert resolved["edit"]["flag"] == flagged["flag"] and resolved["edit"]["by"] == EDITOR
    written = files(folder)
    assert "Check the translation" not in written["2025-08-16/index.html"]
    assert "edited" not in written["2025-08-16/digest.md"]
    assert memory.entries(store) == []
    again = api.post(
        f"/api/lines/{flagged['id']}/resolve", headers={"If-Match": response.json()["version"]}
    )
    assert again.status_code == 422 and "no flag" in again.json()["error"]


def test_approve_signs_every_output_and_a_later_change_withdraws_it(folder, store, api):
    issue = current(api)
    response = api.post("/api/approve", headers={"If-Match": issue["version"]})
    assert response.status_code == 200
    approved = response.json()
    assert approved["approval"] == {"by": EDITOR, "at": AT_TEXT}
    assert approved["signature"].endswith("|reviewed:Rania")
    saved = archive.read(folder).issue
    assert saved.approval is not None and saved.signature.reviewed_by == EDITOR
    written = files(folder)
    for name in ("2025-08-16/digest.md", "2025-08-16/digest.txt"):
        assert "|reviewed:Rania" in written[name], name
    assert "reviewed:Rania" in written["2025-08-16/index.html"]
    assert api.post("/api/approve", headers={"If-Match": approved["version"]}).json() == approved

    edit = put(api, approved, line(approved, 0, 0)["id"], "A change after the approval")
    assert edit.json()["approval"] is None
    assert archive.read(folder).issue.approval is None
    assert "reviewed:" not in files(folder)["2025-08-16/digest.md"]


def test_edits_go_into_the_translation_memory_for_the_issue_s_model(folder, store, api):
    issue = current(api)
    headline, bullet = line(issue, 0), line(issue, 0, 1)
    issue = put(api, issue, headline["id"], "Trump: great progress with Putin").json()
    put(api, issue, bullet["id"], "Trump called the Alaska meeting “very productive”.")
    model = "opus-mt-tc-big-ar-en"
    kept = memory.recall(store, model, [headline["ar"], bullet["ar"], line(issue, 0, 0)["ar"]])
    assert kept[headline["ar"]].en == "Trump: great progress with Putin"
    assert kept[bullet["ar"]].en == "Trump called the Alaska meeting “very productive”."
    assert (kept[bullet["ar"]].by, kept[bullet["ar"]].at) == (EDITOR, AT_TEXT)
    assert line(issue, 0, 0)["ar"] not in kept


def test_an_untranslated_issue_has_no_english_to_edit(tmp_path, store):
    from digest.publish import render, site
    from tests.pages import arabic_only
    from tests.review_sites import review_issue

    folder = site.publish(tmp_path, arabic_only(review_issue()), render.environment()).folder
    reviewing = session(folder, store)
    snapshot = reviewing.load()
    first = next(iter(edits.places(snapshot.issue)))
    with pytest.raises(edits.BadChange, match="built without translation"):
        reviewing.edit(snapshot.version, first, "A headline the editor wrote")
    assert reviewing.load() == snapshot
    assert memory.entries(store) == []


def test_a_line_set_back_to_the_machine_english_leaves_the_memory(folder, store, api):
    issue = current(api)
    bullet = line(issue, 0, 1)
    issue = put(api, issue, bullet["id"], "A wrong correction").json()
    assert [e.en for e in memory.entries(store)] == ["A wrong correction"]
    back = put(api, issue, bullet["id"], bullet["machine"])
    assert back.status_code == 200 and line(back.json(), 0, 1)["en"] == bullet["machine"]
    assert memory.entries(store) == [], "a later build must not bring the wrong correction back"


def test_a_memory_that_cannot_be_written_saves_nothing_and_the_next_save_writes_both(
    folder, store, api, monkeypatch
):
    before = files(folder)
    issue = current(api)
    headline, bullet = line(issue, 0), line(issue, 0, 1)

    def locked(*args):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(memory, "remember_all", locked)
    failed = put(api, issue, headline["id"], "Trump: great progress with Putin")
    assert failed.status_code == 503
    assert failed.json()["error"].startswith("nothing was saved: the translation memory could")
    assert "database is locked" in failed.json()["error"]
    assert files(folder) == before, "the issue is not published ahead of its memory"
    monkeypatch.undo()
    issue = put(api, current(api), headline["id"], "Trump: great progress with Putin").json()
    put(api, issue, bullet["id"], "Trump called the Alaska meeting “very productive”.")
    kept = memory.recall(store, "opus-mt-tc-big-ar-en", [headline["ar"], bullet["ar"]])
    assert kept[headline["ar"]].en == "Trump: great progress with Putin"
    assert len(kept) == 2


HOSTILE_OUTPUTS = ["2025-08-16/index.html", "index.html", "feed.xml"]


def test_html_typed_into_an_edit_is_text_in_every_output_and_in_the_mail(
    folder, store, api, tmp_path
):
    issue = current(api)
    issue = put(api, issue, line(issue, 0)["id"], HOSTILE).json()
    assert put(api, issue, line(issue, 0, 0)["id"], HOSTILE).status_code == 200
    assert line(current(api), 0)["en"] == HOSTILE
    written = files(folder)
    for name in HOSTILE_OUTPUTS:
        assert "<script" not in written[name] and "<img" not in written[name], name
    page = parse(written["2025-08-16/index.html"])
    assert not page.find_all("script") and not page.find_all("img")
    assert page.find_all("h2")[1].text == f"{HOSTILE} edited"
    assert "&lt;script&gt;alert(" in written["2025-08-16/index.html"]
    assert "\\<script\\>" in written["2025-08-16/digest.md"]
    from markdown_it import MarkdownIt

    as_html = MarkdownIt("commonmark").render(written["2025-08-16/digest.md"])
    assert "<script" not in as_html and "<img" not in as_html
    assert "&lt;script&gt;alert(&quot;x&quot;)" in as_html
    assert "&amp;lt;script&amp;gt;" in written["feed.xml"]
    assert HOSTILE in written["2025-08-16/digest.txt"].replace("\n   ", " ")

    eml = tmp_path / "eml"
    sent = subprocess.run(
        [sys.executable, "-m", "digest", "send", "--config", tmp_path / "absent.toml",
         "--dry-run", eml, "--to", "me@example.org", "--out", folder.parent],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    import email
    from email import policy

    (message_file,) = eml.iterdir()
    message = email.message_from_bytes(message_file.read_bytes(), policy=policy.default)
    text, html = (part.get_content() for part in message.iter_parts())
    assert HOSTILE in " ".join(text.split())
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


KILLED_SAVE = """
import sys
from pathlib import Path
from digest.state.store import Store
from tests.review_sites import session

reviewing = session(Path(sys.argv[1]), Store(Path(sys.argv[2])))
snapshot = reviewing.load()
target = next(iter(__import__("digest.review.edits", fromlist=["places"]).places(snapshot.issue)))
number = 0
print("saving", flush=True)
while True:
    number += 1
    snapshot = reviewing.edit(snapshot.version, target, f"Edit number {number}")
"""


def test_a_process_killed_mid_save_leaves_the_issue_as_before_or_after(folder, tmp_path, store):
    """kill -9 a process that saves in a loop, at several moments: each time the issue folder is
    one whole save (its files agree with its issue.json), and the next save cleans up."""
    from digest.publish import render

    for delay in (0.4, 0.9, 1.3):
        process = subprocess.Popen(
            [sys.executable, "-c", KILLED_SAVE, str(folder), str(store.path)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert process.stdout.readline() == "saving\n"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        issue = archive.read(folder).issue
        headline = issue.stories[0].headline.en
        rendered = render.render(issue, render.environment(), older=dt.date(2025, 3, 10))
        for name in ("digest.md", "digest.txt", "index.html"):
            assert (folder / name).read_text(encoding="utf-8") == rendered[name], (delay, name)
        assert headline.startswith("Edit number")
        reviewing = session(folder, store)
        snapshot = reviewing.load()
        reviewing.edit(
            snapshot.version, edits.places(snapshot.issue).popitem()[0], f"After {delay}"
        )
        left = sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))
        assert left == [], left
        assert json.loads((folder / "issue.json").read_text())["issue"]["stories"]


def test_the_page_tells_the_editor_how_long_the_mail_waits(folder, store):
    with client(folder, store) as api:
        assert current(api)["mail"] is None, "without review = true mail does not wait"
    with client(folder, store, unapproved="skip") as api:
        assert current(api)["mail"] == {
            "held": None,
            "deadline": None,
            "unapproved": "skip",
            "outcome": None,
        }
        day = dt.date.fromisoformat(current(api)["date"])
        held = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
        holding.hold(store, day, folder, held, dt.timedelta(hours=2))
        assert current(api)["mail"] == {
            "held": "2026-11-30T07:00:00+00:00",
            "deadline": "2026-11-30T09:00:00+00:00",
            "unapproved": "skip",
            "outcome": None,
        }
        holding.decide(store, day, holding.SKIPPED, held + dt.timedelta(hours=2))
        assert current(api)["mail"]["outcome"] == "skipped"
