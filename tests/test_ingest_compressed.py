"""Compressed responses from a real HTTP server on 127.0.0.1: pages in every encoding digest asks
for are read, and a decompression bomb (gzip inside gzip, a few kilobytes standing for 4 GiB)
costs no more memory than the byte cap."""

import gzip
import struct
import subprocess
import sys
import textwrap
import threading
import zlib
from http.server import BaseHTTPRequestHandler

import pytest

from digest.ingest import read_sources
from digest.ingest.fetch import Fetched, FetchOptions, fetch_all
from tests.hostile_inputs import Server
from tests.test_ingest_fetch import SANDSTORM, page

PATIENT = FetchOptions(read_timeout=5.0, deadline=30.0, concurrency=2)
MIB = 1 << 20
GIB = 1 << 30


def gzip_of_zeros(size: int) -> bytes:
    """A valid gzip member of ``size`` zero bytes, built without compressing them all: with a
    full flush after each block the compressor starts afresh, so every 16 MiB block of zeros
    compresses to the same bytes, and the member is those bytes repeated."""
    block = 16 * MIB
    zeros = bytes(block)
    engine = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed = engine.compress(zeros) + engine.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size // block):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, size & 0xFFFFFFFF)
    return header + compressed * (size // block) + end + trailer


PAGE = page("عاصفة رملية", SANDSTORM, "2025-03-05T10:00:00+03:00")
RAW_DEFLATE = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
BODIES = {
    "/gzip": ("gzip", gzip.compress(PAGE)),
    "/gzip-gzip": ("gzip, gzip", gzip.compress(gzip.compress(PAGE))),
    "/deflate": ("deflate", zlib.compress(PAGE)),
    "/raw-deflate": ("deflate", RAW_DEFLATE.compress(PAGE) + RAW_DEFLATE.flush()),
    "/members": ("gzip", gzip.compress(PAGE[:500]) + gzip.compress(PAGE[500:])),
    "/identity": ("identity", PAGE),
    "/brotli": ("br", b"\x0b\x00\x80"),
    "/broken": ("gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 200),
    "/many": ("gzip, " * 5 + "gzip", PAGE),
}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/bomb":
            encoding, body = "gzip, gzip", self.server.bomb
        elif self.path == "/gigabyte":
            encoding, body = "gzip", self.server.gigabyte
        else:
            encoding, body = BODIES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.bomb = gzip.compress(gzip_of_zeros(4 * GIB), 9, mtime=0)
    httpd.gigabyte = gzip_of_zeros(GIB)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    "path", ["/gzip", "/gzip-gzip", "/deflate", "/raw-deflate", "/members", "/identity"]
)
def test_every_encoding_digest_asks_for_is_read(server, path):
    (article,) = read_sources([server.base + path], options=PATIENT).articles
    assert article.paragraphs == SANDSTORM


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/brotli", "encoded as 'br', which digest does not decode"),
        ("/broken", "the response's gzip encoding is broken"),
        ("/many", "encoded 6 times over"),
    ],
)
def test_encodings_that_cannot_be_read_are_a_reason(server, path, reason):
    (result,) = fetch_all([server.base + path], PATIENT)
    assert not isinstance(result, Fetched)
    assert reason in str(result)


def test_the_bomb_is_small(server):
    assert len(server.bomb) < 12_000


# The child's address space is capped a gigabyte above what its imports take, so a client that
# inflated the bomb whole dies of MemoryError instead of taking the machine's memory.
CHILD = textwrap.dedent(
    """
    import resource, sys
    from digest.ingest.fetch import FetchOptions, fetch_all

    size = int(open("/proc/self/status").read().split("VmSize:")[1].split()[0]) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + 2**30, size + 2**30))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (result,) = fetch_all([sys.argv[1]], FetchOptions(read_timeout=10, deadline=60))
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    print(grown // 1024, type(result).__name__, result)
    """
)


@pytest.mark.parametrize("path", ["/bomb", "/gigabyte"])
def test_a_decompression_bomb_stops_at_the_cap_within_bounded_memory(server, path):
    child = subprocess.run(
        [sys.executable, "-c", CHILD, server.base + path],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    grown_mb, kind, reason = child.stdout.split(" ", 2)
    assert kind == "ArticleError"
    assert "over the 10,000,000-byte limit" in reason
    # The 10 MB cap, the pieces being joined and one piece per layer: well under 64 MB.
    assert int(grown_mb) < 64, f"peak memory grew by {grown_mb} MB"
