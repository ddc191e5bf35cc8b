"""What trains but may surprise is said in one `warning:` line on stderr."""

from __future__ import annotations

from reglab.cli import main


def test_train_warns_about_a_full_batch_in_one_line(capsys, store_dir):
    main(["train", "--set", "device=cpu", "--set", "epochs=1", "--set", "model.hidden=[4]",
          "--set", "data.train_size=30", "--set", "data.batch_size=128", "--store", str(store_dir), "--quiet"])
    captured = capsys.readouterr()
    assert captured.err == "warning: data.batch_size 128 > data.train_size 30: every step uses the whole training set\n"
    assert len(captured.out.split()) == 1  # --quiet: the run id alone
