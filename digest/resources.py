"""Files shipped beside the code: templates/ and models.lock.

A wheel carries them inside the package; a source checkout (editable install, tests) keeps them
at the top of the repository, where the project layout puts them.
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    inside = PACKAGE / name
    return inside if inside.exists() else PACKAGE.parent / name
