"""Every case of benchmarks/bad_inputs.py: refused in one line, exit 2, nothing written, no hang."""

from __future__ import annotations

import pytest

from benchmarks.bad_inputs import CASES, CONFIG_KINDS, describe, run_case


def test_the_catalogue_covers_every_kind_with_100_distinct_cases():
    assert len(CASES) >= 100
    assert len({case.name for case in CASES}) == len(CASES)
    assert {case.kind for case in CASES} == set(CONFIG_KINDS)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_refused_in_one_line(case, tmp_path):
    outcome = run_case(case, tmp_path)
    assert outcome.refused_cleanly, describe(outcome)
