import pytest
import torch
from PIL import Image

from reglab.config import ConfigError, DataConfig
from reglab.data import load_data

from .conftest import write_image_folder


def _config(root, **keys) -> DataConfig:
    return DataConfig(dataset="imagefolder", root=str(root), image_size=8, normalize="none", **keys)


def test_train_only_folder_carves_test_and_resizes_to_square_rgb(tmp_path):
    write_image_folder(tmp_path, "train", {"cat": 6, "dog": 4})
    data = load_data(_config(tmp_path, val_size=0), seed=0)
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("classification", 2, 2, (3, 8, 8))
    assert (len(data.train_x), len(data.test_x)) == (8, 2)  # test_size default 0.2 of 10
    assert data.info["classes"] == ["cat", "dog"]
    everything_x = torch.cat([data.train_x, data.test_x])
    everything_y = torch.cat([data.train_y, data.test_y])
    red = everything_x[:, 0].mean(dim=(1, 2))
    torch.testing.assert_close(red, everything_y.float() * 60 / 255)  # class colour survives decoding
    torch.testing.assert_close(everything_x[:, 2], torch.full((10, 8, 8), 200 / 255))


def test_val_folder_alone_is_the_test_split(tmp_path):
    write_image_folder(tmp_path, "train", {"a": 5, "b": 5, "c": 5})
    write_image_folder(tmp_path, "val", {"a": 2, "c": 1})
    data = load_data(_config(tmp_path, val_size=3), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (12, 3, 3)
    assert data.test_y.tolist() == [0, 0, 2]  # class indices follow train/, even with b missing
    assert data.info["folders"]["test"].endswith("val")


def test_test_and_val_folders_are_both_used(tmp_path):
    write_image_folder(tmp_path, "train", {"a": 3, "b": 3})
    write_image_folder(tmp_path, "val", {"a": 1, "b": 1})
    write_image_folder(tmp_path, "test", {"a": 2, "b": 2})
    data = load_data(_config(tmp_path, val_size=0.5), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (6, 2, 4)
    assert data.info["split"]["ignored"] == ["data.val_size (imagefolder has its own validation folder)"]


def test_grayscale_and_jpeg_files_become_rgb(tmp_path):
    folder = tmp_path / "train" / "x"
    folder.mkdir(parents=True)
    Image.new("L", (5, 9), 128).save(folder / "gray.png")
    Image.new("RGB", (12, 12), (255, 0, 0)).save(folder / "red.jpg")
    (folder / "notes.txt").write_text("not an image")
    data = load_data(_config(tmp_path, val_size=0, test_size=0), seed=0)
    assert data.train_x.shape == (2, 3, 8, 8)
    torch.testing.assert_close(data.train_x[0], torch.full((3, 8, 8), 128 / 255))


def test_missing_train_folder_names_the_layout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a short path: long values are shortened to keep the line short
    with pytest.raises(ConfigError) as caught:
        load_data(_config("nowhere"), seed=0)
    assert "train/<class>/*.png" in str(caught.value) and "'nowhere'" in str(caught.value)


def test_a_test_class_unknown_to_train_is_refused(tmp_path):
    write_image_folder(tmp_path, "train", {"a": 3})
    write_image_folder(tmp_path, "test", {"zebra": 1})
    with pytest.raises(ConfigError, match=r"class folders named as in train/: \['a'\]"):
        load_data(_config(tmp_path), seed=0)


def test_an_unreadable_image_names_the_file(tmp_path):
    write_image_folder(tmp_path, "train", {"a": 3})
    (tmp_path / "train" / "a" / "broken.png").write_bytes(b"not a png")
    expected = r"readable images only; train/a/broken\.png is not \(UnidentifiedImageError\)"
    with pytest.raises(ConfigError, match=expected):
        load_data(_config(tmp_path), seed=0)


def test_an_empty_train_class_is_refused(tmp_path):
    write_image_folder(tmp_path, "train", {"a": 3})
    (tmp_path / "train" / "b").mkdir()
    with pytest.raises(ConfigError, match=r"train/b has none"):
        load_data(_config(tmp_path), seed=0)
