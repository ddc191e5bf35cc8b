"""The filter box: words, key conditions, errors that name the key."""

from __future__ import annotations

import pytest

from reglab.ui.filters import FilterError, parse_filter, split_words

KEYS = ["optimizer.lr", "model.hidden", "status", "val/acc", "name"]


def test_words_and_conditions_are_told_apart():
    parsed = parse_filter("WD optimizer.lr>0.01 model.hidden=[64, 32] val/acc>=0.9", KEYS)
    assert parsed.words == ("wd",)
    assert [(c.key, c.op, c.value) for c in parsed.conditions] == [
        ("optimizer.lr", ">", 0.01),
        ("model.hidden", "=", [64, 32]),
        ("val/acc", ">=", 0.9),
    ]


def test_spaces_inside_brackets_and_quotes_stay_in_one_word():
    assert split_words("a=[1, 2] name='x y' z") == ["a=[1, 2]", "name='x y'", "z"]


@pytest.mark.parametrize(
    ("text", "value", "present", "expected"),
    [
        ("optimizer.lr>0.01", 0.1, True, True),
        ("optimizer.lr>0.01", 0.01, True, False),
        ("optimizer.lr>=0.01", 0.01, True, True),
        ("optimizer.lr=1e-2", 0.01, True, True),
        ("optimizer.lr!=0.1", 0.1, True, False),
        ("optimizer.lr<0.5", None, False, False),
        ("optimizer.lr!=0.5", None, False, True),
        ("model.hidden=[64]", [64], True, True),
        ("model.hidden=[64]", [64, 32], True, False),
        ("status=completed", "completed", True, True),
        ("status~COMP", "completed", True, True),
        ("name>b", "c", True, True),
        ("optimizer.lr>abc", 0.1, True, False),  # a number is never ordered against text
    ],
)
def test_conditions(text, value, present, expected):
    (condition,) = parse_filter(text, KEYS).conditions
    assert condition.holds(value, present) is expected


def test_unknown_key_names_the_key_and_close_columns():
    with pytest.raises(FilterError) as error:
        parse_filter("optimiser.lr>0.1", KEYS)
    message = str(error.value)
    assert "'optimiser.lr'" in message and "optimizer.lr" in message and "\n" not in message


def test_missing_value_is_an_error():
    with pytest.raises(FilterError, match="no value after '>'"):
        parse_filter("optimizer.lr>", KEYS)
