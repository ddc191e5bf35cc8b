"""MNIST, Fashion-MNIST and KMNIST: 28×28 grayscale, 60,000 train / 10,000 test, 10 classes.

Files live in torchvision's layout under `data.root`, e.g.
`root/MNIST/raw/train-images-idx3-ubyte` (also `train-labels-idx1-ubyte`,
`t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`; FashionMNIST/raw and
KMNIST/raw for the others). Each file is read whole into one tensor
(`reglab.data.idx`) — no per-sample iteration; torchvision is imported only to
download them. Pixels are scaled to [0, 1] (value / 255).

References:
    Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. "Gradient-based learning applied
    to document recognition." Proc. IEEE 86(11), 1998.
    H. Xiao, K. Rasul, R. Vollgraf. "Fashion-MNIST." arXiv:1708.07747.
    T. Clanuwat et al. "Deep learning for classical Japanese literature." arXiv:1812.01718.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import torch

from reglab.config.data import DataConfig
from reglab.config.errors import ConfigError
from reglab.data.bundle import SourceData
from reglab.data.files import download_failed_error, missing_files, missing_files_error
from reglab.data.idx import IdxError, read_idx
from reglab.data.registry import DatasetInfo, register_dataset

__all__ = ["IDX_FILES", "expected_idx_files", "load_idx_family"]

IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

# data.dataset -> (torchvision class name, which is also its folder under root; citation)
_FAMILY = {
    "mnist": ("MNIST", "MNIST handwritten digits"),
    "fashion_mnist": ("FashionMNIST", "Fashion-MNIST clothing"),
    "kmnist": ("KMNIST", "Kuzushiji-MNIST Japanese characters"),
}

# The class names the datasets publish (torchvision's `classes` of each dataset class).
_CLASSES = {
    "mnist": ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"),
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "kmnist": ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
}


def expected_idx_files(folder: str) -> list[str]:
    """The four IDX files torchvision reads, relative to `data.root`."""
    return [f"{folder}/raw/{name}" for name in IDX_FILES]


def load_idx_family(config: DataConfig, seed: int, name: str) -> SourceData:
    """Read one of the MNIST-format datasets from `data.root` (downloading if asked).

    Raises:
        ConfigError: files missing and `data.download` off, download failed, or
            files that are not whole IDX files of images and their labels.
    """
    folder, _ = _FAMILY[name]
    expected = expected_idx_files(folder)
    layout = f"{folder}/raw/ with {', '.join(IDX_FILES)}"
    if missing_files(config.root, expected):
        if not config.download:
            raise missing_files_error(config.root, layout)
        _download(config.root, folder, name, layout)
    try:
        train_x, train_y, test_x, test_y = (read_idx(Path(config.root) / path) for path in expected)
        for images, labels in ((train_x, train_y), (test_x, test_y)):
            if images.dim() != 3 or labels.dim() != 1 or len(images) != len(labels):
                raise IdxError(f"images {tuple(images.shape)} with labels {tuple(labels.shape)}: want (N, H, W) and (N,)")
    except (IdxError, OSError) as error:
        raise ConfigError("data.root", config.root, f"readable IDX files in {layout} ({error})") from None
    return SourceData(
        task="classification",
        num_classes=10,
        train_x=_as_images(train_x),
        train_y=train_y.to(torch.int64),
        test_x=_as_images(test_x),
        test_y=test_y.to(torch.int64),
        info={"source_files": [str(config.root) + "/" + path for path in expected], "classes": list(_CLASSES[name])},
    )


def _download(root: str, folder: str, name: str, layout: str) -> None:
    """Fetch the four files into root/<folder>/raw with torchvision (imported only here)."""
    import torchvision.datasets

    try:
        getattr(torchvision.datasets, folder)(root, train=True, download=True)
    except (RuntimeError, OSError, ValueError) as error:
        raise download_failed_error(root, name, layout, error) from None


def _as_images(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) → float32 (N, 1, 28, 28) in [0, 1]."""
    return pixels.to(torch.float32).div_(255.0).unsqueeze(1)


for _name, (_folder, _what) in _FAMILY.items():
    register_dataset(
        DatasetInfo(_name, 70000, (1, 28, 28), 10, False, f"{_what}; files in root/{_folder}/raw; 60000/10000")
    )(partial(load_idx_family, name=_name))
