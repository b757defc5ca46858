"""One family of errors, each with a message a user can act on.

The CLI prints ``error: <message>`` and exits with ``exit_code``; a traceback is shown only
under ``--debug``. Anything that is not a DigestError is a bug in digest.
"""


class DigestError(Exception):
    """An error the user can fix; the message says how."""

    exit_code = 2


class UsageError(DigestError):
    """Bad options, paths or settings."""


class ModelError(DigestError):
    """A translation model that cannot be found, fetched or loaded."""


class TemplateError(DigestError):
    """A template that does not parse or render; the message names the file and line."""


class ArticleError(DigestError):
    """One article that cannot be read. The build reports it and goes on."""


class BuildFailed(DigestError):
    """Articles failed and ``--strict`` asked for that to stop the build."""

    exit_code = 1


class SourceError(DigestError):
    """Sources that cannot be read at all (a missing folder, no articles in any of them)."""


class StateError(DigestError):
    """The state database cannot be opened or written (read-only, full disk, newer schema)."""


class SiteError(DigestError):
    """The output folder cannot be written (permissions, full disk); nothing partial is left."""


class ConfigError(DigestError):
    """A digest.toml that cannot be used; the message names the file and the key."""


class MailError(DigestError):
    """Mail that cannot be composed or sent as configured (no issue, TLS, login, sender)."""


class DeliveryIncomplete(DigestError):
    """An issue that did not reach every recipient; the delivery log says who is left."""

    exit_code = 1


class NotApproved(DigestError):
    """Mail held back because review = true and the issue is not approved."""


class ScheduleError(DigestError):
    """The scheduler cannot start, e.g. another instance holds the lock."""


class NothingNew(DigestError):
    """Every article was already in an earlier issue, so there is no new issue to build."""


def first_line(error: BaseException) -> str:
    """The first line of a library's error message (or its type's name when it says nothing):
    what a one-line `error:` can quote of a converter's or a runtime's many-line complaint."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class ReviewError(DigestError):
    """A change to an issue under review that cannot be made as asked (`digest review`)."""
