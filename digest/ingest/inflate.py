"""Compressed response bodies decoded within the byte cap, a bounded piece at a time.

A server chooses how a body is encoded, and a few kilobytes of gzip can stand for gigabytes:
gzip(gzip(4 GiB of zeros)) is about 7 KB. Decoding a received chunk whole before counting it,
as HTTP clients do, lets that one chunk take all the memory there is. Here every decoder is
asked for at most PIECE bytes at a time (zlib's ``max_length``), each encoding of a nested
``Content-Encoding: gzip, gzip`` in turn, and the total is counted as it grows: a body never
holds more than the cap plus one piece per encoding, however it was packed.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from itertools import chain

from digest.errors import ArticleError

PIECE = 64 * 1024
# Encodings a body may carry, applied in the order the header lists them. One or two are what
# servers send; a long list is only a way to make a client hold a decoder per entry.
MAX_ENCODINGS = 3
GZIP_MAGIC = b"\x1f\x8b"
DECODED = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}


class Inflater:
    """One gzip or deflate layer, giving its output in pieces of at most PIECE bytes."""

    def __init__(self, kind: str):
        self.kind = kind
        self.started = False
        self.engine = self.new_engine()

    def new_engine(self, raw: bool = False):
        if self.kind == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is zlib-wrapped by the standard and raw deflate from some servers.
        return zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            out = self.inflate(data)
            data = self.engine.unconsumed_tail
            if self.engine.eof and not data:
                data = self.next_member()
            if out:
                yield out
            # A full piece may leave output inside the engine even when all input is taken.
            if not data and len(out) < PIECE:
                return

    def inflate(self, data: bytes) -> bytes:
        try:
            out = self.engine.decompress(data, PIECE)
        except zlib.error as error:
            if self.kind == "deflate" and not self.started:
                self.started = True
                self.engine = self.new_engine(raw=True)
                return self.inflate(data)
            raise ArticleError(f"the response's {self.kind} encoding is broken ({error})") from None
        self.started = True
        return out

    def next_member(self) -> bytes:
        """A gzip body may be several gzip members one after another; other bytes after the
        end are padding, ignored as browsers ignore them."""
        rest = self.engine.unused_data
        if self.kind == "gzip" and rest.startswith(GZIP_MAGIC):
            self.engine = self.new_engine()
            return rest
        return b""

    def end(self) -> Iterator[bytes]:
        """What the engine still holds once the body has ended (a body cut short keeps what
        arrived, as for an uncompressed one)."""
        yield from self.feed(b"")


def inflaters(content_encoding: str) -> list[Inflater]:
    """The decoders for a Content-Encoding header, in the order they must run (the reverse of
    the order the encodings were applied)."""
    names = [name.strip().lower() for name in content_encoding.split(",")]
    names = [name for name in names if name and name != "identity"]
    if len(names) > MAX_ENCODINGS:
        raise ArticleError(
            f"the response is encoded {len(names)} times over (Content-Encoding); "
            f"digest decodes at most {MAX_ENCODINGS}"
        )
    unknown = [name for name in names if name not in DECODED]
    if unknown:
        raise ArticleError(
            f"the response is encoded as {unknown[0][:40]!r}, which digest does not decode "
            "(it asks for gzip or deflate)"
        )
    return [Inflater(DECODED[name]) for name in reversed(names)]


class Body:
    """A response body decoded as it arrives, within ``limit`` bytes once decoded."""

    def __init__(self, content_encoding: str, limit: int, too_big: str):
        self.layers = inflaters(content_encoding)
        self.limit = limit
        self.too_big = too_big
        self.parts: list[bytes] = []
        self.size = 0

    def feed(self, raw: bytes) -> None:
        self.take(self.through(0, raw))

    def finish(self) -> bytes:
        for number, layer in enumerate(self.layers):
            self.take(chain.from_iterable(self.through(number + 1, p) for p in layer.end()))
        return b"".join(self.parts)

    def through(self, first: int, data: bytes) -> Iterator[bytes]:
        """``data`` through the layers from ``first`` on, lazily: each layer is asked for its
        next piece only when the one after it has taken the last."""
        pieces: Iterator[bytes] = iter((data,))
        for layer in self.layers[first:]:
            pieces = chain.from_iterable(map(layer.feed, pieces))
        return pieces

    def take(self, pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            self.size += len(piece)
            if self.size > self.limit:
                raise ArticleError(self.too_big)
            self.parts.append(piece)
