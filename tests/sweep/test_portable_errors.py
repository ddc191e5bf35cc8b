"""Errors handed from a worker to the driver pickled: each arrives as its equal."""

from __future__ import annotations

import pickle

from pathlib import Path

from reglab.config import ConfigError
from reglab.store.artifacts import UnreadableArtifact
from reglab.sweep.backends.portable_errors import portable


class _TwoPartError(Exception):
    def __init__(self, part: str, detail: str) -> None:
        super().__init__(f"{part}: {detail}")


def _carried(error: BaseException) -> BaseException:
    return pickle.loads(pickle.dumps(portable(error)))


def test_a_config_error_arrives_as_a_config_error_with_its_key_value_and_allowed():
    error = ConfigError("data.root", "/mnt/lab/mnist", "a folder holding the IDX files")
    assert portable(error) is error  # it pickles as it is
    arrived = _carried(error)
    assert type(arrived) is ConfigError
    assert (arrived.key, arrived.value, arrived.allowed) == ("data.root", "/mnt/lab/mnist", "a folder holding the IDX files")
    assert str(arrived) == "data.root: got '/mnt/lab/mnist'; allowed: a folder holding the IDX files"


def test_an_error_that_pickles_is_sent_as_it_is_and_one_that_does_not_keeps_its_type_and_message():
    error = ValueError("members have different split sizes")
    assert portable(error) is error
    arrived = _carried(_TwoPartError("loader", "the file ends early"))
    assert type(arrived) is RuntimeError and str(arrived) == "_TwoPartError: loader: the file ends early"


def test_an_unreadable_artifact_arrives_with_its_path_and_reason():
    error = UnreadableArtifact(Path("/runs/abc/weights.safetensors"), "the file ends early")
    arrived = _carried(error)
    assert portable(error) is error and type(arrived) is UnreadableArtifact
    assert (arrived.key, arrived.value, str(arrived)) == (error.key, error.value, str(error))


def test_a_config_error_whose_value_does_not_pickle_arrives_with_the_values_text():
    arrived = _carried(ConfigError("data.transform", lambda image: image, "a name of a transform"))
    assert type(arrived) is ConfigError and arrived.key == "data.transform"
    assert str(arrived).startswith("data.transform: got '<function") and str(arrived).endswith("allowed: a name of a transform")
