"""The release of digest, in one place: the package metadata (hatch), every issue's signature,
the export headers and the fetcher's User-Agent read it from here."""

__version__ = "0.1.0"
