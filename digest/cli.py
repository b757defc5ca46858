"""The `digest` command: parse options, call the library, print, turn DigestError into an exit code.

This is the only module that reads digest's environment variables and digest.toml (through
digest/settings.py); everything it calls is handed its settings and its state Store. Nothing heavy
is imported here: torch and transformers load only when a build translates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from digest import dates, settings
from digest.errors import DigestError
from digest.news import DEFAULT_BULLETS
from digest.sanitise import clean_line
from digest.settings import BuildSettings, Settings
from digest.state.store import Store
from digest.version import __version__

T = TypeVar("T")


def typer_app(help: str, **options: Any) -> typer.Typer:
    """Plain help and plain errors: flags without a `<bool>` type, a bad value as one line."""
    return typer.Typer(
        help=help,
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
        **options,
    )


app = typer_app("Arabic news articles in, a bilingual English newsletter out.")
models_app = typer_app("The translation models in models.lock.")
app.add_typer(models_app, name="models")
eval_app = typer_app("Measure summaries, headlines and translations against references.")
app.add_typer(eval_app, name="eval")
cache_app = typer_app("The translation cache and the translation memory in the state database.")
app.add_typer(cache_app, name="cache")


def option_help(name: str) -> str:
    return settings.option_of(name).help


BackendOption = Annotated[str, typer.Option(help=option_help("backend"))]
ThreadsOption = Annotated[int | None, typer.Option(help=option_help("threads"))]
ModelOption = Annotated[str | None, typer.Option(help=option_help("model"))]
DeviceOption = Annotated[str, typer.Option(help=option_help("device"))]
ModelDirOption = Annotated[
    Path | None,
    typer.Option(help=option_help("model_dir") + f" Env {settings.MODEL_DIR_VARIABLE}."),
]
DebugOption = Annotated[bool, typer.Option("--debug", help="Show tracebacks.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
IssueDateOption = Annotated[
    str, typer.Option(help="Issue date YYYY-MM-DD, or latest (the newest issue folder).")
]
ConfigOption = Annotated[
    Path, typer.Option("--config", help="The settings file; `digest init` writes an example.")
]


class StderrFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time, not the stream it was created with.

    A long-lived process (the scheduler, a test runner calling commands in-process) may swap
    sys.stderr; a handler holding the old one would write into a closed stream.
    """

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def setup_logging() -> None:
    handler = StderrHandler()
    handler.setFormatter(StderrFormatter())
    root = logging.getLogger("digest")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False


def or_exit(action: Callable[[], T], debug: bool = False) -> T:
    """Run a command body; a DigestError becomes one line on stderr and its exit code."""
    try:
        return action()
    except DigestError as error:
        if debug:
            raise
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None


def load_settings(config: Path, given: dict[str, Any], required: bool = True) -> Settings:
    """The settings in force: the options ``given`` over the environment over the file over the
    defaults. The file is read when it is there, and must be there when ``required``."""
    from digest import configfile

    file = configfile.read(config) if required or config.exists() else None
    return settings.resolve(given, os.environ, file)


def without_file(**given: Any) -> BuildSettings:
    """Build settings for the commands that build nothing (models, eval): the same checks and
    environment, no digest.toml."""
    return settings.resolve(given, os.environ, None).build


def state() -> Store:
    """The state database of the commands that take no --config (./digest.toml if present)."""
    return Store(load_settings(settings.CONFIG_FILE, {}, required=False).state)


def build_parameter(item: dataclasses.Field) -> inspect.Parameter:
    """The command-line form of one BuildSettings field; None when it is not given."""
    how, kind = settings.describe(item), settings.value_type(item)
    text = how.help
    if item.default not in (None, ()):
        shown = str(item.default).lower() if isinstance(item.default, bool) else item.default
        if isinstance(item.default, tuple):
            shown = ",".join(item.default)
        text += f" [default: {shown}]"
    if how.env:
        text += f" [env: {how.env}]"
    declared: Any
    if item.name == "sources":
        declared = Annotated[
            list[str] | None, typer.Argument(metavar="SOURCES", help=text, show_default=False)
        ]
    elif kind is bool:
        declared = Annotated[bool | None, typer.Option(how.flag, help=text, show_default=False)]
    elif kind is dt.date:
        declared = Annotated[
            str | None, typer.Option(metavar="YYYY-MM-DD", help=text, show_default=False)
        ]
    elif how.entries:
        declared = Annotated[
            str | None, typer.Option(metavar="LIST", help=text, show_default=False)
        ]
    else:
        declared = Annotated[kind | None, typer.Option(help=text, show_default=False)]
    return inspect.Parameter(
        item.name, inspect.Parameter.KEYWORD_ONLY, annotation=declared, default=None
    )


def with_build_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command`` every build setting as an option (the sources as arguments); it receives
    those given on the command line as one dict, ``given``. A new field of BuildSettings is thus
    an option of build, run and schedule at once."""
    own = [
        parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for parameter in inspect.signature(command, eval_str=True).parameters.values()
        if parameter.name != "given"
    ]
    added = [build_parameter(item) for item in settings.build_fields()]

    @functools.wraps(command)
    def with_options(**values: Any) -> None:
        given = {parameter.name: values.pop(parameter.name) for parameter in added}
        command(**values, given=given)

    with_options.__signature__ = inspect.Signature(added + own)  # type: ignore[attr-defined]
    del with_options.__wrapped__
    return with_options


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"digest {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    setup_logging()


@app.command()
@with_build_options
def build(
    given: dict[str, Any],
    config: Annotated[
        Path | None,
        typer.Option(
            help="A settings file for the options not given (default: ./digest.toml "
            "when there is one)."
        ),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Build one newsletter issue from Arabic articles."""
    from digest.pipeline import build as run_build

    path = config or settings.CONFIG_FILE
    loaded = or_exit(lambda: load_settings(path, given, required=config is not None), debug)
    result = or_exit(lambda: run_build(loaded.build, Store(loaded.state), zone=loaded.zone), debug)
    stories = len(result.issue.stories)
    typer.echo(f"wrote {result.folder} ({stories} {'story' if stories == 1 else 'stories'})")
    if result.failures:
        typer.echo(
            f"{len(result.failures)} article(s) could not be processed (see above)", err=True
        )
    if result.failed:
        raise typer.Exit(1)


@app.command()
def summarise(
    file: Annotated[Path, typer.Argument(help="One article file.")],
    k: Annotated[
        int, typer.Option("-k", help="Number of sentences (as --bullets, the same bounds).")
    ] = DEFAULT_BULLETS,
    as_json: JsonOption = False,
) -> None:
    """Pick the headline and k sentences of one article (Arabic, document order); no model needed."""
    from digest.errors import SourceError
    from digest.ingest import read_article
    from digest.stories.summarise import summarise as pick

    def run():
        settings.within("-k", k, settings.option_of("bullets"))
        if file.is_dir():
            raise SourceError(f"{file} is a folder; name one article file in it")
        if not file.is_file():
            raise SourceError(f"no such file: {file}")
        return pick(read_article(file), k)

    summary = or_exit(run)
    if as_json:
        payload = {"headline": summary.headline, "sentences": [s.text for s in summary.bullets]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        typer.echo(summary.headline)
        for sentence in summary.bullets:
            typer.echo(f"  [{sentence.position}] {sentence.text}")


@app.command("inspect")
def inspect_sources(
    sources: Annotated[list[str], typer.Argument(help=option_help("sources"))],
    as_json: JsonOption = False,
    fetch_articles: Annotated[
        bool, typer.Option("--fetch-articles", help=option_help("fetch_articles"))
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 if any source fails.")] = False,
) -> None:
    """Show what ingestion made of each source: the articles digest would summarise, and why not."""
    from digest.ingest import read_sources

    ingested = or_exit(lambda: read_sources(sources, fetch_articles=fetch_articles))
    if as_json:
        payload = {
            "articles": [article_fields(a) for a in ingested.articles],
            "failures": [{"origin": f.origin, "reason": f.reason} for f in ingested.failures],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for article in ingested.articles:
            show_article(article)
    or_exit(ingested.require_articles)
    if ingested.failures and strict:
        raise typer.Exit(1)


def article_fields(article) -> dict:
    from digest.stories.freshness import age

    return {
        "id": article.id,
        "origin": article.origin,
        "title": article.title,
        "source": article.source_name,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "source_from": article.source_from,
        "section": article.section,
        "age_days": age(article, dates.today()),
        "encoding": article.encoding,
        "paragraphs": list(article.paragraphs),
        "related": list(article.related),
        "warnings": list(article.warnings),
    }


def show_article(article) -> None:
    from digest.stories.freshness import describe_age

    fields = article_fields(article)
    fields["source from"] = fields["source_from"]
    fields["age"] = describe_age(article, dates.today())
    fields["section"] = fields["section"] or "unknown (no category or URL folder names one)"
    # Every field is one clean line: a terminal obeys the escape sequences a feed can carry.
    typer.echo(clean_line(article.origin))
    for key in (
        "id",
        "title",
        "source",
        "source from",
        "section",
        "url",
        "published",
        "age",
        "encoding",
    ):
        typer.echo(f"  {key + ':':<12} {clean_line(str(fields[key] or '-'))}")
    for key in ("warnings", "paragraphs", "related"):
        typer.echo(f"  {key + ':':<12} {len(fields[key])}")
        for number, line in enumerate(fields[key], start=1):
            typer.echo(f"    {number:>3}  {clean_line(line)}")
    typer.echo("")


@models_app.command("list")
def models_list(model_dir: ModelDirOption = None) -> None:
    """Show each model, its pinned revision, and whether it is on this machine."""
    from digest.translate import models, presence

    lock = or_exit(models.read_lock)
    folder = or_exit(lambda: without_file(model_dir=model_dir).model_dir)
    for model in or_exit(lambda: presence.unlisted(folder, lock)):
        typer.echo(f"{model.spec.name} (in --model-dir, not in models.lock)")
        typer.echo(
            f"  kind:     {model.spec.kind} ({model.spec.source_lang} -> {model.spec.target_lang})"
        )
        typer.echo(f"  present:  {presence.presence(model.spec, model.path)}")
    for spec in lock.models:
        default = " (default)" if spec.name == lock.default else ""
        pin = spec.revision if spec.pinned else f"{spec.revision} (unpinned)"
        typer.echo(f"{spec.name}{default}")
        typer.echo(f"  hub id:   {spec.hub_id}")
        typer.echo(f"  revision: {pin}")
        typer.echo(f"  kind:     {spec.kind} ({spec.source_lang} -> {spec.target_lang})")
        typer.echo(f"  present:  {presence.presence(spec, folder)}")


@models_app.command("pull")
def models_pull(name: Annotated[str, typer.Argument(help="Model name from models.lock.")]) -> None:
    """Download a model's pinned revision from the Hugging Face Hub and check its hashes."""
    from digest.translate import models

    folder = or_exit(lambda: models.pull(models.read_lock().get(name)))
    typer.echo(f"{name}: {folder}")


@models_app.command("convert")
def models_convert(
    name: Annotated[
        str | None,
        typer.Argument(
            help="Model name from models.lock (default: --model-dir's model, or the default)."
        ),
    ] = None,
    quantization: Annotated[
        str, typer.Option(help="Weight format on disk: int8, int16, float16, float32, ...")
    ] = "int8",
    model_dir: ModelDirOption = None,
) -> None:
    """Convert a model for CTranslate2 (its own converter) into the local model store."""
    from digest.translate import models
    from digest.translate.convert import convert

    def run():
        return convert(
            models.resolve(name, without_file(model_dir=model_dir).model_dir), quantization
        )

    folder = or_exit(run)
    typer.echo(f"converted: {folder}")


@models_app.command("verify")
def models_verify(model_dir: ModelDirOption = None) -> None:
    """Hash every model file present against models.lock and conversion records; exit 2 on a
    mismatch."""
    from digest.translate import models, presence

    def run():
        folder = without_file(model_dir=model_dir).model_dir
        lock = models.read_lock()
        for model in presence.unlisted(folder, lock):
            for line in presence.verify_present(model.spec, model):
                typer.echo(f"{model.spec.name}: {line}")
        for spec in lock.models:
            for line in presence.verify_present(spec, presence.located(spec, folder)):
                typer.echo(f"{spec.name}: {line}")

    or_exit(run)


@models_app.command("lock")
def models_lock(
    names: Annotated[
        list[str] | None, typer.Argument(help="Models to pin (default: all in models.lock).")
    ] = None,
    lock_file: Annotated[
        Path | None, typer.Option("--lock-file", help="The models.lock to rewrite.")
    ] = None,
) -> None:
    """Pin revisions to commit hashes and record file hashes (maintainers, connected machine)."""
    from digest.translate import models

    lock = or_exit(lambda: models.lock_models(names or [], lock_file))
    for spec in lock.models:
        typer.echo(f"{spec.name}: {spec.revision} ({len(spec.files)} file hashes)")


@cache_app.command("stats")
def cache_stats() -> None:
    """Cached translations per model, revision and engine, the editors' corrections per model,
    and where they are kept."""
    from digest.translate import cache, memory

    store = or_exit(state)
    rows = or_exit(lambda: cache.stats(store))
    typer.echo(f"state: {store.path}")
    for row in rows:
        typer.echo(f"{row.model}  {row.revision}  {row.engine}  {row.sentences} sentence(s)")
    typer.echo(f"total: {sum(row.sentences for row in rows)} sentence(s)")
    for kept in or_exit(lambda: memory.stats(store)):
        typer.echo(
            f"translation memory: {kept.model}  {kept.entries} correction(s), newest {kept.newest}"
        )


@cache_app.command("clear")
def cache_clear(
    model: Annotated[str | None, typer.Option(help="Only this model's translations.")] = None,
) -> None:
    """Forget cached translations, so the next build translates again; the editors'
    corrections (the translation memory) are kept."""
    from digest.translate import cache

    removed = or_exit(lambda: cache.clear(state(), model))
    typer.echo(f"removed {removed} cached translation(s)")


MemoryModelOption = Annotated[
    str | None, typer.Option("--model", help="Only this model's corrections.")
]


@cache_app.command("memory")
def cache_memory(
    model: MemoryModelOption = None,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many, newest first.")] = 20,
) -> None:
    """The editors' corrections (the translation memory), newest first."""
    from digest.translate import memory

    store = or_exit(state)
    kept = or_exit(lambda: memory.entries(store, model))
    for stat in or_exit(lambda: memory.stats(store)):
        if model is None or stat.model == model:
            typer.echo(f"{stat.model}: {stat.entries} correction(s), newest {stat.newest}")
    for entry in kept[:limit]:
        typer.echo(f"{entry.at}  {entry.by}  {entry.model}")
        typer.echo(f"  ar: {entry.ar}")
        typer.echo(f"  en: {entry.en}")
    if not kept:
        typer.echo("no corrections yet; `digest review` keeps each edit here")
    elif len(kept) > limit:
        typer.echo(f"… {len(kept) - limit} older; `digest cache export` writes them all")


@cache_app.command("export")
def cache_export(
    format: Annotated[
        str, typer.Option("--format", help="tmx (CAT tools' exchange format) or tsv.")
    ] = "tmx",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write this file (default: standard output).")
    ] = None,
    model: MemoryModelOption = None,
) -> None:
    """Write the translation memory as TMX 1.4b or TSV, for CAT tools or a spreadsheet."""
    from digest.review import export
    from digest.translate import memory

    def run() -> tuple[int, str]:
        kept = memory.entries(state(), model)
        return len(kept), export.export(kept, format)

    count, text = or_exit(run)
    if out is None:
        sys.stdout.write(text)
        return
    or_exit(lambda: export.write(out, text))
    typer.echo(f"wrote {out} ({count} correction(s), {format})")


BenchmarksOption = Annotated[
    Path | None,
    typer.Option(
        "--write-benchmarks",
        help="Also write the table into this Markdown file (its section for this measurement); "
        "by default nothing is written.",
    ),
]


def publish(report, as_json: bool, benchmarks: Path | None) -> None:
    """Print the table (or the JSON), and write it into BENCHMARKS.md only when asked."""
    typer.echo(json.dumps(report.payload, indent=2) if as_json else report.table())
    if benchmarks is not None:
        or_exit(lambda: report.write(benchmarks))


@eval_app.command("summarise")
def eval_summarise(
    easc: Annotated[Path, typer.Option(help="The EASC folder (Articles/, MTurk/).")],
    as_json: JsonOption = False,
    benchmarks: BenchmarksOption = None,
) -> None:
    """ROUGE-1/2 F1 on EASC of digest's summaries beside Lead-k and TextRank-k."""
    from digest.evaluate import reports

    publish(or_exit(lambda: reports.easc(easc)), as_json, benchmarks)


@eval_app.command("headlines")
def eval_headlines(
    ntrex: Annotated[Path, typer.Option(help="The NTREX folder (DOCUMENT_IDS.tsv, *.arb.txt).")],
    as_json: JsonOption = False,
    benchmarks: BenchmarksOption = None,
) -> None:
    """ROUGE-1 of the chosen headline against each NTREX document's real one."""
    from digest.evaluate import reports

    publish(or_exit(lambda: reports.ntrex(ntrex)), as_json, benchmarks)


@eval_app.command("completeness")
def eval_completeness(
    ntrex: Annotated[Path, typer.Option(help="The NTREX folder (DOCUMENT_IDS.tsv, *.arb.txt).")],
    articles: Annotated[
        list[str] | None,
        typer.Option(help="Articles (files, folders) measured as built; repeatable, one row each."),
    ] = None,
    as_json: JsonOption = False,
    benchmarks: BenchmarksOption = None,
) -> None:
    """Headlines that keep every clause of their sentence, and bullets that refer back to a
    sentence not shown, on NTREX and real articles."""
    from digest.evaluate.completeness import report

    publish(or_exit(lambda: report(ntrex, articles or [])), as_json, benchmarks)


@eval_app.command("stories")
def eval_stories(
    gold: Annotated[
        Path,
        typer.Option(
            help="Topic labels, JSON lines of id and topic; a .leads file of the same name "
            "lists the topics an editor would lead with."
        ),
    ],
    sources: Annotated[list[str], typer.Argument(help="The articles the labels name.")],
    as_json: JsonOption = False,
) -> None:
    """B-cubed precision, recall and F1 of the build's stories against topic labels; the split
    and rank of the largest topics; lead recall."""
    from digest.evaluate import stories

    result = or_exit(lambda: stories.evaluate_sources(gold, sources))
    typer.echo(json.dumps(result.payload(), indent=2) if as_json else stories.table(result))


@eval_app.command("translate")
def eval_translate(
    src: Annotated[Path, typer.Option(help="Arabic sentences, one per line.")],
    ref: Annotated[Path, typer.Option(help="English references, line-aligned with --src.")],
    model: ModelOption = None,
    model_dir: ModelDirOption = None,
    backend: BackendOption = "auto",
    threads: ThreadsOption = None,
    device: DeviceOption = "auto",
    limit: Annotated[int | None, typer.Option(help="Only the first N lines.")] = None,
    as_json: JsonOption = False,
    benchmarks: BenchmarksOption = None,
) -> None:
    """BLEU and chrF (sacrebleu, with signatures) of a model's translations against references."""
    from digest.evaluate import reports
    from digest.evaluate.translation import read_pair, score
    from digest.translate import load_translator, models

    def run():
        chosen = without_file(
            model=model, model_dir=model_dir, backend=backend, threads=threads, device=device
        )
        sources, references = read_pair(src, ref, limit)
        resolved = models.resolve(chosen.model, chosen.model_dir)
        translator = load_translator(
            resolved, chosen.backend, chosen.threads, state(), chosen.device
        )
        line = reports.command(
            "eval",
            "translate",
            src=src,
            ref=ref,
            model=chosen.model,
            model_dir=chosen.model_dir,
            backend=chosen.backend,
            threads=chosen.threads,
            device=chosen.device,
            limit=limit,
        )
        scores = score(translator, sources, references)
        return reports.translation_report(
            resolved.spec.name, translator.backend, resolved.revision, src, scores, line
        )

    publish(or_exit(run), as_json, benchmarks)


@app.command()
def init(
    config: ConfigOption = settings.CONFIG_FILE,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a commented example digest.toml: sources, mail server, recipients, schedule."""
    from digest.configfile import write_example

    path = or_exit(lambda: write_example(config, force))
    typer.echo(f"wrote {path}; edit it, then check the mail with `digest send --dry-run DIR`")


@app.command()
def send(
    date: IssueDateOption = "latest",
    to: Annotated[
        list[str] | None,
        typer.Option(help="Send to this address instead of the configured ones; repeatable."),
    ] = None,
    dry_run: Annotated[
        Path | None,
        typer.Option(
            help="Write the messages as .eml files here; send nothing. With --to and --out it "
            "needs no digest.toml."
        ),
    ] = None,
    resend: Annotated[
        bool,
        typer.Option(
            "--resend", help="Send again to recipients the log says were sent (or uncertain)."
        ),
    ] = False,
    mark_sent: Annotated[
        list[str] | None,
        typer.Option(help="Record ADDR as sent after checking by hand; send nothing; repeatable."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: from the file).")
    ] = None,
    site_url: Annotated[str | None, typer.Option(help=option_help("site_url"))] = None,
    config: ConfigOption = settings.CONFIG_FILE,
    debug: DebugOption = False,
) -> None:
    """Mail a built issue, one message per recipient, to those not yet sent; with review = true,
    only an approved one (--dry-run writes the messages of an unapproved one too)."""
    from digest.runs import gate

    def run():
        request = gate.SendRequest(
            date=None if date == "latest" else settings.parse_date(date),
            to=tuple(to or ()),
            dry_run=dry_run,
            resend=resend,
            mark_sent=tuple(mark_sent or ()),
        )
        preview = gate.preview_only(request, out is not None)
        loaded = load_settings(config, {"out": out, "site_url": site_url}, required=not preview)
        return gate.send(loaded, Store(loaded.state), request, preview)

    outcome = or_exit(run, debug)
    for line in outcome.lines(dry_run):
        typer.echo(line)
    if not outcome.complete:
        raise typer.Exit(1)


@app.command()
def review(
    date: IssueDateOption = "latest",
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: from the file, or site).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port on 127.0.0.1 (default: a free one).")
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the URL; open no browser.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(help="The settings file (default: ./digest.toml when there is one)."),
    ] = None,
    debug: DebugOption = False,
) -> None:
    """Review an issue in a local web page: edit the English, drop or reorder stories, resolve
    flags, approve."""
    from digest.review import web
    from digest.review.session import open_review

    def run():
        day = None if date == "latest" else settings.parse_date(date)
        path = config or settings.CONFIG_FILE
        loaded = load_settings(path, {"out": out}, required=config is not None)
        session = open_review(loaded, day)
        folder = session.folder

        def opened(url: str, browse: str | None, here: bool) -> None:
            import threading
            import webbrowser

            if here:
                typer.echo(url)
                typer.echo(f"serving the review of {folder} until Ctrl+C", err=True)
            else:
                typer.echo(f"digest review is already running for this folder: {url}")
            sys.stdout.flush()
            if no_browser or browse is None:
                return
            if here:  # a browser that runs in the terminal must not hold up the server
                threading.Thread(target=webbrowser.open, args=(browse,), daemon=True).start()
            else:
                webbrowser.open(browse)

        web.serve(session, port, opened)

    or_exit(run, debug)


@app.command("run")
@with_build_options
def run_issue(
    given: dict[str, Any],
    config: ConfigOption = settings.CONFIG_FILE,
    debug: DebugOption = False,
) -> None:
    """Build today's issue (or --date's) from articles no earlier issue carried, and mail it;
    with review = true, hold it until approved (and send the held issues approved since)."""
    from digest.runs import daily

    def run():
        loaded = load_settings(config, given)
        return daily.run(loaded, Store(loaded.state))

    outcome = or_exit(run, debug)
    for line in outcome.summary():
        typer.echo(line)
    if outcome.report is not None and not outcome.report.complete:
        raise typer.Exit(1)


@app.command("schedule")
@with_build_options
def schedule_command(
    given: dict[str, Any],
    config: ConfigOption = settings.CONFIG_FILE,
    debug: DebugOption = False,
) -> None:
    """Run `digest run` at each tick of the cron expression in digest.toml, until stopped."""
    from digest.runs import schedule

    def run():
        loaded = load_settings(config, given)
        schedule.serve(loaded, Store(loaded.state))

    or_exit(run, debug)


def main() -> None:
    app()
