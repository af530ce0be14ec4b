"""Schemathesis hooks for scripts/fuzz (loaded through SCHEMATHESIS_HOOKS): a
generator for the JSON scalar, and one check.

The check: no answer may be a server error or carry a GraphQL error whose
extensions.code is INTERNAL. Expected refusals (FORBIDDEN, NOT_FOUND,
BAD_USER_INPUT, ...) are the service doing its job and pass. Each offending case
is also appended, as one JSON line, to the file named by ROSTER_FUZZ_FINDINGS so
the script can list them after the run.
"""

import json
import os

import graphql
import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

_JSON_LEAVES = st.one_of(
    st.just(nodes.Null),
    st.booleans().map(nodes.Boolean),
    st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
    st.text().map(nodes.String),
)


def _json_object(children):
    field = st.tuples(st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,10}\Z"), children).map(
        lambda pair: graphql.ObjectFieldNode(name=graphql.NameNode(value=pair[0]), value=pair[1])
    )
    return st.lists(field, max_size=4, unique_by=lambda node: node.name.value).map(nodes.Object)


# Setting values are the JSON scalar, which schemathesis cannot generate by itself.
schemathesis.graphql.scalar(
    "JSON",
    st.recursive(
        _JSON_LEAVES,
        lambda children: st.one_of(st.lists(children, max_size=4).map(nodes.List), _json_object(children)),
        max_leaves=10,
    ),
)


def _internal_errors(payload):
    if not isinstance(payload, dict):
        return []
    errors = payload.get("errors") or []
    return [
        error
        for error in errors
        if isinstance(error, dict)
        and isinstance(error.get("extensions"), dict)
        and error["extensions"].get("code") == "INTERNAL"
    ]


def _record(case, response, reason):
    path = os.environ.get("ROSTER_FUZZ_FINDINGS")
    if not path:
        return
    finding = {
        "persona": os.environ.get("ROSTER_FUZZ_PERSONA", "?"),
        "operation": case.operation.label,
        "reason": reason,
        "status": response.status_code,
        "query": case.body,
        "response": response.text[:2000],
    }
    with open(path, "a", encoding="utf-8") as findings:
        findings.write(json.dumps(finding) + "\n")


def _tally(case, payload):
    """Appends the outcome of one answer (DATA, or its first error's code) and its
    operation to the file named by ROSTER_FUZZ_OUTCOMES: how far the fuzzer got
    past refusals."""
    path = os.environ.get("ROSTER_FUZZ_OUTCOMES")
    if not path:
        return
    outcome = "NOT_JSON"
    if isinstance(payload, dict):
        errors = payload.get("errors") or []
        if not errors:
            outcome = "DATA"
        elif isinstance(errors[0], dict):
            outcome = (errors[0].get("extensions") or {}).get("code", "NO_CODE")
    with open(path, "a", encoding="utf-8") as outcomes:
        outcomes.write(f"{outcome}\t{case.operation.label}\n")


@schemathesis.check
def no_internal_error(ctx, response, case):
    """Fail on an HTTP 5xx or a GraphQL error with extensions.code INTERNAL."""
    if response.status_code >= 500:
        _tally(case, None)
        _record(case, response, f"HTTP {response.status_code}")
        raise AssertionError(f"HTTP {response.status_code}")
    try:
        payload = json.loads(response.text)
    except ValueError:
        _tally(case, None)
        return None
    _tally(case, payload)
    internal = _internal_errors(payload)
    if internal:
        _record(case, response, "INTERNAL")
        paths = [error.get("path") for error in internal]
        raise AssertionError(f"GraphQL error with extensions.code INTERNAL at {paths}")
    return None
