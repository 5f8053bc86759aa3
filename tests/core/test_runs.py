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
    with pytest.raises(
        FileNotFoundError, match=f"{copy}: no weights.pt: the run never finished"
    ):
        runs.load_model(runs.read_run(copy))
    # A run's file given for its folder (the GUI's "Start from" browsed to weights.pt)
    with pytest.raises(FileNotFoundError, match=f"a file, not a run folder .*: {copy}"):
        runs.read_run(copy / runs.CONFIG)
    # ... but a file beside no run is not told to give its folder (a data file's
    # was suggested: a trial)
    stray = tmp_path / "clip.skeleton"
    stray.write_text("1\n")
    with pytest.raises(FileNotFoundError) as info:
        runs.read_run(stray)
    assert str(info.value).endswith("holds config.json and weights.pt)")
    # ... and any other folder (the runs folder itself) is said not to be one
    with pytest.raises(FileNotFoundError, match=r"not a run folder \(no config\.json"):
        runs.read_run(tmp_path)


def test_damaged_or_foreign_weights_get_one_line_on_what_is_wrong(tmp_path):
    """Random bytes, an empty file, a truncated checkpoint and the weights of another
    hidden size: one line each, naming the file and the problem (torch's own text for
    random bytes ran to many lines and advised loading without weights_only)."""
    import json

    import numpy as np

    shipped = runs.shipped_model_dir()
    assert shipped is not None
    copy = tmp_path / "run"
    shutil.copytree(shipped, copy)
    weights = copy / runs.WEIGHTS
    data = weights.read_bytes()
    rng = np.random.default_rng(0)
    for content, expected in (
        (rng.bytes(5000), "corrupt checkpoint, or not one of weights"),
        (b"", "corrupt checkpoint (empty file)"),
        (
            data[: len(data) // 3],
            "corrupt or unreadable checkpoint (PytorchStreamReader",
        ),
    ):
        weights.write_bytes(content)
        with pytest.raises(ValueError) as err:
            runs.load_model(runs.read_run(copy))
        message = str(err.value)
        assert message.startswith(f"{weights}: {expected}"), message
        assert "\n" not in message and "weights_only set to False" not in message
    # torch's long first line (a sentence, then advice) is cut at the sentence, never
    # mid-word ("... that your checkpoint file is)")
    weights.write_bytes(b"x")
    long = RuntimeError(
        "Unpickling failed because the file is damaged. " + "You may " * 40 + "retry."
    )
    assert runs._why_unreadable(weights, long) == (
        "corrupt or unreadable checkpoint (Unpickling failed because the file is damaged)"
    )
    endless = runs._why_unreadable(weights, RuntimeError("word " * 100))
    assert endless.endswith("word…)") and len(endless) < 260
    weights.write_bytes(data)
    config = json.loads((copy / "config.json").read_text())
    config["model"]["hidden"] = 30  # the shipped weights are of 96 units
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(
        ValueError, match="another architecture than config.json"
    ) as err:
        runs.load_model(runs.read_run(copy))
    assert "input size mismatch" not in str(err.value)
    # The weights of another encoder family are named as such, not by lists of
    # weight names (a trial), and another number of layers in words.
    config["model"]["hidden"] = 96
    (copy / "config.json").write_text(json.dumps(config))
    gcn = runs.shipped_model_dir().parent / "nw-ucla-ms2l-gcn" / runs.WEIGHTS
    shutil.copyfile(gcn, weights)
    with pytest.raises(ValueError) as err:
        runs.load_model(runs.read_run(copy))
    assert str(err.value) == (
        f"{weights}: the weights are of a graph (gcn) encoder, this model's is a BiGRU "
        "one (as config.json describes it): the file belongs to another run folder"
    )
    weights.write_bytes(data)
    config["model"]["layers"] = 2
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError) as err:
        runs.load_model(runs.read_run(copy))
    message = str(err.value)
    assert message.startswith(f"{weights}: weights do not fit this model: the file ")
    assert message.endswith(
        "saved with another preset, number of layers or encoder than config.json "
        "describes"
    )


def test_a_shipped_models_data_root_is_found_from_any_working_folder(
    tmp_path, monkeypatch
):
    """The shipped configs record ``../shared/data/...`` from the repository; from
    another folder it failed (``ms2l eval``, the Evaluate panel) unless --root was given."""
    import dataclasses
    from pathlib import Path

    from core.training.data import resolve_data_root
    from tests.conftest import require_data

    zip_path = require_data("nw-ucla", "all_sqe.zip")
    shipped = runs.shipped_model_dir()
    assert shipped is not None
    data = runs.read_run(shipped).config.data
    assert not Path(data.root).is_absolute()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MS2L_DATA", str(tmp_path / "elsewhere"))  # only the repository
    found = resolve_data_root(data)
    assert Path(found.root).resolve() == zip_path.resolve()
    lost = dataclasses.replace(data, root="no/such/all_sqe.zip")
    with pytest.raises(FileNotFoundError) as err:
        resolve_data_root(lost)
    message = str(err.value)
    assert "no/such/all_sqe.zip" in message and "from $MS2L_DATA" in message
    assert "(from the repository)" in message


def test_a_plain_pickle_gets_the_error_without_torchs_warning(tmp_path):
    """A Python pickle saved as weights.pt: torch warned "Detected pickle protocol 4 …
    please file an issue" before the error naming the file (a trial). In a process of
    its own, every warning shown (-W always), as a user's first load would be."""
    import pickle
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "weights.pt"
    path.write_bytes(pickle.dumps({"weights": [1, 2, 3]}, protocol=4))
    code = (
        "import sys\nfrom core import runs\ntry:\n    runs.safe_load(sys.argv[1])\n"
        "except ValueError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "always", "-c", code, str(path)],
        capture_output=True, text=True, timeout=120, check=True,
        cwd=Path(runs.__file__).parents[1],
    )  # fmt: skip
    assert done.stdout.startswith(f"{path}: ")
    assert "pickle protocol" not in done.stderr, done.stderr
