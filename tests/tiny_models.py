"""Tiny translation models built on the fly, so the real loading and generation code runs here.

Each is a SentencePiece model trained on a few lines plus a MarianMT or M2M100 (NLLB-shaped)
network of a few thousand random parameters with a fixed seed, saved with save_pretrained in the
same files the Hub serves. They check loading, batching, ordering and errors, not quality.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ENGLISH = [
    "The president said the talks were productive.",
    "Trump and Putin met in Alaska on Friday.",
    "The meeting lasted about three hours, 3 hours.",
]


def corpus() -> list[str]:
    lines = [
        line.strip() for f in sorted(SEEDS.glob("*.txt")) for line in f.read_text().splitlines()
    ]
    return [line for line in lines if line] + ENGLISH


def train_spm(model_type: str, ids: dict[str, int], vocab_size: int = 120) -> bytes:
    import sentencepiece as spm

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus()),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        hard_vocab_limit=False,
        minloglevel=2,
        num_threads=1,
        **ids,
    )
    return buffer.getvalue()


def small_network(**extra: int) -> dict[str, int]:
    return dict(
        d_model=8,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=16,
        decoder_ffn_dim=16,
        max_position_embeddings=256,
        **extra,
    )


def save_random(model_class, config, folder: Path, **generation) -> Path:
    """Random weights with a fixed seed, and the generation settings a real model ships."""
    import torch

    torch.manual_seed(0)
    model = model_class(config)
    model.generation_config.num_beams = 2
    model.generation_config.max_length = 24
    for name, value in generation.items():
        setattr(model.generation_config, name, value)
    model.save_pretrained(folder)
    return folder


def save_marian_tokenizer(folder: Path, proto: bytes, vocab: dict[str, int]) -> None:
    """OPUS-MT's tokenizer files: one SentencePiece model for both sides, and vocab.json."""
    from transformers import MarianTokenizer

    (folder / "source.spm").write_bytes(proto)
    (folder / "target.spm").write_bytes(proto)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    MarianTokenizer(
        source_spm=str(folder / "source.spm"),
        target_spm=str(folder / "target.spm"),
        vocab=str(folder / "vocab.json"),
    ).save_pretrained(folder)


def build_marian(folder: Path) -> Path:
    """Laid out like the OPUS-MT models: ``<pad>`` is the last vocabulary entry, after the
    SentencePiece pieces, and the decoder starts from it (CTranslate2's converter relies on this)."""
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel

    folder.mkdir(parents=True, exist_ok=True)
    proto = train_spm("unigram", {"eos_id": 0, "unk_id": 1, "pad_id": -1, "bos_id": -1})
    pieces = spm.SentencePieceProcessor(model_proto=proto)
    vocab = {pieces.id_to_piece(i): i for i in range(pieces.get_piece_size())}
    pad = vocab.setdefault("<pad>", len(vocab))
    save_marian_tokenizer(folder, proto, vocab)

    config = MarianConfig(
        vocab_size=len(vocab),
        pad_token_id=pad,
        eos_token_id=0,
        decoder_start_token_id=pad,
        forced_eos_token_id=0,
        **small_network(),
    )
    return save_random(MarianMTModel, config, folder, bad_words_ids=[[pad]])


def build_nllb(folder: Path) -> Path:
    from transformers import AutoTokenizer, M2M100Config, M2M100ForConditionalGeneration

    source = folder.with_name(folder.name + "-spm")
    source.mkdir(parents=True)
    (source / "sentencepiece.bpe.model").write_bytes(
        train_spm("bpe", {"bos_id": 0, "pad_id": 1, "eos_id": 2, "unk_id": 3})
    )
    (source / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "NllbTokenizer",
                "src_lang": "arb_Arab",
                "tgt_lang": "eng_Latn",
                "extra_special_tokens": ["arb_Arab", "eng_Latn"],
            }
        )
    )
    tokenizer = AutoTokenizer.from_pretrained(source, src_lang="arb_Arab")
    tokenizer.save_pretrained(folder)

    config = M2M100Config(
        vocab_size=len(tokenizer),
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        **small_network(),
    )
    return save_random(M2M100ForConditionalGeneration, config, folder)


def converted_copy(source: Path, folder: Path, quantization: str = "int8") -> Path:
    """A copy of a tiny model with its CTranslate2 conversion made by the real converter."""
    import shutil

    from digest.translate import convert, models

    shutil.copytree(source, folder)
    convert.convert(models.resolve(None, folder), quantization)
    return folder
