"""Members' epochs as parts of their configs (`reglab.sweep.member_epochs`)."""

from __future__ import annotations

from reglab.sweep.member_epochs import epoch_shares_hook


def test_each_member_epoch_reports_its_share_of_a_config_capped_at_one():
    sent = []
    hook = epoch_shares_hook(lambda member, share, metrics: sent.append((member, share, metrics["epoch"])), [4, 2])
    for epoch, member in ((1, 0), (1, 1), (2, 0), (2, 1), (3, 1)):  # member 1's third epoch: a lottery round past `epochs`
        assert hook(member, {"epoch": epoch}) is None
    assert sent == [(0, 0.25, 1), (1, 0.5, 1), (0, 0.25, 2), (1, 0.5, 2), (1, 0.0, 3)]


def test_the_wrapped_hook_runs_and_its_answer_is_returned():
    seen = []
    hook = epoch_shares_hook(lambda member, share, metrics: None, [3], lambda member, metrics: seen.append((member, metrics["epoch"])) or "stop")
    assert hook(0, {"epoch": 1}) == "stop"
    assert seen == [(0, 1)]


def test_with_show_the_hook_answers_through_a_function_called_once_members_reported():
    drawn = []
    hook = epoch_shares_hook(lambda member, share, metrics: None, [2, 2], lambda member, metrics: (lambda: f"decided {member}"), show=lambda: drawn.append(1))
    decide = hook(1, {})
    assert drawn == []  # nothing drawn while the population's members are still reporting
    assert decide() == "decided 1" and drawn == [1]
    assert epoch_shares_hook(lambda member, share, metrics: None, [2], None, show=lambda: drawn.append(2))(0, {})() is None
    assert drawn == [1, 2]
