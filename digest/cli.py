"""The `digest` command: parse options, call the library, turn DigestError into an exit code.

Nothing heavy is imported here: torch and transformers load only when a build translates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from digest import __version__
from digest.errors import DigestError

T = TypeVar("T")

app = typer.Typer(
    help="Arabic news articles in, a bilingual English newsletter out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
models_app = typer.Typer(help="The translation models in models.lock.", no_args_is_help=True)
app.add_typer(models_app, name="models")
eval_app = typer.Typer(
    help="Measure summaries and headlines against references.", no_args_is_help=True
)
app.add_typer(eval_app, name="eval")
cache_app = typer.Typer(help="The translation cache in the state database.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

BackendOption = Annotated[
    str,
    typer.Option(
        help="auto (CTranslate2 when the model is converted, else transformers), "
        "transformers or ctranslate2."
    ),
]
ThreadsOption = Annotated[
    int | None, typer.Option(help="CPU threads for translation (default: all cores).")
]
ModelDirOption = Annotated[
    Path | None,
    typer.Option(help="A downloaded model folder (or a folder of them); env DIGEST_MODEL_DIR."),
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


def guarded(action: Callable[[], T], debug: bool = False) -> T:
    """Run a command body; a DigestError becomes one line on stderr and its exit code."""
    try:
        return action()
    except DigestError as error:
        if debug:
            raise
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(error.exit_code) from None


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD") from None


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


FetchArticlesOption = Annotated[
    bool,
    typer.Option(
        "--fetch-articles",
        help="For feeds: fetch each entry's linked page and extract the full article.",
    ),
]


@app.command()
def build(
    sources: Annotated[
        list[str],
        typer.Argument(help="Article files (text, HTML, feeds, JSON lines), folders, or URLs."),
    ],
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("site"),
    date: Annotated[
        str | None, typer.Option(help="Issue date, YYYY-MM-DD (default: newest article).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name from models.lock.")] = None,
    model_dir: Annotated[
        Path | None,
        typer.Option(help="A downloaded model folder (or a folder of them); env DIGEST_MODEL_DIR."),
    ] = None,
    bullets: Annotated[int, typer.Option(help="Bullets per story.")] = 4,
    translate: Annotated[
        bool, typer.Option("--translate/--no-translate", help="Translate, or preview Arabic only.")
    ] = True,
    strict: Annotated[bool, typer.Option(help="Fail (exit 1) if any article fails.")] = False,
    templates: Annotated[
        Path | None,
        typer.Option(help="A folder of templates that replace the built-in ones by name."),
    ] = None,
    fetch_articles: FetchArticlesOption = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
    backend: BackendOption = "auto",
    threads: ThreadsOption = None,
    search: Annotated[
        bool,
        typer.Option("--search/--no-search", help="Index the site for full-text search (Pagefind)."),
    ] = True,
) -> None:
    """Build one newsletter issue from Arabic articles."""
    from digest.config import make_settings
    from digest.pipeline import build as run_build

    settings = guarded(
        lambda: make_settings(
            sources,
            out=out,
            date=parse_date(date),
            model=model,
            model_dir=model_dir,
            bullets=bullets,
            translate=translate,
            strict=strict,
            templates=templates,
            fetch_articles=fetch_articles,
            backend=backend,
            threads=threads,
            search=search,
        ),
        debug,
    )
    result = guarded(lambda: run_build(settings), debug)
    stories = len(result.issue.stories)
    typer.echo(f"wrote {result.folder} ({stories} {'story' if stories == 1 else 'stories'})")
    if result.failures:
        typer.echo(
            f"{len(result.failures)} article(s) could not be processed (see above)", err=True
        )
    if result.search_error and strict:
        raise typer.Exit(1)


@app.command()
def summarise(
    file: Annotated[Path, typer.Argument(help="One article file.")],
    k: Annotated[int, typer.Option("-k", help="Number of sentences.")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Pick the headline and k sentences of one article (Arabic, document order); no model needed."""
    from digest.errors import UsageError
    from digest.ingest import read_article
    from digest.summarise import summarise as pick

    def run():
        if k < 1:
            raise UsageError(f"-k must be at least 1, got {k}")
        if not file.is_file():
            raise UsageError(f"no such file: {file}")
        return pick(read_article(file), k)

    summary = guarded(run)
    if as_json:
        payload = {"headline": summary.headline, "sentences": [s.text for s in summary.bullets]}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        typer.echo(summary.headline)
        for sentence in summary.bullets:
            typer.echo(f"  [{sentence.position}] {sentence.text}")


@app.command()
def inspect(
    sources: Annotated[
        list[str],
        typer.Argument(help="Article files (text, HTML, feeds, JSON lines), folders, or URLs."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    fetch_articles: FetchArticlesOption = False,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any source fails.")] = False,
) -> None:
    """Show what ingestion made of each source: the articles digest would summarise, and why not."""
    from digest.ingest import read_sources

    ingested = guarded(lambda: read_sources(sources, fetch_articles=fetch_articles))
    if as_json:
        payload = {
            "articles": [article_fields(a) for a in ingested.articles],
            "failures": [{"origin": f.origin, "reason": f.reason} for f in ingested.failures],
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for article in ingested.articles:
            show_article(article)
    if ingested.failures and strict:
        raise typer.Exit(1)


def article_fields(article) -> dict:
    return {
        "id": article.id,
        "origin": article.origin,
        "title": article.title,
        "source": article.source_name,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "encoding": article.encoding,
        "paragraphs": list(article.paragraphs),
        "related": list(article.related),
        "warnings": list(article.warnings),
    }


def show_article(article) -> None:
    fields = article_fields(article)
    typer.echo(article.origin)
    for key in ("id", "title", "source", "url", "published", "encoding"):
        typer.echo(f"  {key + ':':<11} {fields[key] or '-'}")
    for key in ("warnings", "paragraphs", "related"):
        typer.echo(f"  {key + ':':<11} {len(fields[key])}")
        for number, line in enumerate(fields[key], start=1):
            typer.echo(f"    {number:>3}  {line}")
    typer.echo("")


@models_app.command("list")
def models_list(
    model_dir: Annotated[
        Path | None, typer.Option(help="A folder of downloaded models; env DIGEST_MODEL_DIR.")
    ] = None,
) -> None:
    """Show each model, its pinned revision, and whether it is on this machine."""
    from digest import models
    from digest.config import model_dir_from_env

    lock = guarded(models.read_lock)
    folder = model_dir_from_env(model_dir)
    for spec in lock.models:
        default = " (default)" if spec.name == lock.default else ""
        pin = spec.revision if spec.pinned else f"{spec.revision} (unpinned)"
        typer.echo(f"{spec.name}{default}")
        typer.echo(f"  hub id:   {spec.hub_id}")
        typer.echo(f"  revision: {pin}")
        typer.echo(f"  kind:     {spec.kind} ({spec.source_lang} -> {spec.target_lang})")
        typer.echo(f"  present:  {models.presence(spec, folder)}")


@models_app.command("pull")
def models_pull(name: Annotated[str, typer.Argument(help="Model name from models.lock.")]) -> None:
    """Download a model's pinned revision from the Hugging Face Hub and check its hashes."""
    from digest import models

    folder = guarded(lambda: models.pull(models.read_lock().get(name)))
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
    from digest import models
    from digest.config import model_dir_from_env

    def run():
        model = models.resolve(name, model_dir_from_env(model_dir))
        return models.convert(model, quantization)

    folder = guarded(run)
    typer.echo(f"converted: {folder}")


@models_app.command("verify")
def models_verify(model_dir: ModelDirOption = None) -> None:
    """Hash every model file present against models.lock and conversion records; exit 2 on a
    mismatch."""
    from digest import models
    from digest.config import model_dir_from_env

    def run():
        folder = model_dir_from_env(model_dir)
        for spec in models.read_lock().models:
            for line in models.verify_present(spec, folder):
                typer.echo(f"{spec.name}: {line}")

    guarded(run)


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
    from digest import models

    lock = guarded(lambda: models.lock_models(names or [], lock_file))
    for spec in lock.models:
        typer.echo(f"{spec.name}: {spec.revision} ({len(spec.files)} file hashes)")


@cache_app.command("stats")
def cache_stats() -> None:
    """Cached translations per model, revision and engine, and where the cache is."""
    from digest import store
    from digest.translate import cache

    rows = guarded(cache.stats)
    typer.echo(f"state: {store.default_path()}")
    for row in rows:
        typer.echo(f"{row.model}  {row.revision}  {row.engine}  {row.sentences} sentence(s)")
    typer.echo(f"total: {sum(row.sentences for row in rows)} sentence(s)")


@cache_app.command("clear")
def cache_clear(
    model: Annotated[str | None, typer.Option(help="Only this model's translations.")] = None,
) -> None:
    """Forget cached translations, so the next build translates again."""
    from digest.translate import cache

    removed = guarded(lambda: cache.clear(model))
    typer.echo(f"removed {removed} cached translation(s)")


BenchmarksOption = Annotated[
    Path, typer.Option("--benchmarks", help="Markdown file the table is written into.")
]


def publish(
    benchmarks: Path,
    key: str,
    heading: str,
    header: list[str],
    rows: list[tuple[str, ...]],
    payload: dict | None,
) -> None:
    """Write the table into its BENCHMARKS.md section and print it, or the JSON payload."""
    from digest import report

    report.update_section(benchmarks, key, f"{heading}\n\n{report.table(header, rows)}")
    typer.echo(json.dumps(payload, indent=2) if payload else report.table(header, rows))


@eval_app.command("summarise")
def eval_summarise(
    easc: Annotated[Path, typer.Option(help="The EASC folder (Articles/, MTurk/).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    benchmarks: BenchmarksOption = Path("BENCHMARKS.md"),
) -> None:
    """ROUGE-1/2 F1 on EASC of digest's summaries beside Lead-k and TextRank-k."""
    from digest import evaluate

    articles = guarded(lambda: evaluate.read_easc(easc))
    scores = evaluate.evaluate_easc(articles)
    baseline = scores["Lead-k"].rouge1_per_article
    gaps = {
        name: evaluate.paired_bootstrap(s.rouge1_per_article, baseline)
        for name, s in scores.items()
        if name != "Lead-k"
    }
    publish(
        benchmarks,
        "eval-summarise-easc",
        f"## Summary quality: EASC ({len(articles)} articles)\n\n"
        "ROUGE F1 (%) against the 5 human extracts of each article, averaged over references "
        "and articles; k per article = rounded mean length of its references. Hard-wrapped "
        "article lines are rejoined as the annotators saw them. Arabic tokens: normalised, "
        "Unicode word characters, no stemming. The last column is the ROUGE-1 gap to Lead-k "
        "with its 95% interval by paired bootstrap resampling of the articles "
        f"({evaluate.BOOTSTRAP_RESAMPLES} resamples, seed {evaluate.BOOTSTRAP_SEED}). "
        f"`digest eval summarise --easc {easc}`.",
        ["method", "ROUGE-1", "ROUGE-2", "ROUGE-1 vs Lead-k (95% interval)"],
        [
            (
                name,
                f"{s.rouge1:.2f}",
                f"{s.rouge2:.2f}",
                f"{gaps[name].mean:+.2f} ({gaps[name].low:+.2f} to {gaps[name].high:+.2f})"
                if name in gaps
                else "",
            )
            for name, s in scores.items()
        ],
        {
            "articles": len(articles),
            "scores": {n: {"rouge1": s.rouge1, "rouge2": s.rouge2} for n, s in scores.items()},
            "rouge1_vs_lead": {n: dataclasses.asdict(d) for n, d in gaps.items()},
        }
        if as_json
        else None,
    )


@eval_app.command("headlines")
def eval_headlines(
    ntrex: Annotated[Path, typer.Option(help="The NTREX folder (DOCUMENT_IDS.tsv, *.arb.txt).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    benchmarks: BenchmarksOption = Path("BENCHMARKS.md"),
) -> None:
    """ROUGE-1 of the chosen headline against each NTREX document's real one."""
    from digest import evaluate

    documents = guarded(lambda: evaluate.read_ntrex(ntrex))
    scores = evaluate.evaluate_headlines(documents)
    publish(
        benchmarks,
        "eval-headlines-ntrex",
        f"## Headlines: NTREX ({len(documents)} documents)\n\n"
        "ROUGE-1 F1 (%) of the headline chosen from each document's body (its first line, the "
        "real headline, removed) against the real headline. "
        f"`digest eval headlines --ntrex {ntrex}`.",
        ["headline", "ROUGE-1"],
        [(name, f"{value:.2f}") for name, value in scores.items()],
        {"documents": len(documents), "rouge1": scores} if as_json else None,
    )


ConfigOption = Annotated[
    Path, typer.Option("--config", help="The settings file; `digest init` writes an example.")
]


def load_config(config: Path, **overrides):
    """digest.toml with the options given on the command line (those not None) on top."""
    from digest import configfile

    loaded = configfile.load(config)
    return dataclasses.replace(loaded, **{k: v for k, v in overrides.items() if v is not None})


@app.command()
def init(
    config: ConfigOption = Path("digest.toml"),
    force: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Write a commented example digest.toml: sources, mail server, recipients, schedule."""
    from digest.configfile import write_example

    path = guarded(lambda: write_example(config, force))
    typer.echo(f"wrote {path}; edit it, then check the mail with `digest send --dry-run DIR`")


@app.command()
def send(
    date: Annotated[
        str, typer.Option(help="Issue date YYYY-MM-DD, or latest (the newest issue folder).")
    ] = "latest",
    to: Annotated[
        list[str] | None,
        typer.Option(help="Send to this address instead of the configured ones; repeatable."),
    ] = None,
    dry_run: Annotated[
        Path | None, typer.Option(help="Write the messages as .eml files here; send nothing.")
    ] = None,
    resend: Annotated[
        bool, typer.Option(help="Send again to recipients the log says were sent (or uncertain).")
    ] = False,
    mark_sent: Annotated[
        list[str] | None,
        typer.Option(help="Record ADDR as sent after checking by hand; send nothing; repeatable."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: from the file).")
    ] = None,
    config: ConfigOption = Path("digest.toml"),
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Mail a built issue, one message per recipient, to those not yet sent."""
    from digest import mail
    from digest.configfile import parse_addresses
    from digest.shutdown import stop_on_signals

    day = None if date == "latest" else parse_date(date)

    def run():
        loaded = load_config(config, out=out)
        issue = mail.read_issue(mail.find_issue(loaded.out, day))
        if mark_sent:
            return mail.mark_sent(
                issue.date, [r.email for r in parse_addresses(mark_sent, "--mark-sent")]
            )
        recipients = parse_addresses(to, "--to") if to else None
        settings = loaded.require_mail()
        if dry_run is not None:
            return mail.write_eml(issue, settings, recipients or settings.recipients, dry_run)
        with stop_on_signals() as stop:
            return mail.send_issue(issue, settings, recipients, resend=resend, stop=stop)

    result = guarded(run, debug)
    if mark_sent:
        for address, was in zip(mark_sent, result, strict=True):
            typer.echo(f"marked {address} as sent (was {was})")
    elif dry_run is not None:
        typer.echo(f"wrote {len(result)} message(s) to {dry_run}; nothing was sent")
    else:
        for line in result.summary():
            typer.echo(line)
        if not result.complete:
            raise typer.Exit(1)


@app.command("run")
def run_issue(
    config: ConfigOption = Path("digest.toml"),
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    model: Annotated[str | None, typer.Option(help="Model name from models.lock.")] = None,
    model_dir: Annotated[Path | None, typer.Option(help="A downloaded model folder.")] = None,
    bullets: Annotated[int | None, typer.Option(help="Bullets per story.")] = None,
    translate: Annotated[
        bool | None, typer.Option("--translate/--no-translate", help="Translate, or Arabic only.")
    ] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Build today's issue from articles no earlier issue carried, and mail it."""
    from digest import schedule
    from digest.shutdown import stop_on_signals

    def run():
        loaded = load_config(
            config, out=out, model=model, model_dir=model_dir, bullets=bullets, translate=translate
        )
        with stop_on_signals() as stop:
            return schedule.run_once(loaded, schedule.today(loaded), stop)

    outcome = guarded(run, debug)
    for line in outcome.summary():
        typer.echo(line)
    if outcome.report is not None and not outcome.report.complete:
        raise typer.Exit(1)


@app.command("schedule")
def schedule_command(
    config: ConfigOption = Path("digest.toml"),
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
) -> None:
    """Run `digest run` at each tick of the cron expression in digest.toml, until stopped."""
    from digest import schedule

    guarded(lambda: schedule.serve(load_config(config)), debug)


@eval_app.command("translate")
def eval_translate(
    src: Annotated[Path, typer.Option(help="Arabic sentences, one per line.")],
    ref: Annotated[Path, typer.Option(help="English references, line-aligned with --src.")],
    model: Annotated[str | None, typer.Option(help="Model name from models.lock.")] = None,
    model_dir: ModelDirOption = None,
    backend: BackendOption = "auto",
    threads: ThreadsOption = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N lines.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    benchmarks: BenchmarksOption = Path("BENCHMARKS.md"),
) -> None:
    """BLEU and chrF (sacrebleu, with signatures) of a model's translations against references."""
    from digest import models
    from digest.config import model_dir_from_env
    from digest.translate import load_translator
    from digest.translate.evaluate import read_pair, score

    def run():
        sources, references = read_pair(src, ref, limit)
        resolved = models.resolve(model, model_dir_from_env(model_dir))
        translator = load_translator(resolved, backend, threads)
        return resolved, translator, score(translator, sources, references)

    resolved, translator, scores = guarded(run)
    name = resolved.spec.name
    publish(
        benchmarks,
        f"eval-translate-{name}",
        f"## Translation quality: {name} on {src.name} ({scores.lines} lines)\n\n"
        f"Engine {translator.backend}, revision {resolved.revision}. "
        f"BLEU `{scores.bleu_signature}`; chrF `{scores.chrf_signature}`. "
        f"`digest eval translate --src {src} --ref {ref} --model {name}`.",
        ["model", "engine", "BLEU", "chrF", "flagged for review"],
        [
            (
                name,
                translator.backend,
                f"{scores.bleu:.2f}",
                f"{scores.chrf:.2f}",
                str(scores.flagged),
            )
        ],
        {"model": name, "engine": translator.backend, **scores.__dict__} if as_json else None,
    )


def main() -> None:
    app()
