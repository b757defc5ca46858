"""The one rule for readers, as properties: whatever a text file, a JSON lines file, a page, a
feed or a URL's answer holds (bad URLs, deep nesting, lone surrogates, noncharacters, escape
sequences, huge fields, mixed encodings, compressed bodies), read_sources gives articles or one
`could not process` line per bad item, never an exception, and nothing unsafe reaches a reader.

The inputs are built by tests/hostile_inputs.py from choices Hypothesis makes here; the longer
run in benchmarks/fuzz_readers.py makes the same kinds of choice at random, 100,000 times.
"""

import itertools
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.ingest import read_sources
from digest.ingest.fetch import FetchOptions
from tests.hostile_inputs import (
    ARABIC,
    BAD_URLS,
    COMPRESSIONS,
    CONTENT_TYPES,
    DATES,
    ENCODINGS,
    HOSTILE,
    Answer,
    Handler,
    Server,
    broken_rules,
    compress,
    encode,
    feed,
    front_matter_text,
    html_page,
    json_line,
    text_of,
)

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
fragments = st.lists(
    st.sampled_from(ARABIC)
    | st.sampled_from(HOSTILE)
    | st.sampled_from(BAD_URLS)
    | st.text(max_size=6)
    | st.characters(categories=["Cs", "Cc", "Cf", "Co", "Cn"]),
    max_size=40,
)
texts = fragments.map(text_of)
huge = st.sampled_from(ARABIC).map(lambda word: (word + " ") * 30_000)
urls = st.sampled_from(BAD_URLS) | texts.map(lambda text: "https://example.org/a/" + text)
dates = st.sampled_from(DATES)
encodings = st.sampled_from(ENCODINGS)
paragraphs = st.lists(texts | huge, max_size=6)


def read(folder: Path, suffix: str, data: bytes):
    path = folder / f"input.{suffix}"
    path.write_bytes(data)
    return read_sources([path])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@PROPERTY
@given(texts, urls, dates, texts, paragraphs, st.booleans(), encodings)
def test_text_files(folder, title, url, date, source, body, front, encoding):
    text = "\n".join(body)
    document = front_matter_text(title, url, date, source, text) if front else text
    assert broken_rules(read(folder, "txt", encode(document, encoding))) == []


field_values = texts | urls | dates | st.none() | st.integers() | st.lists(texts, max_size=3)
records = st.fixed_dictionaries(
    {"title": texts, "text": paragraphs.map("\n".join), "url": urls, "published": dates},
    optional={"source": field_values, "paragraphs": field_values, "author": field_values},
)
json_lines = st.lists(
    st.builds(json_line, records, st.sampled_from([0, 0, 0, 1, 60, 100_000]), st.none() | texts),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(json_lines, st.sampled_from(["\n", "\r\n", "\u2028\n", "\u0085\n"]), encodings)
def test_json_lines(folder, lines, separator, encoding):
    assert broken_rules(read(folder, "jsonl", encode(separator.join(lines), encoding))) == []


pages = st.builds(
    html_page,
    texts,
    paragraphs,
    urls,
    dates,
    st.sampled_from([0, 1, 900, 100_000]),
    st.sampled_from([0, 10, 300, 3_000]),
)


@PROPERTY
@given(pages, encodings)
def test_pages(folder, page, encoding):
    assert broken_rules(read(folder, "html", encode(page, encoding))) == []


feeds = st.builds(
    feed, st.booleans(), texts, st.lists(st.tuples(texts, urls, dates, texts | huge), max_size=4)
)


@PROPERTY
@given(feeds, encodings)
def test_feeds(folder, document, encoding):
    assert broken_rules(read(folder, "xml", encode(document, encoding))) == []


@pytest.fixture(scope="module")
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.answers, httpd.numbers = {}, itertools.count()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


documents = (
    st.builds(front_matter_text, texts, urls, dates, texts, paragraphs.map("\n".join))
    | json_lines.map("\n".join)
    | pages
    | feeds
)
answers = st.builds(
    lambda document, encoding, how, content_type, status: Answer(
        status, content_type, *compress(encode(document, encoding), how)
    ),
    documents,
    encodings,
    st.sampled_from(COMPRESSIONS),
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from([200, 200, 200, 404, 500]),
)
FETCH = FetchOptions(read_timeout=10, deadline=30, max_bytes=2_000_000, concurrency=2)


@PROPERTY
@given(answers)
def test_url_answers(server, answer):
    path = f"/{next(server.numbers)}"
    server.answers[path] = answer
    assert broken_rules(read_sources([server.base + path], options=FETCH)) == []
