"""digest: Arabic news in, a bilingual English newsletter out.

What a Python user or a test may import from here, and rely on across releases: building an
issue (``build``, its settings and result), the state database it is handed (``Store``), the
records an issue is made of and read back from its folder (``read_issue``), the errors, and the
evaluations behind BENCHMARKS.md. Everything else is internal and may move.

The names are loaded on first use, so ``import digest`` (and ``digest --help``) stays fast:
nothing heavy is imported until a name that needs it is asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from digest.version import __version__

# Each public name, and the module it is defined in.
PUBLIC = {
    # Building an issue.
    "build": "digest.pipeline",
    "BuildResult": "digest.pipeline",
    "build_settings": "digest.settings",
    "BuildSettings": "digest.settings",
    "Settings": "digest.settings",
    "Store": "digest.state.store",
    # The records of an issue, and an issue read back from its folder.
    "Issue": "digest.news",
    "StoryDigest": "digest.news",
    "Bullet": "digest.news",
    "Bilingual": "digest.news",
    "SourceRef": "digest.news",
    "Signature": "digest.news",
    "Approval": "digest.news",
    "Edit": "digest.news",
    "Article": "digest.news",
    "Failure": "digest.news",
    "read_issue": "digest.publish.archive",
    "read_archive": "digest.publish.archive",
    # Errors.
    "DigestError": "digest.errors",
    "UsageError": "digest.errors",
    "SourceError": "digest.errors",
    "SiteError": "digest.errors",
    "StateError": "digest.errors",
    # Evaluation.
    "read_easc": "digest.evaluate.summaries",
    "evaluate_easc": "digest.evaluate.summaries",
    "read_ntrex": "digest.evaluate.summaries",
    "evaluate_headlines": "digest.evaluate.summaries",
    "rouge_n": "digest.evaluate.summaries",
}
# A public name that differs from its name in the module.
RENAMED = {"read_issue": "read"}

__all__ = [
    "__version__",
    "build",
    "BuildResult",
    "build_settings",
    "BuildSettings",
    "Settings",
    "Store",
    "Issue",
    "StoryDigest",
    "Bullet",
    "Bilingual",
    "SourceRef",
    "Signature",
    "Approval",
    "Edit",
    "Article",
    "Failure",
    "read_issue",
    "read_archive",
    "DigestError",
    "UsageError",
    "SourceError",
    "SiteError",
    "StateError",
    "read_easc",
    "evaluate_easc",
    "read_ntrex",
    "evaluate_headlines",
    "rouge_n",
]

if TYPE_CHECKING:
    from digest.errors import DigestError, SiteError, SourceError, StateError, UsageError
    from digest.evaluate.summaries import (
        evaluate_easc,
        evaluate_headlines,
        read_easc,
        read_ntrex,
        rouge_n,
    )
    from digest.news import (
        Approval,
        Article,
        Bilingual,
        Bullet,
        Edit,
        Failure,
        Issue,
        Signature,
        SourceRef,
        StoryDigest,
    )
    from digest.pipeline import BuildResult, build
    from digest.publish.archive import read as read_issue
    from digest.publish.archive import read_archive
    from digest.settings import BuildSettings, Settings, build_settings
    from digest.state.store import Store


def __getattr__(name: str) -> Any:
    if name not in PUBLIC:
        raise AttributeError(f"module 'digest' has no attribute {name!r}")
    value = getattr(importlib.import_module(PUBLIC[name]), RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
