"""Translation speed: transformers float32 against CTranslate2 int8, on the real models' shapes.

Real weights cannot be downloaded here, so the models are randomly initialised with the shapes of
opus-mt-ar-en (6+6 layers, d_model 512, 8 heads, FFN 2048, vocabulary 62,834) and of the
transformer-big opus-mt-tc-big-ar-en (6+6 layers, d_model 1024, 16 heads, FFN 4096, a vocabulary
of the same size), saved with save_pretrained and converted by `digest models convert`'s code.
Speed does not depend on the values of the weights, only on their shapes and the number of
tokens decoded, so the output length is forced: 64 NTREX sentences, 40 output tokens each, beam 4.

Measured:
- output tokens per second and peak RSS: each backend in its own process, the median of --runs
  timed passes after a warm-up, the two backends' passes alternating; the ratio is the median of
  the paired passes' ratios, so a slow spell of a shared machine does not fall on one backend;
- in a fresh process per backend (so peak RSS is that backend's alone), the translation stage
  of a real `digest build` of 100 NTREX documents
  (opus-mt-ar-en shape; generation capped at 40 tokens like the speed test; the guards' retries
  are off, because random weights fail every guard, which real weights rarely do), its peak RSS;
- a second build of the same input, as a user runs it (`digest build`): total wall time, and
  how many sentences it translated.

    python benchmarks/translate_speed.py            # writes the Translate section of BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NTREX = ROOT.parent / "shared" / "data" / "ntrex"
VOCAB = 62834
SENTENCES = 64
OUTPUT_TOKENS = 40
BEAM = 4
ARTICLES = 100
BACKENDS = ("transformers", "ctranslate2")
# The big shape is timed on half the sentences: it is only reported, the targets are on the small
# one, and the whole benchmark must stay under 10 minutes on 2 cores.
SHAPES = {
    "opus-mt-ar-en": dict(d_model=512, heads=8, ffn=2048, sentences=SENTENCES),
    "opus-mt-tc-big-ar-en": dict(d_model=1024, heads=16, ffn=4096, sentences=SENTENCES // 2),
}


def ntrex_documents():
    from digest.evaluate.summaries import read_ntrex

    return read_ntrex(NTREX)


def build_model(folder: Path, shape: dict, corpus: list[str]) -> Path:
    """A MarianMT model of this shape with random weights and a SentencePiece tokenizer trained on
    the corpus, its vocabulary padded with unused pieces to the real size, <pad> last."""
    import io

    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel

    from tests.tiny_models import save_marian_tokenizer

    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=buffer,
        vocab_size=8000,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        eos_id=0,
        unk_id=1,
        pad_id=-1,
        bos_id=-1,
        minloglevel=2,
        num_threads=os.cpu_count() or 1,
    )
    pieces = spm.SentencePieceProcessor(model_proto=buffer.getvalue())
    vocab = {pieces.id_to_piece(i): i for i in range(pieces.get_piece_size())}
    for i in range(len(vocab), VOCAB - 1):
        vocab[f"▁unused{i}"] = i
    vocab["<pad>"] = VOCAB - 1
    save_marian_tokenizer(folder, buffer.getvalue(), vocab)
    config = MarianConfig(
        vocab_size=VOCAB,
        d_model=shape["d_model"],
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=shape["heads"],
        decoder_attention_heads=shape["heads"],
        encoder_ffn_dim=shape["ffn"],
        decoder_ffn_dim=shape["ffn"],
        max_position_embeddings=512,
        pad_token_id=VOCAB - 1,
        eos_token_id=0,
        decoder_start_token_id=VOCAB - 1,
        forced_eos_token_id=0,
    )
    torch.manual_seed(0)
    model = MarianMTModel(config)
    model.generation_config.num_beams = BEAM
    model.generation_config.max_length = OUTPUT_TOKENS + 1
    model.generation_config.bad_words_ids = [[VOCAB - 1]]
    model.save_pretrained(folder)
    return folder


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries that across
    exec, so a worker would report the peak of the parent that started it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_speed(folder: Path, backend: str, sentences: int) -> None:
    """Load one backend, warm it up, then time one pass each time the parent writes a line.

    Each backend keeps its own process (its peak RSS is its own, and two thread pools never
    compete), while the parent alternates the passes of the two, so a slow spell of a shared
    machine falls on both backends rather than on one."""
    from digest import models
    from digest.translate import load_engine
    from digest.translate.decoding import Decoding
    from digest.translate.faithful import batches

    engine = load_engine(models.resolve(None, folder), backend)
    lines = [line for doc in ntrex_documents() for line in doc.body][:sentences]
    lengths = dict(zip(lines, engine.lengths(lines), strict=True))
    order = sorted(lines, key=lengths.__getitem__)
    forced = Decoding(beam=BEAM).forced(OUTPUT_TOKENS)
    engine.generate(order[:8], forced)
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        for batch in batches(order, lengths):
            engine.generate(batch, forced)
        rate = len(lines) * OUTPUT_TOKENS / (time.perf_counter() - start)
        print(json.dumps({"rate": rate, "rss_mb": peak_rss_mb()}), flush=True)


def alternating_speed(folder: Path, runs: int, sentences: int) -> dict:
    """Medians of each backend's passes, and the median ratio of the paired passes."""
    workers = {
        backend: subprocess.Popen(
            [sys.executable, __file__, "--worker", "speed", str(folder), backend, str(sentences)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for backend in BACKENDS
    }
    try:
        for backend, worker in workers.items():
            if worker.stdout.readline().strip() != "ready":
                raise SystemExit(f"the {backend} speed worker failed to start")
        passes: dict[str, list[dict]] = {backend: [] for backend in BACKENDS}
        for _ in range(runs):
            for backend, worker in workers.items():
                worker.stdin.write("go\n")
                worker.stdin.flush()
                passes[backend].append(json.loads(worker.stdout.readline()))
    finally:
        for worker in workers.values():
            worker.stdin.close()
            worker.wait()
    rates = {backend: [p["rate"] for p in done] for backend, done in passes.items()}
    ratios = [c / t for t, c in zip(rates["transformers"], rates["ctranslate2"], strict=True)]
    return {
        "rates": rates,
        "median": {backend: statistics.median(r) for backend, r in rates.items()},
        "ratio": statistics.median(ratios),
        "rss_mb": {backend: done[-1]["rss_mb"] for backend, done in passes.items()},
    }


def machine() -> str:
    """The CPU model and core count, so absolute figures say where they were measured."""
    model = platform.processor() or platform.machine()
    for line in (
        Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []
    ):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{model}, {os.cpu_count()} CPU threads"


def worker_model(folder: Path, name: str) -> dict:
    """Build and convert one model, in its own process so the parent stays small."""
    from digest import models
    from digest.translate import convert

    corpus = [line for doc in ntrex_documents() for line in (doc.headline, *doc.body)]
    corpus += (NTREX / "newstest2019-src.eng.txt").read_text(encoding="utf-8").splitlines()
    start = time.perf_counter()
    build_model(folder, SHAPES[name], corpus)
    convert.convert(models.resolve(None, folder), "int8")
    return {"seconds": time.perf_counter() - start}


def worker_build(sources: Path, folder: Path, backend: str, out: Path) -> dict:
    """One build through the library, timing the translation stage and nothing else."""
    from digest.pipeline import build
    from digest.settings import build_settings, state_path
    from digest.store import Store
    from digest.translate import cache, guards

    guards.problem = lambda source, output: None
    timed = {"seconds": 0.0, "sentences": 0}
    translate = cache.CachedTranslator.translate

    def measured(self, sentences):
        start = time.perf_counter()
        result = translate(self, sentences)
        timed["seconds"] += time.perf_counter() - start
        timed["sentences"] += self.translated
        return result

    cache.CachedTranslator.translate = measured
    start = time.perf_counter()
    result = build(
        build_settings([str(sources)], out=out, model_dir=folder, backend=backend),
        Store(state_path(os.environ)),
    )
    return {
        "total": time.perf_counter() - start,
        "translate": timed["seconds"],
        "translated": timed["sentences"],
        "stories": len(result.issue.stories),
        "rss_mb": peak_rss_mb(),
    }


def in_subprocess(*args: str, env: dict | None = None) -> dict:
    command = [sys.executable, __file__, "--worker", *args]
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def write_articles(folder: Path) -> Path:
    folder.mkdir()
    for doc in ntrex_documents()[:ARTICLES]:
        front = f"---\ntitle: {doc.headline}\nsource: NTREX\ndate: 2019-01-01\n---\n"
        (folder / f"{doc.id}.txt").write_text(front + "\n".join(doc.body) + "\n", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed passes per backend (median)")
    parser.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "speed":
            worker_speed(Path(rest[0]), rest[1], int(rest[2]))
            return
        elif kind == "model":
            result = worker_model(Path(rest[0]), rest[1])
        else:
            result = worker_build(Path(rest[0]), Path(rest[1]), rest[2], Path(rest[3]))
        print(json.dumps(result))
        return

    from digest import report

    began = time.perf_counter()
    os.environ["HF_HUB_OFFLINE"] = "1"
    rows, builds = [], []
    with tempfile.TemporaryDirectory(prefix="digest-bench-") as temporary:
        work = Path(temporary)
        folders = {}
        for name in SHAPES:
            folders[name] = work / name
            in_subprocess("model", str(folders[name]), name)
            speed = alternating_speed(folders[name], args.runs, SHAPES[name]["sentences"])
            rows.append(
                (
                    name,
                    f"{speed['median']['transformers']:.0f}",
                    f"{speed['median']['ctranslate2']:.0f}",
                    f"{speed['ratio']:.2f}x",
                    f"{speed['rss_mb']['transformers']:.0f}",
                    f"{speed['rss_mb']['ctranslate2']:.0f}",
                )
            )
            print(name, json.dumps(speed), flush=True)

        articles = write_articles(work / "articles")
        for backend in BACKENDS:
            state = {"DIGEST_STATE": str(work / f"state-{backend}.sqlite3")}
            out = work / f"site-{backend}"
            first = in_subprocess(
                "build", str(articles), str(folders["opus-mt-ar-en"]), backend, str(out), env=state
            )
            start = time.perf_counter()
            second = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "digest",
                    "build",
                    str(articles),
                    "--backend",
                    backend,
                    "--model-dir",
                    str(folders["opus-mt-ar-en"]),
                    "--out",
                    str(work / "again"),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env={**os.environ, **state},
                check=True,
            )
            seconds = time.perf_counter() - start
            counted = [line for line in second.stderr.splitlines() if "translated" in line]
            again = counted[-1].split(", ")[-1] if counted else "?"
            builds.append(
                (
                    backend,
                    str(first["stories"]),
                    str(first["translated"]),
                    f"{first['translate']:.1f}",
                    f"{first['total']:.1f}",
                    f"{first['rss_mb']:.0f}",
                    f"{seconds:.2f}",
                    again,
                )
            )
            print(backend, json.dumps(first), f"second build {seconds:.2f}s ({again})", flush=True)

    elapsed = time.perf_counter() - began
    speed_table = report.table(
        [
            "model shape",
            "transformers fp32 tok/s",
            "CTranslate2 int8 tok/s",
            "ratio",
            "transformers peak RSS MB",
            "CTranslate2 peak RSS MB",
        ],
        rows,
    )
    build_table = report.table(
        [
            "backend",
            "stories",
            "sentences translated",
            "translation stage s",
            "build s",
            "peak RSS MB",
            "second build s",
            "second build",
        ],
        builds,
    )
    body = (
        "## Translate: speed and memory\n\n"
        f"Random weights in the real shapes; {SENTENCES} NTREX sentences ({SENTENCES // 2} for the "
        f"big shape, to keep the run under 10 minutes), {OUTPUT_TOKENS} output "
        f"tokens each (forced), beam {BEAM}, length-sorted batches; output tokens/s is the median "
        f"of {args.runs} passes after a warm-up, each backend in its own process, their passes alternating "
        f"(ratio: the median of the paired passes' ratios); measured on {machine()}. Targets: CTranslate2 int8 at least 3x transformers fp32 on the "
        "opus-mt-ar-en shape; a CTranslate2 build under 600 MB peak RSS; a second build of the "
        "same input translates nothing and takes under 3 s.\n\n"
        f"{speed_table}\n\n"
        f"A build of {ARTICLES} NTREX documents (opus-mt-ar-en shape, outputs capped at "
        f"{OUTPUT_TOKENS} tokens, guard retries off since random weights fail every guard), "
        "then the same build again from the translation cache with `digest build` "
        "(a new process: start-up, ingest, summaries, cache look-up, rendering).\n\n"
        f"{build_table}\n\n"
        f"`python benchmarks/translate_speed.py` ({elapsed / 60:.1f} minutes for this run)."
    )
    report.update_section(args.benchmarks, "translate-speed", body)
    print(speed_table, build_table, f"{elapsed:.0f} s", sep="\n\n")


if __name__ == "__main__":
    main()
