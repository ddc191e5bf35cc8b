"""A folder of images sorted into class folders (torchvision's ImageFolder layout).

    root/train/<class>/*.png|jpg|...    required
    root/val/<class>/...                optional
    root/test/<class>/...               optional

Which folder becomes which split:
- test/ present: it is the test split; a val/ beside it is the validation split
  (then `data.val_size` is ignored).
- only val/ present: it is the test split (as in AFHQ or ImageNet, whose
  "val" is the held-out set) and validation is carved from train.
- neither: test is carved from train (`data.test_size`, default 0.2).

Classes are the sorted folder names of train/ (label i = i-th name); val/ and
test/ may hold a subset of them. Every image is decoded once with Pillow,
converted to RGB and resized to `data.image_size` square (bilinear, aspect ratio
not kept, like `torchvision.transforms.Resize((s, s))`), then stacked into one
(N, 3, s, s) float32 tensor in [0, 1]. Pillow rather than `torchvision.io`
because it reads more formats (bmp, tiff, gif, webp).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from reglab.config.data import DataConfig
from reglab.config.errors import ConfigError
from reglab.data.bundle import SourceData
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["IMAGE_EXTENSIONS", "class_names", "read_image_folder", "load_image_folder"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")
_LAYOUT = "train/<class>/*.png (an ImageFolder layout; val/ and test/ beside train/ are optional)"


def class_names(split_folder: Path) -> list[str]:
    """Sorted names of the class folders inside a split folder."""
    return sorted(entry.name for entry in split_folder.iterdir() if entry.is_dir() and not entry.name.startswith("."))


def _image_files(class_folder: Path) -> list[Path]:
    return sorted(
        path for path in class_folder.iterdir() if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS
    )


def _decode(path: Path, size: int) -> np.ndarray:
    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8)
    except (UnidentifiedImageError, OSError) as error:
        relative = "/".join(path.parts[-3:])
        allowed = f"readable images only; {relative} is not ({type(error).__name__})"
        raise ConfigError("data.root", str(path.parents[2]), allowed) from None


def read_image_folder(split_folder: Path, classes: list[str], size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode every image under `split_folder/<class>/` → ((N, 3, size, size) in [0, 1], int64 labels).

    Raises:
        ConfigError: a class folder unknown to train/, an empty class in train/,
            or an unreadable image.
    """
    index_of = {name: index for index, name in enumerate(classes)}
    root = str(split_folder.parent)
    images: list[np.ndarray] = []
    labels: list[int] = []
    for name in class_names(split_folder):
        if name not in index_of:
            where = f"{split_folder.name}/{name}"
            raise ConfigError("data.root", root, f"class folders named as in train/: {classes} (found {where})")
        files = _image_files(split_folder / name)
        if not files and split_folder.name == "train":
            where = f"{split_folder.name}/{name}"
            allowed = f"class folders holding images; {where} has none ({', '.join(IMAGE_EXTENSIONS)})"
            raise ConfigError("data.root", root, allowed)
        images.extend(_decode(path, size) for path in files)
        labels.extend([index_of[name]] * len(files))
    if not images:
        where = f"{split_folder.name}/<class>/"
        raise ConfigError("data.root", root, f"images in {where} ({', '.join(IMAGE_EXTENSIONS)})")
    pixels = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return pixels.to(torch.float32).div_(255.0), torch.tensor(labels, dtype=torch.int64)


@register_dataset(
    DatasetInfo("imagefolder", None, None, None, False, "your images: root/train/<class>/*, RGB, resized")
)
def load_image_folder(config: DataConfig, seed: int) -> SourceData:
    """Read train/ (and val/, test/ when present) under `data.root`.

    Raises:
        ConfigError: no train/ folder with class folders under `data.root`.
    """
    root = Path(config.root)
    train_folder = root / "train"
    if not train_folder.is_dir() or not class_names(train_folder):
        raise ConfigError("data.root", str(root), f"a folder holding {_LAYOUT}")
    classes = class_names(train_folder)
    train_x, train_y = read_image_folder(train_folder, classes, config.image_size)
    test_folder = next((root / name for name in ("test", "val") if (root / name).is_dir()), None)
    val_folder = root / "val" if test_folder is not None and test_folder.name == "test" else None
    test = read_image_folder(test_folder, classes, config.image_size) if test_folder else (None, None)
    has_val = val_folder is not None and val_folder.is_dir()
    val = read_image_folder(val_folder, classes, config.image_size) if has_val else (None, None)
    folders = {"train": str(train_folder), "test": str(test_folder) if test_folder else "carved from train"}
    folders["val"] = str(val_folder) if val[0] is not None else "carved from train"
    return SourceData(
        task="classification",
        num_classes=len(classes),
        train_x=train_x,
        train_y=train_y,
        test_x=test[0],
        test_y=test[1],
        val_x=val[0],
        val_y=val[1],
        default_test_size=0.2,
        info={"classes": classes, "folders": folders, "image_size": config.image_size},
    )
