import pytest

from reglab.config import DATASET_NAMES, ConfigError
from reglab.data import DatasetInfo, dataset_catalog
from reglab.data.registry import loader_for

OFFLINE = {"digits", "mnist1d", "symmetry", "toy_regression", "moons", "circles"}


def test_catalog_lists_every_config_dataset_in_config_order():
    catalog = dataset_catalog()
    assert [info.name for info in catalog] == list(DATASET_NAMES)
    assert all(isinstance(info, DatasetInfo) and info.description for info in catalog)


def test_catalog_flags_offline_sets_and_static_facts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data folder anywhere: the catalog must not need files
    catalog = {info.name: info for info in dataset_catalog()}
    assert {name for name, info in catalog.items() if info.offline} == OFFLINE
    assert (catalog["mnist"].samples, catalog["mnist"].shape, catalog["mnist"].classes) == (70000, (1, 28, 28), 10)
    assert (catalog["digits"].samples, catalog["digits"].shape) == (1797, (1, 8, 8))
    assert (catalog["symmetry"].samples, catalog["symmetry"].classes) == (64, 2)
    assert catalog["toy_regression"].classes == 0
    assert catalog["imagefolder"].samples is None


def test_unknown_dataset_is_a_config_error():
    with pytest.raises(ConfigError, match=r"data\.dataset: got 'svhn'; allowed: one of digits, mnist1d"):
        loader_for("svhn")
