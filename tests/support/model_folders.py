"""Real model folders built in the tests: a tiny BERT with a real ``BertTokenizerFast`` from a
small vocabulary, saved with ``save_pretrained``; a sentence-transformers folder around it;
a sharded checkpoint.  Seeded: the same bytes every run."""

from __future__ import annotations

import json
from pathlib import Path

import torch

WORDS = "the a model folder git version weights tensor token file exact bytes check out add".split()
SENTENCES = ["the model weights", "a folder of exact bytes", "check out the version"]


def tiny_bert(seed: int = 0) -> torch.nn.Module:
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=5 + len(WORDS),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=64,
    )
    return BertModel(config).eval()


def tokenizer(folder: Path):  # noqa: ANN201 - a BertTokenizerFast
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    return BertTokenizerFast(vocab={w: i for i, w in enumerate(words)})


def bert_folder(path: Path, *, seed: int = 0, card: str | None = None, **save: object) -> Path:
    """A tiny BERT folder: config, weights, tokenizer files, a model card."""
    model = tiny_bert(seed)
    model.save_pretrained(str(path), **save)
    tokenizer(path).save_pretrained(str(path))
    (path / "README.md").write_text(card or "---\nlicense: mit\n---\n# tiny bert\n")
    return path


def sentence_transformers_folder(path: Path, *, seed: int = 0) -> Path:
    """A sentence-transformers folder (Transformer + mean Pooling) around the tiny BERT,
    written by hand in the layout ``SentenceTransformer.save`` uses."""
    bert_folder(path, seed=seed)
    (path / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            ],
            indent=2,
        )
    )
    (path / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 32, "do_lower_case": False}))
    (path / "1_Pooling").mkdir()
    (path / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": 32, "pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False})
    )
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    """``{relative path: bytes}`` of every file under ``folder`` (what ``cmp -r`` compares)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
