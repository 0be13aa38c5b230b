"""The one way in: a source yields documents, one pipeline prepares articles, one writer
stores them, for every kind of source.

- ``Ingestor`` (ingestor.py): reads files, pages and feeds, and runs feed polls, through
- ``ArticlePipeline`` (prepare.py): summaries, content hash, index tokens, SimHash; and
- ``ArticleWriter`` (writer.py): exact and near-duplicate checks and the insert, under one lock.
- ``open_store`` (index.py): the store, with queries tokenized as articles are indexed.

The sources themselves (files, web pages, feeds) live in bot.sources and know nothing of this
package: they hand ``Document``s to the sink an ``Ingestor`` run gives them.
"""

from bot.ingest.index import ANALYZER, migrate, open_store
from bot.ingest.ingestor import Ingestor
from bot.ingest.prepare import ArticlePipeline, Refused, content_hash
from bot.ingest.writer import ArticleWriter
from bot.sources.documents import Document, IngestReport, describe_error
from bot.sources.files import FilePolicy

__all__ = [
    "ANALYZER",
    "ArticlePipeline",
    "ArticleWriter",
    "Document",
    "FilePolicy",
    "IngestReport",
    "Ingestor",
    "Refused",
    "content_hash",
    "describe_error",
    "migrate",
    "open_store",
]
