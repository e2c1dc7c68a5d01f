"""What run-all's fork server sets up once, so that no force's process does it again.

Imported by the server after the modules a force's build imports
(:data:`pcc_report.fanout.PRELOAD`): Python's multiprocessing fork server can only import
modules, so importing this module is what does it. A force's process forked from the server
then finds done what the first build in any new process would pay for:

* nbformat's notebook schema validators, which fastjsonschema compiles from the schema the
  first time a notebook or an output is validated (papermill reads, nbclient's outputs,
  the write): one section template is read, given an output and written, in memory;
* Great Expectations' context, its data source and the police.uk suite's validation
  definition, which :mod:`pcc_report.validation.suites` keeps for the process: the suite is
  run once on no rows, as a second force validated in one process finds them.

Nothing is read but a template and the suite, and nothing is written. Neither changes a
result (a process that builds several forces, as the tests do, has always reused both). A
failure here is ignored: each force's process then does the set-up itself, and its own
validation reports any problem.
"""

from __future__ import annotations

import contextlib


def _prepare() -> None:
    import nbformat

    from pcc_report.execution import NOTEBOOKS_DIR
    from pcc_report.validation.street import validate_street

    template = min(NOTEBOOKS_DIR.glob("*.ipynb"))
    notebook = nbformat.read(template, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        outputs=[nbformat.v4.new_output("stream", name="stdout", text="")]))
    nbformat.writes(notebook)
    validate_street(None, required_months=["2024-01"], allow_missing=True)


with contextlib.suppress(Exception):
    _prepare()
