"""digest: Arabic news in, a bilingual English newsletter out."""

__version__ = "0.1.0"
