"""Great Expectations plumbing: load a reviewed suite, run it on a frame, read GX's verdict.

Why one module: the police.uk street suite and the returns suites are run and reported
the same way. GX decides pass/fail of every row rule; this module only turns GX's results into
suite summaries and :class:`Problem` objects that name file, line, column and rule (each
expectation's ``meta`` carries ``{"level": "error" | "warning", "rule": "<plain English>"}``).

Great Expectations is imported lazily, once per process, because importing it takes ~4-5 s and
most callers (the notebooks, the CLI's ``--help``) never validate anything.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcc_report.ingest import TRACE_COLUMNS
from pcc_report.validation.files import columns_problem
from pcc_report.validation.results import ERROR, LEVELS, MAX_EXAMPLES, Problem

if TYPE_CHECKING:
    import pandas

#: The GX rule type that checks a table's columns (one per suite: the header rule).
HEADER_RULE_TYPE = "expect_table_columns_to_match_ordered_list"

# GX rule types whose kwargs name a key (several columns) rather than one column.
_KEY_RULE_TYPES = frozenset({"expect_compound_columns_to_be_unique"})


def load_suite(expectations_dir: Path, name: str) -> tuple[dict, dict]:
    """The suite ``<expectations_dir>/<name>.json`` and its provenance for the report.

    Returns ``(suite_json, provenance)`` where provenance is ``{"file", "sha256"}``: the report
    records exactly which reviewed rules were applied.
    """
    path = Path(expectations_dir) / f"{name}.json"
    data = path.read_bytes()
    return json.loads(data), {"file": path.name, "sha256": hashlib.sha256(data).hexdigest()}


def check_frame(
    suite_json: dict, provenance: dict, gx_frame: pandas.DataFrame
) -> tuple[dict, list[Problem]]:
    """Run the suite on the frame; its summary (with provenance) and its problems, in order."""
    result = _run_suite(suite_json, gx_frame)
    summary, problems = _interpret(suite_json, result, gx_frame)
    summary.update(provenance)
    return summary, problems


def is_helper_column(column: str) -> bool:
    """Trace and derived columns are added by this package, not read from the data."""
    return column in TRACE_COLUMNS or column.startswith("_")


def _run_suite(suite_json: dict, gx_frame: pandas.DataFrame) -> Any:
    """Run the suite with GX on the frame; return GX's ExpectationSuiteValidationResult.

    Runs through a ValidationDefinition (GX 1.x's way to validate a batch definition with
    runtime batch parameters). ``SUMMARY`` result format with ``partial_unexpected_count``
    gives pass/fail, counts and up to :data:`MAX_EXAMPLES` unexpected row indexes per
    expectation, which is much cheaper on 0.7 M rows than ``COMPLETE`` (every unexpected row).
    """
    expected = len(suite_json.get("expectations", []))
    rules = [e.get("meta", {}).get("rule") for e in suite_json.get("expectations", [])]
    levels = [e.get("meta", {}).get("level") for e in suite_json.get("expectations", [])]
    name = suite_json.get("name", "?")
    if any(not r for r in rules) or len(set(rules)) != len(rules):
        raise ValueError(f"suite {name}: every expectation needs a unique meta.rule")
    if any(level not in LEVELS for level in levels):
        raise ValueError(f"suite {name}: every expectation needs meta.level error or warning")
    definition = _validation_definition(json.dumps(suite_json, sort_keys=True))
    if len(definition.suite.expectations) != expected:
        # GX logs and drops invalid expectations; a silently smaller suite must not pass.
        raise ValueError(
            f"suite {name}: GX accepted {len(definition.suite.expectations)} of {expected} "
            "expectations"
        )
    return definition.run(
        batch_parameters={"dataframe": gx_frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES},
    )


@lru_cache(maxsize=32)
def _validation_definition(suite_text: str) -> Any:
    """The suite registered in the GX context with a ValidationDefinition, once per suite text.

    Registering costs a few tenths of a second; the cache makes repeated validations (several
    forces in one process, the test suite) pay it once per distinct suite.
    """
    import great_expectations as gx

    context, batch_definition = _gx_session()
    suite_json = json.loads(suite_text)
    # Registered under a name unique to this text: two versions of a suite (say a test's
    # edited copy) must not replace each other in the context.
    digest = hashlib.sha256(suite_text.encode("utf-8")).hexdigest()[:16]
    suite_json["name"] = f"{suite_json['name']}-{digest}"
    suite = context.suites.add_or_update(gx.ExpectationSuite(**suite_json))
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
    )


@cache
def _gx_session() -> tuple[Any, Any]:
    """One ephemeral GX context per process (nothing written to disk) and its batch definition.

    The context is reused so that validating several forces in one process pays GX's set-up
    once. GX fingerprints every pandas batch by hashing all of it (~0.7 s on 0.7 M rows) only
    to store the hash in batch markers, which this module never reads; the threshold below
    which GX does that is set to 0 to skip it.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas(name="pcc_report")
    asset = source.add_dataframe_asset(name="frame")
    return context, asset.add_batch_definition_whole_dataframe("whole_frame")


def _interpret(
    suite_json: dict, result: Any, gx_frame: pandas.DataFrame
) -> tuple[dict, list[Problem]]:
    """Turn GX's result into a suite summary and Problems, in the suite file's order."""
    by_rule = {r.expectation_config.meta["rule"]: r for r in result.results}
    summaries: list[dict] = []
    problems: list[Problem] = []
    for spec in suite_json["expectations"]:
        meta, kwargs = spec["meta"], spec["kwargs"]
        rule, level = meta["rule"], meta["level"]
        column = (
            meta.get("source_column")
            or kwargs.get("column")
            or kwargs.get("column_A")
            or (", ".join(kwargs["column_list"]) if spec["type"] in _KEY_RULE_TYPES else None)
        )
        res = by_rule[rule]
        details = res.result or {}
        exception = _exception_message(res.exception_info)
        success = bool(res.success) and not exception
        count = int(details.get("unexpected_count") or 0)
        is_header_rule = spec["type"] == HEADER_RULE_TYPE
        if is_header_rule and not success:
            count = 1  # one table with the wrong columns (GX reports no count for table rules)
        summaries.append(
            {
                "rule": rule,
                "level": level,
                "type": spec["type"],
                "column": column,
                "success": success,
                "unexpected_count": count,
                "element_count": int(details.get("element_count") or 0),
            }
        )
        if success:
            continue
        if exception:
            message = f"rule could not be checked: {exception}"
            examples: list[dict] = []
        elif is_header_rule:
            expected = [c for c in kwargs["column_list"] if not is_helper_column(c)]
            observed = [str(c) for c in gx_frame.columns]
            source = [c for c in observed if not is_helper_column(c)]
            message = "the combined data has the wrong columns: " + columns_problem(
                source, expected
            ).removeprefix("wrong header: ")
            examples = [{"file": None, "line": None, "value": ", ".join(source)}]
        elif kwargs.get("column") == "_month_rows_vs_median":
            message, examples = _month_examples(gx_frame, kwargs)
        else:
            indexes = details.get("partial_unexpected_index_list") or []
            examples = [_row_example(gx_frame, int(i), spec) for i in indexes[:MAX_EXAMPLES]]
            total = details.get("element_count") or 0
            message = f"{count:,} of {total:,} checked row(s) break this rule"
        problems.append(
            Problem(
                suite=suite_json["name"],
                rule=rule,
                level=level,
                column=column,
                message=message,
                examples=examples,
                unexpected_count=count,
            )
        )
    errors_ok = all(s["success"] for s in summaries if s["level"] == ERROR)
    summary = {
        "name": suite_json["name"],
        "success": all(s["success"] for s in summaries),
        "errors_success": errors_ok,
        "evaluated": len(summaries),
        "successful": sum(s["success"] for s in summaries),
        "unsuccessful": sum(not s["success"] for s in summaries),
        "expectations": summaries,
    }
    return summary, problems


def _row_example(gx_frame: pandas.DataFrame, position: int, spec: dict) -> dict:
    """``{"file", "line", "value"}`` for one failing row, showing what an analyst must see.

    Pair rules show both values (by their source columns when ``meta.compared_with`` names the
    other one, since GX compares derived numeric columns); key rules show the whole key; a rule
    on a derived column with ``meta.value_label`` shows the source value and the derived one.
    """
    kwargs, meta = spec["kwargs"], spec["meta"]
    row = gx_frame.iloc[position]
    if "column_A" in kwargs and meta.get("compared_with"):
        shown, other = meta["source_column"], meta["compared_with"]
        value = f"{row[shown]} (but {other} is {row[other]})"
    elif "column_A" in kwargs:
        value = f"{row[kwargs['column_A']]} (but {kwargs['column_B']} is {row[kwargs['column_B']]})"
    elif spec["type"] in _KEY_RULE_TYPES:
        value = ", ".join(str(row[c]) for c in kwargs["column_list"])
    else:
        value = str(row[meta.get("source_column") or kwargs["column"]])
        if meta.get("value_label"):
            value += f" ({meta['value_label']}: {row[kwargs['column']]:g})"
    return {"file": str(row["source_file"]), "line": int(row["source_line"]), "value": value}


def _month_examples(gx_frame: pandas.DataFrame, kwargs: dict) -> tuple[str, list[dict]]:
    """One example per implausible month (GX's examples would all be rows of the same month)."""
    low, high = kwargs["min_value"], kwargs["max_value"]
    ratio = gx_frame.groupby("file_month", sort=True)["_month_rows_vs_median"].first()
    rows = gx_frame["file_month"].value_counts()
    files = gx_frame.groupby("file_month", sort=True)["source_file"].first()
    bad = [m for m, r in ratio.items() if not math.isnan(r) and not low <= r <= high]
    examples = [
        {
            "file": str(files[m]),
            "line": None,
            "value": f"{m}: {int(rows[m]):,} rows, {ratio[m]:.0%} of the median of the other "
            "months",
        }
        for m in bad[:MAX_EXAMPLES]
    ]
    message = (
        f"{len(bad)} month(s) have a row count outside {low:.0%}..{high:.0%} of the median "
        f"of the other months: {', '.join(bad)}"
    )
    return message, examples


def _exception_message(info: Any) -> str:
    """First exception message in GX's (possibly nested, per-metric) exception_info; "" if none."""
    if not isinstance(info, dict):
        return ""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception")
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return ""


#
