"""One family of errors, named by what went wrong rather than by the module that noticed it,
each with a message a user can act on.

The CLI prints ``error: <message>`` and exits with the class's code from EXIT_CODES; a traceback
is shown only under ``--debug``. Anything that is not a DigestError is a bug in digest.
"""


class DigestError(Exception):
    """An error the user can fix; the message says how."""

    @property
    def exit_code(self) -> int:
        return exit_code(self)


class UsageError(DigestError):
    """An option, argument or setting that is not valid (out of range, unknown, malformed)."""


class ConfigError(DigestError):
    """A digest.toml that cannot be used; the message names the file and the key."""


class SourceError(DigestError):
    """Input that cannot be read at all: a missing file or folder, no article in any source,
    an evaluation set that is not one."""


class ArticleError(DigestError):
    """One article that cannot be read. The build reports it and goes on."""


class BuildFailed(DigestError):
    """Articles failed and ``--strict`` asked for that to stop the build."""


class NothingNew(DigestError):
    """Every article was already in an earlier issue, so there is no new issue to build."""


class ModelError(DigestError):
    """A translation model that cannot be found, fetched or loaded."""


class TemplateError(DigestError):
    """A template that does not parse or render; the message names the file and line."""


class SiteError(DigestError):
    """The site cannot be written or read back (permissions, full disk, a missing or broken
    issue folder); nothing partial is left."""


class StateError(DigestError):
    """The state database cannot be opened or written (read-only, full disk, newer schema)."""


class MailError(DigestError):
    """Mail that cannot be composed or sent as configured (TLS, login, sender, recipients)."""


class NotApproved(DigestError):
    """Mail held back because review = true and the issue is not approved."""


class ReviewError(DigestError):
    """A change to an issue under review that cannot be made as asked (`digest review`), or
    its translation memory that cannot be exported."""


class ScheduleError(DigestError):
    """The scheduler cannot start, e.g. another instance holds the lock."""


# The exit code of each kind of error: 1 when digest did its work and found the result wanting
# (failed articles under --strict), 2 when it could not do what was asked.
EXIT_CODES: dict[type[DigestError], int] = {
    UsageError: 2,
    ConfigError: 2,
    SourceError: 2,
    ArticleError: 2,
    BuildFailed: 1,
    NothingNew: 2,
    ModelError: 2,
    TemplateError: 2,
    SiteError: 2,
    StateError: 2,
    MailError: 2,
    NotApproved: 2,
    ReviewError: 2,
    ScheduleError: 2,
}


def exit_code(error: DigestError) -> int:
    """The code of the nearest class of ``error`` in EXIT_CODES (2 for DigestError itself)."""
    return next((EXIT_CODES[kind] for kind in type(error).__mro__ if kind in EXIT_CODES), 2)


def first_line(error: BaseException) -> str:
    """The first line of a library's error message (or its type's name when it says nothing):
    what a one-line `error:` can quote of a converter's or a runtime's many-line complaint."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
