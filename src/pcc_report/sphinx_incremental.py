"""A small Sphinx extension: HTML written into kept output is what a fresh build writes.

A draft's HTML build (:mod:`pcc_report.book_reuse`) keeps its output between builds, so
Sphinx writes only the pages whose source changed (and the root, and the pages whose figure
or section numbers moved: Sphinx's own bookkeeping; paragraph numbers:
:mod:`pcc_report.sphinx_paragraphs`). Two things Sphinx alone gets wrong there:

* The outline. Every page also shows other pages: the navigation bar lists every
  document's title, "previous" and "next" name the neighbours' titles, and a reference
  prints its target's title or caption. Sphinx does not write a page again when only
  another page's title changed, so such a page would keep a stale navigation bar. Here,
  when a document that was read again has a different outline from before (its titles, its
  section headings and their anchors, the labels it defines with their titles), or
  documents were added or removed, every document is returned from ``env-get-updated``, so
  every page is written. (A change of ``_toc.yml`` or of the configuration needs nothing:
  Sphinx then reads and writes everything itself.) The outline before the read is taken on
  ``env-purge-doc``, which Sphinx emits for a document just before it forgets it (to read it
  again, or because it was removed); this listener runs before Sphinx's own, which clear the
  titles and section trees.
* The search index. Sphinx loads the last index, drops the pages it writes again and adds
  them anew, but keeps a word that no page has any more, with no page: the index would
  differ from a fresh build's. Such words are dropped before the index is written (its
  word tables are Sphinx's ``IndexBuilder._mapping`` and ``_title_mapping``, Sphinx pinned
  by the lock file; ``tests/test_book_reuse_e2e.py`` compares a draft with a fresh build).
"""

from __future__ import annotations

from docutils import nodes

#: The documents of the last build, kept in Sphinx's environment (pickled with it).
KNOWN = "pcc_outline_docs"


def outline(env, docname: str) -> tuple:  # noqa: ANN001 - a Sphinx BuildEnvironment
    """What other pages show of ``docname``: its titles, section tree and labels."""

    def shown(node: nodes.Node | None) -> str:
        return node.pformat() if node is not None else ""

    labels = env.domaindata.get("std", {}).get("labels", {})
    anonymous = env.domaindata.get("std", {}).get("anonlabels", {})
    return (
        shown(env.titles.get(docname)),
        shown(env.longtitles.get(docname)),
        shown(env.tocs.get(docname)),
        sorted((name, *target) for name, target in labels.items() if target[0] == docname),
        sorted((name, *target) for name, target in anonymous.items() if target[0] == docname),
    )


def _before(app) -> dict[str, tuple]:  # noqa: ANN001 - a Sphinx application
    if not hasattr(app, "pcc_outline_before"):
        app.pcc_outline_before = {}
    return app.pcc_outline_before


def _remember(app, env, docname: str) -> None:  # noqa: ANN001
    if docname in env.all_docs:
        _before(app).setdefault(docname, outline(env, docname))


def outdated_pages(app, env) -> list[str]:  # noqa: ANN001
    """Every document if the outline changed since the last build, else none."""
    before = _before(app)
    app.pcc_outline_before = {}
    documents = set(env.all_docs)
    known = getattr(env, KNOWN, None)
    setattr(env, KNOWN, documents)
    moved = known is not None and known != documents
    moved = moved or any(docname not in documents or outline(env, docname) != was
                         for docname, was in before.items())
    return sorted(documents) if moved else []


def drop_vanished_words(app, *_: object) -> list:  # noqa: ANN001
    """Remove the search index's words that no page has (``html-collect-pages``: after every
    page was indexed, before the index is written); no pages of its own."""
    indexer = getattr(app.builder, "indexer", None)
    for table in (getattr(indexer, "_mapping", {}), getattr(indexer, "_title_mapping", {})):
        for word in [word for word, pages in table.items() if not pages]:
            del table[word]
    return []


def setup(app) -> dict:  # noqa: ANN001
    app.connect("env-purge-doc", _remember, priority=100)  # before Sphinx's collectors forget
    app.connect("env-get-updated", outdated_pages)
    app.connect("html-collect-pages", drop_vanished_words)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
