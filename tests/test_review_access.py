"""The review token stays home (issue 23, item 4): the browser is opened with a one-time code,
not the token, so a command line in /proc shows nothing reusable; the page keeps its key in its
own tab, not in a cookie every other local port would be sent; codes are spent once."""

from __future__ import annotations

import http.server
import threading
import time

import pytest
from playwright.sync_api import expect

from digest.review.access import CODE_TTL_S, Access
from tests.review_sites import client, finished, publish_site, stop
from tests.spawn import digest
from tests.test_browser import Visit, browser  # noqa: F401 (the fixture)


def test_a_code_is_good_for_one_exchange_within_its_time():
    now = [1000.0]
    access = Access("the-token", clock=lambda: now[0])
    code = access.code()
    key = access.exchange(code)
    assert key and key != "the-token" and access.allows(key)
    assert access.exchange(code) is None, "spent"
    late = access.code()
    now[0] += CODE_TTL_S + 1
    assert access.exchange(late) is None, "expired"
    assert access.allows("the-token") and not access.allows("") and not access.allows(code)
    assert not access.allows("\udcff" + key), "an undecodable header is refused, not an error"


def test_the_exchange_answers_json_and_refuses_a_spent_code_or_another_origin(tmp_path, store):
    folder = publish_site(tmp_path / "site")
    with client(folder, store) as api:
        code = api.post("/api/codes").json()["code"]
        api.headers.pop("Authorization")
        assert api.post("/api/codes").status_code == 401, "only the token holder mints codes"
        foreign = api.post(
            "/api/session", json={"code": code}, headers={"Origin": "http://127.0.0.1:9"}
        )
        assert foreign.status_code == 403
        assert api.post("/api/session", json={"code": code}).status_code == 200
        again = api.post("/api/session", json={"code": code})
        assert again.status_code == 401 and "used or has expired" in again.json()["error"]
        assert api.post("/api/session", content=b"[" * 100_000).status_code == 400


class Recorder(http.server.BaseHTTPRequestHandler):
    """Another web server on 127.0.0.1: writes down the Cookie header of each request."""

    cookies: list[str | None] = []

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        Recorder.cookies.append(self.headers.get("Cookie"))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"another local server")

    def log_message(self, *args):
        pass


def browser_script(tmp_path):
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser"
    script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    script.chmod(0o755)
    return opened, str(script)


def wait_for(path, lines=1):
    for _ in range(200):
        if path.exists() and path.read_text().count("\n") >= lines:
            return path.read_text().splitlines()
        time.sleep(0.05)
    pytest.fail(f"{path} never got {lines} line(s)")


def test_the_browser_gets_a_one_time_code_and_no_other_port_sees_a_token(
    tmp_path,
    browser,  # noqa: F811
):
    out = tmp_path / "site"
    publish_site(out)
    opened, script = browser_script(tmp_path)
    process = digest("review", "--out", out, env={"BROWSER": script})
    url = process.stdout.readline().strip()
    token = url.split("?token=", 1)[1]
    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    try:
        (given,) = wait_for(opened)
        assert token not in given and "?code=" in given, given
        assert given.split("/?")[0] == url.split("/?")[0]

        visit = Visit(browser, given)
        page = visit.page
        page.wait_for_selector(".story")
        assert page.url.endswith("/") and "code" not in page.url
        assert browser.cookies() == [], "nothing another port could be sent"
        page.reload(wait_until="load")
        page.wait_for_selector(".story")

        Recorder.cookies.clear()
        elsewhere = Visit(browser, f"http://127.0.0.1:{other.server_address[1]}/")
        assert Recorder.cookies == [None]
        stolen = elsewhere.page.evaluate("sessionStorage.length")
        assert stolen == 0, "another port's page cannot read the key"

        replayed = Visit(browser, given)
        expect(replayed.page.locator("#error")).to_contain_text("used or has expired")
        assert replayed.page.locator(".story").count() == 0

        code, printed, err = finished(digest("review", "--out", out, env={"BROWSER": script}))
        assert code == 0, err
        first, second = wait_for(opened, 2)
        assert token not in second and "?code=" in second and second != first
        assert printed == f"digest review is already running for this folder: {url}\n"
        assert visit.errors == [] and elsewhere.errors == []
        for each in (visit, elsewhere, replayed):
            each.page.close()
    finally:
        other.shutdown()
        stop(process)
