"""Loading a run folder's model with its weights."""

from __future__ import annotations

import shutil

import pytest
import torch

from core import runs


def test_load_model_gives_the_saved_weights_and_names_a_missing_file(tmp_path):
    shipped = runs.shipped_model_dir()
    assert shipped is not None
    model = runs.load_model(runs.read_run(shipped))
    saved = runs.safe_load(shipped / runs.WEIGHTS)
    state = model.state_dict()
    assert state.keys() == saved.keys()
    assert all(torch.equal(state[k], saved[k]) for k in saved)

    copy = tmp_path / "run"
    shutil.copytree(shipped, copy)
    (copy / runs.WEIGHTS).unlink()
    with pytest.raises(FileNotFoundError, match=str(copy / runs.WEIGHTS)):
        runs.load_model(runs.read_run(copy))
