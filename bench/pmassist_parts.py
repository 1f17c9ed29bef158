"""pmassist's default parts (embedder, store, tokenizer, glossary), built for the benches the
way pmassist's entry points build them (the same defaults from Settings)."""

from __future__ import annotations

from typing import Any

from assistant.settings import Settings


def embedder(settings: Settings) -> Any:
    from ingest.embedders import HashingEmbedder

    return HashingEmbedder(settings.embedding.dim)


def store(settings: Settings, embedder: Any) -> Any:
    import chromadb

    from ingest.store import ChromaStore

    path = settings.workspace / "chroma"
    return ChromaStore(lambda: chromadb.PersistentClient(path=str(path)), embedder.id).open()


def tokenizer(settings: Settings) -> Any:
    from assistant.tokenize import default_tokenizer

    return default_tokenizer(settings.workspace / "cache")


def glossary(tokenizer: Any) -> Any:
    from assistant.glossary import load_default_glossary

    terms = load_default_glossary()
    tokenizer.add_words(terms.chinese_forms)
    return terms
