import torch

from reglab.config import DataConfig
from reglab.data import load_data
from reglab.data.symmetry import symmetry_patterns

# Six-bit palindromes abc|cba, written out by hand: 000000, 001100, 010010, 011110, ...
HAND_CHECKED_SYMMETRIC = [0b000000, 0b001100, 0b010010, 0b011110, 0b100001, 0b101101, 0b110011, 0b111111]


def test_all_64_vectors_once_and_eight_symmetric_ones():
    vectors, labels = symmetry_patterns()
    assert vectors.shape == (64, 6)
    assert len({tuple(row.tolist()) for row in vectors}) == 64
    assert set(vectors.unique().tolist()) == {0.0, 1.0}
    assert int(labels.sum()) == 8 == 2**3
    assert torch.nonzero(labels).flatten().tolist() == HAND_CHECKED_SYMMETRIC


def test_rows_are_the_binary_numbers_most_significant_bit_first():
    vectors, labels = symmetry_patterns()
    assert vectors[0b001100].tolist() == [0, 0, 1, 1, 0, 0] and labels[0b001100] == 1
    assert vectors[0b000001].tolist() == [0, 0, 0, 0, 0, 1] and labels[0b000001] == 0
    assert vectors[0b100001].tolist() == [1, 0, 0, 0, 0, 1] and labels[0b100001] == 1


def test_load_trains_and_tests_on_all_64_as_in_the_paper():
    data = load_data(DataConfig(dataset="symmetry", normalize="none"), seed=0)
    assert (data.task, data.num_classes, data.output_dim, data.input_shape) == ("binary", 2, 1, (6,))
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (64, 0, 64)
    assert data.train_y.dtype == torch.float32 and data.train_y.shape == (64, 1)
    assert torch.equal(data.train_x, data.test_x) and torch.equal(data.train_y, data.test_y)
    assert data.train_y.sum().item() == 8.0


def test_explicit_val_size_carves_validation_but_test_stays_the_full_set():
    data = load_data(DataConfig(dataset="symmetry", val_size=16, test_size=0.5), seed=0)
    assert (len(data.train_x), len(data.val_x), len(data.test_x)) == (48, 16, 64)
    assert data.info["split"]["ignored"] == ["data.test_size (symmetry has its own test split)"]
