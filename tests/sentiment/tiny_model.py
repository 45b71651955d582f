"""Build a tiny, randomly initialised sequence-classification model on disk, as a real model folder would be."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SENTENCES = [
    "great product i love it",
    "terrible service never again",
    "the parcel arrived on tuesday",
    "le colis est arrivé mardi",
    "c'est nul je suis déçu",
    "super produit je recommande",
]


def build_tiny_model(folder: Path, labels: Sequence[str], *, max_length: int = 64, seed: int = 0) -> Path:
    """Save a 2-layer, 32-wide BERT classifier and a word-level tokenizer trained on a few sentences."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=specials))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[(token, tokenizer.token_to_id(token)) for token in ("[CLS]", "[SEP]")],
    )
    PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        model_max_length=max_length,
    ).save_pretrained(folder)

    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_length,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        # Wide random weights, so that different texts get clearly different outputs.
        initializer_range=1.0,
    )
    torch.manual_seed(seed)
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder
