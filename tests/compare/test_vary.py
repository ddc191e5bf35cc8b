"""`--vary KEY=V1,V2`: value splitting, YAML values, grids and one-line errors."""

from __future__ import annotations

import pytest

from reglab.compare.vary import cross_variants, parse_vary, split_values, vary_variants
from reglab.compare.variants import Variant
from reglab.config import ConfigError


def test_commas_inside_brackets_do_not_split():
    assert split_values("[64,32],[128], 256") == ["[64,32]", "[128]", "256"]
    assert split_values("{every: 5},null") == ["{every: 5}", "null"]


def test_values_are_read_as_yaml():
    assert parse_vary("model.hidden=[64,32],[128]") == ("model.hidden", [[64, 32], [128]])
    assert parse_vary("optimizer.lr=0.01, 0.5") == ("optimizer.lr", [0.01, 0.5])
    assert parse_vary("model.norm=none,batch") == ("model.norm", ["none", "batch"])


@pytest.mark.parametrize("text", ["optimizer.lr", "=0.1", "optimizer.lr=", "optimizer.lr=0.1,,0.2"])
def test_malformed_vary_is_a_config_error(text):
    with pytest.raises(ConfigError) as error:
        parse_vary(text)
    assert str(error.value).startswith("--vary: got") and "KEY=V1,V2" in str(error.value)


def test_several_keys_make_a_grid_in_order():
    variants = vary_variants(["optimizer.lr=0.1,0.01", "model.dropout=0.0,0.5"])
    assert [variant.label for variant in variants] == [
        "optimizer.lr=0.1, model.dropout=0.0",
        "optimizer.lr=0.1, model.dropout=0.5",
        "optimizer.lr=0.01, model.dropout=0.0",
        "optimizer.lr=0.01, model.dropout=0.5",
    ]
    assert variants[1].overrides == (("optimizer.lr", 0.1), ("model.dropout", 0.5))
    with pytest.raises(ConfigError, match="each key at most once"):
        vary_variants(["optimizer.lr=0.1", "optimizer.lr=0.2"])


def test_cross_variants_joins_labels_and_overrides():
    crossed = cross_variants([Variant("a", (("x", 1),)), Variant("b")], [Variant("k=1", (("k", 1),))])
    assert [(variant.label, variant.overrides) for variant in crossed] == [
        ("a | k=1", (("x", 1), ("k", 1))),
        ("b | k=1", (("k", 1),)),
    ]
    assert cross_variants([Variant("a")], []) == [Variant("a")]
