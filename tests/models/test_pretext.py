"""Pretext transforms do what the paper says, for every clip of a variable-length batch."""

from __future__ import annotations

import math

import torch

from models.pretext import jigsaw, make_pretext, mask_future, permutations


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    """Clips whose every coordinate is (frame index + 1), zero past each length."""
    lengths = torch.tensor([12, 9, 7, 2])
    t = torch.arange(1, 13, dtype=torch.float32)
    x = t.view(1, 12, 1, 1, 1).repeat(4, 1, 2, 3, 3)
    x[torch.arange(12)[None, :] >= lengths[:, None]] = 0.0
    return x, lengths


def test_permutations_are_all_orders_identity_first():
    perms = permutations(3)
    assert perms.shape == (6, 3)
    assert perms[0].tolist() == [0, 1, 2]
    assert len({tuple(p) for p in perms.tolist()}) == 6


def test_jigsaw_labels_match_the_permutation_applied():
    x, lengths = _batch()
    for seed in range(5):
        shuffled, labels = jigsaw(x, lengths, 3, torch.Generator().manual_seed(seed))
        for i in range(4):
            n = int(lengths[i])
            frames = shuffled[i, :n, 0, 0, 0].long().tolist()
            bounds = [n * j // 3 for j in range(4)]
            segments = [list(range(bounds[j] + 1, bounds[j + 1] + 1)) for j in range(3)]
            order = permutations(3)[labels[i]].tolist()
            assert frames == sum((segments[s] for s in order), [])
            assert torch.all(shuffled[i, n:] == 0)  # padding untouched


def test_jigsaw_draws_every_permutation():
    x, lengths = _batch()
    seen = set()
    for seed in range(40):
        seen.update(
            jigsaw(x, lengths, 3, torch.Generator().manual_seed(seed))[1].tolist()
        )
    assert seen == set(range(6))


def test_masking_hides_the_last_valid_frames_and_targets_them():
    x, lengths = _batch()
    m = mask_future(x, lengths, mask_ratio=0.3, noise_std=0.0)
    assert m.past_len.tolist() == [8, 6, 5, 1]  # round(L * 0.7), at most L - 1
    for i in range(4):
        p, n = int(m.past_len[i]), int(lengths[i])
        assert torch.equal(m.past[i, :p], x[i, :p])
        assert torch.all(m.past[i, p:] == 0)
        hidden = int(m.target_mask[i].sum())
        assert hidden == n - p
        # target frame k is frame p + k (values are frame index + 1)
        assert m.target[i, :hidden, 0].tolist() == [
            float(p + k + 1) for k in range(hidden)
        ]
        assert torch.all(m.target[i, hidden:] == 0)
        assert m.last_frame[i, 0].item() == float(p)


def test_noise_is_added_to_the_observed_past_only():
    x, lengths = _batch()
    m = mask_future(x, lengths, 0.5, 0.1, torch.Generator().manual_seed(0))
    for i in range(4):
        p = int(m.past_len[i])
        diff = m.past[i, :p] - x[i, :p]
        assert 0.05 < diff.std().item() < 0.2
        assert torch.all(m.past[i, p:] == 0)
    clean = mask_future(x, lengths, 0.5, 0.1, torch.Generator().manual_seed(0))
    assert torch.equal(clean.past, m.past)  # seeded: repeatable


def test_make_pretext_gives_both_views():
    x, lengths = _batch()
    p = make_pretext(x, lengths, 0.3, 0.05, 3, torch.Generator().manual_seed(0))
    assert p.shuffled.shape == x.shape and p.jigsaw_labels.shape == (4,)
    assert p.masked.target.shape[0] == 4


def test_rotate_vertical_turns_each_clip_about_y_and_keeps_padding_zero():
    from models.pretext import rotate_vertical

    x = torch.randn(6, 8, 1, 5, 3)
    x[:, 6:] = 0.0  # padding
    y = rotate_vertical(x, 90.0, torch.Generator().manual_seed(0))
    assert torch.allclose(y[..., 1], x[..., 1])  # heights unchanged
    assert torch.allclose(y.norm(dim=-1), x.norm(dim=-1), atol=1e-5)
    assert bool((y[:, 6:] == 0).all())
    # one angle per clip: the x-z turn of every joint of a clip is the same
    angle = torch.atan2(y[..., 2], y[..., 0]) - torch.atan2(x[..., 2], x[..., 0])
    angle = torch.remainder(angle[:, :6] + math.pi, 2 * math.pi) - math.pi
    assert torch.allclose(angle, angle[:, :1, :1, :1].expand_as(angle), atol=1e-4)
    assert rotate_vertical(x, 0.0) is x


def test_shear_maps_each_clip_by_its_own_seeded_matrix_and_keeps_padding_zero():
    from models.pretext import shear

    x = torch.randn(6, 8, 1, 5, 3)
    x[:, 6:] = 0.0  # padding
    y = shear(x, 0.3, torch.Generator().manual_seed(0))
    assert bool((y[:, 6:] == 0).all())
    assert torch.equal(y, shear(x, 0.3, torch.Generator().manual_seed(0)))  # seeded
    assert not torch.allclose(y, x)
    # recover each clip's matrix from its points: identity diagonal, |off-diagonal| <= 0.3
    pts = x[:, :6].reshape(6, -1, 3)
    mats = torch.linalg.lstsq(pts, y[:, :6].reshape(6, -1, 3)).solution.transpose(1, 2)
    eye = torch.eye(3).expand(6, 3, 3)
    assert torch.allclose(
        torch.diagonal(mats, dim1=1, dim2=2), torch.ones(6, 3), atol=1e-4
    )
    off = (mats - eye).abs()
    assert float(off.max()) <= 0.3 + 1e-4
    assert not torch.allclose(mats[0], mats[1])  # one matrix per clip
    assert shear(x, 0.0) is x


def test_make_pretext_shears_its_views_only_when_asked():
    from models.pretext import make_pretext

    x = torch.randn(4, 12, 1, 5, 3)
    lengths = torch.full((4,), 12)
    plain = make_pretext(x, lengths, 0.5, 0.0, 3, torch.Generator().manual_seed(1))
    sheared = make_pretext(
        x, lengths, 0.5, 0.0, 3, torch.Generator().manual_seed(1), shear_max=0.3
    )
    # the observed past of the masked view is the clip itself, unless sheared
    n_past = int(plain.masked.past_len[0])
    assert torch.allclose(plain.masked.past[0, :n_past], x[0, :n_past])
    assert not torch.allclose(sheared.masked.past[0, :n_past], x[0, :n_past])
