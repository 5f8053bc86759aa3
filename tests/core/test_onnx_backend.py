"""ONNX export and the onnxruntime backend agree with torch on real NTU clips."""

from __future__ import annotations

import numpy as np
import pytest

from core.cli import main
from core.datasets.ntu import read_skeleton_bytes
from core.inference import Predictor
from core.onnx_backend import ONNX_FILE, OnnxBackend, export_onnx
from tests.conftest import require_data
from tests.core.live_model import make_run

NTU_FILES = (
    "S001C001P001R001A001",
    "S001C001P001R001A011",
    "S001C003P008R002A058",
    "S001C001P001R001A050",
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return make_run(tmp_path_factory.mktemp("run") / "tiny", frames=40, hidden=24)


@pytest.fixture(scope="module")
def real_clips():
    clips = []
    for name in NTU_FILES:
        path = require_data("ntu", f"{name}.skeleton")
        seq = read_skeleton_bytes(path.read_bytes(), str(path))
        clips.append(seq.joints)
    return clips


def test_torch_and_onnxruntime_agree_on_real_clips(run_dir, real_clips):
    path = export_onnx(run_dir)
    assert path == run_dir / ONNX_FILE and path.stat().st_size > 1000
    torch_p = Predictor.from_run(run_dir, device="cpu", backend="torch")
    onnx_p = Predictor.from_run(run_dir, backend="onnx")
    assert onnx_p.backend == "onnx"
    a = torch_p.predict_proba(real_clips)
    b = onnx_p.predict_proba(real_clips)
    assert a.shape == (4, 60)
    np.testing.assert_allclose(b, a, atol=1e-4)
    # Not trivially equal: the clips get different probabilities.
    assert np.abs(a[0] - a[2]).max() > 1e-4


def test_batch_and_time_axes_are_dynamic(run_dir):
    export_onnx(run_dir)
    backend = OnnxBackend(run_dir / ONNX_FILE)
    torch_p = Predictor.from_run(run_dir, device="cpu")
    rng = np.random.default_rng(3)
    for n, t in ((1, 40), (5, 17), (2, 200)):
        x = rng.normal(size=(n, t, 2, 25, 3)).astype(np.float32)
        got = backend.logits(x)
        assert got.shape == (n, 60)
        np.testing.assert_allclose(got, torch_p.logits(x), atol=1e-4)


def test_backend_rejects_bad_input_and_bad_files(run_dir, tmp_path):
    export_onnx(run_dir)
    backend = OnnxBackend(run_dir / ONNX_FILE)
    with pytest.raises(ValueError, match="N, T, M, V, C"):
        backend.logits(np.zeros((40, 2, 25, 3), np.float32))
    with pytest.raises(ValueError, match="model expects"):
        backend.logits(np.zeros((1, 40, 1, 25, 3), np.float32))
    with pytest.raises(FileNotFoundError):
        OnnxBackend(tmp_path / "missing.onnx")
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not onnx")
    with pytest.raises(ValueError, match="junk.onnx"):
        OnnxBackend(junk)


def test_export_reuses_a_matching_file_and_replaces_a_stale_one(tmp_path):
    run = make_run(tmp_path / "a", seed=1)
    other = make_run(tmp_path / "b", seed=2)
    path = export_onnx(run)
    stamp = path.stat().st_mtime_ns
    assert export_onnx(run).stat().st_mtime_ns == stamp  # reused, not rewritten
    # An ONNX file of other weights is stale: it is replaced by a matching export.
    path.write_bytes(export_onnx(other).read_bytes())
    export_onnx(run)
    torch_p = Predictor.from_run(run, device="cpu")
    x = np.random.default_rng(0).normal(size=(1, 32, 2, 25, 3)).astype(np.float32)
    np.testing.assert_allclose(
        OnnxBackend(path).logits(x), torch_p.logits(x), atol=1e-4
    )


def test_export_command(run_dir, tmp_path, capsys):
    out = tmp_path / "exported.onnx"
    assert main(["export", str(run_dir), "--onnx", "--out", str(out)]) == 0
    assert out.is_file() and "matches torch" in capsys.readouterr().out
    assert main(["export", str(run_dir)]) == 2
    assert "--onnx" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nope"), "--onnx"]) == 2
    assert "not a run folder" in capsys.readouterr().err
