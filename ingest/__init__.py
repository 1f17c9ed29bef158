"""Documents -> text -> chunks -> vectors in Chroma, with a manifest for incremental updates.

Entry points (built from Settings by `assistant.factory`, never at import time):
  - `ingest.pipeline.ingest_paths(paths, store=, embedder=, manifest=, config=)` -> IngestReport
  - `ingest.pipeline.remove_documents(sources, store=, manifest=)`
  - `ingest.lock.WorkspaceLock(workspace, wait=0)`: hold it around both of the above
  - `ingest.store.ChromaStore` / `InMemoryStore`: the `IndexStore` port (ingest.ports)
  - `ingest.embedders.HashingEmbedder(dim)`: the default `Embedder`, offline and deterministic
  - `ingest.manifest.Manifest`: documents, chunk counts, `generation()` for derived indexes

Reading a file: ingest.loaders (formats, encodings) -> ingest.textclean -> ingest.metadata
(project, doc_type, date) -> ingest.chunking (headings, paragraphs, sentences), one file at a
time in ingest.files. PDF and DOCX are parsed in a worker process (ingest.reader_process) that
is killed if a file hangs it. A large ingest (2 MB+ of new files) hands every file to a worker
process (ingest.file_worker) that also chunks and embeds, while the run only writes to Chroma.
"""
