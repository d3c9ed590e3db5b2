"""Multilingual news repair and merged neutral summarisation.

    from summarizer import Pipeline, Article
    report = Pipeline(repair=False).run([Article(text=..., title=..., source=...)])
"""

__version__ = "0.1.0"

from .config import Config  # noqa: E402
from .document import Document, Report, Sentence  # noqa: E402
from .ingest import Article  # noqa: E402
from .pipeline import Pipeline  # noqa: E402

__all__ = ["Pipeline", "Article", "Config", "Report", "Document", "Sentence", "__version__"]
