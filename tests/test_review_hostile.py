"""The review API under hostile requests (issue 23, item 6): blank edits, control characters,
oversized edits and bodies, nesting that exhausts the JSON parser. Each is refused with the
documented JSON answer and leaves every file as it was, or is saved cleaned."""

from __future__ import annotations

import pytest

from digest.translate import memory
from tests.review_sites import client, publish_site
from tests.test_review import current, files, line, put

BLANKS = [
    "\u200b\u200c\u200d\u2060\ufeff",
    " \u00a0\u3000\u200f\u200e\u061c ",
    "\x00\x07\x1b\x7f",
    "\u202e\u2066 \u2069",
    "\ufffe\uffff",
]


@pytest.fixture
def folder(tmp_path):
    return publish_site(tmp_path / "site")


@pytest.fixture
def api(folder, store):
    with client(folder, store) as test_client:
        yield test_client


@pytest.mark.parametrize("english", BLANKS)
def test_an_edit_of_only_invisible_or_control_characters_is_empty(folder, store, api, english):
    before = files(folder)
    issue = current(api)
    response = put(api, issue, line(issue, 0, 0)["id"], english)
    assert response.status_code == 422
    assert response.json()["error"].startswith("an empty edit")
    assert files(folder) == before
    assert memory.entries(store) == []


def test_controls_and_bidi_overrides_are_taken_out_of_an_edit_before_it_is_saved(
    folder, store, api
):
    issue = current(api)
    target = line(issue, 0, 0)
    response = put(api, issue, target["id"], "Talks\x00 end\x1b]0;pwned\x07 in \u202eAlaska\ufffe")
    assert response.status_code == 200
    saved = line(response.json(), 0, 0)["en"]
    assert saved == "Talks end]0;pwned in Alaska"
    for path, text in files(folder).items():
        assert not any(c in text for c in "\x00\x1b\x07\u202e\ufffe"), path
    (kept,) = memory.entries(store)
    assert kept.en == saved


def test_an_edit_over_ten_times_its_arabic_is_refused(folder, store, api):
    before = files(folder)
    issue = current(api)
    target = line(issue, 0, 0)
    longest = max(10 * len(target["ar"]), 200)
    refused = put(api, issue, target["id"], "word " * (longest // 5) + "x")
    assert refused.status_code == 422
    assert f"at most {longest}" in refused.json()["error"]
    assert files(folder) == before
    assert put(api, issue, target["id"], "w" * longest).status_code == 200


def test_a_body_over_one_megabyte_is_refused_with_413_declared_or_streamed(folder, store, api):
    before = files(folder)
    issue = current(api)
    target = line(issue, 0, 0)["id"]
    big = b'{"english": "' + b"a" * 1_000_001 + b'"}'
    declared = api.put(f"/api/lines/{target}", content=big, headers={"If-Match": issue["version"]})
    assert declared.status_code == 413
    assert "1,000,000 bytes" in declared.json()["error"]

    def chunks():
        yield b'{"english": "'
        for _ in range(2000):
            yield b"a" * 1000
        yield b'"}'

    streamed = api.put(f"/api/lines/{target}", content=chunks(), headers={"If-Match": "x"})
    assert streamed.status_code == 413
    assert files(folder) == before


@pytest.mark.parametrize(
    "nested", [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000]
)
def test_json_nested_past_the_parser_answers_400_json(folder, store, api, nested):
    before = files(folder)
    issue = current(api)
    response = api.put(
        f"/api/lines/{line(issue, 0, 0)['id']}",
        content=nested,
        headers={"If-Match": issue["version"], "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert "not JSON" in response.json()["error"]
    assert files(folder) == before


def resident_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) // 1024


def test_a_300_mb_body_sent_to_the_real_server_is_refused_without_being_held(tmp_path, store):
    import httpx

    from tests.review_sites import started, stop

    out = tmp_path / "site"
    publish_site(out)
    process, url, match = started(out)
    try:
        before = resident_mb(process.pid)

        def chunks():
            for _ in range(300):
                yield b"a" * 1_000_000

        answer = httpx.put(
            f"{url.split('/?')[0]}/api/lines/x",
            content=chunks(),
            headers={"Authorization": f"Bearer {match[2]}", "If-Match": "x"},
            timeout=60,
        )
        assert answer.status_code == 413
        assert resident_mb(process.pid) < before + 50
    finally:
        stop(process)
