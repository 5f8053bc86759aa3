"""ONNX export and the onnxruntime backend agree with torch on real NTU clips."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.datasets.ntu import read_skeleton_bytes
from core.inference import Predictor, export_onnx
from core.inference.onnx import (
    ONNX_FILE,
    OnnxBackend,
    OnnxModelWarning,
    cached_onnx_path,
)
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
    # An ONNX file of other weights is stale: it is replaced by a matching export,
    # and the replacement is said, not silent.
    path.write_bytes(export_onnx(other).read_bytes())
    with pytest.warns(OnnxModelWarning, match="model.onnx.*replaced"):
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


def test_exported_files_are_readable_by_others_less_the_umask(run_dir, tmp_path):
    old = os.umask(0o022)
    try:
        path = export_onnx(run_dir, tmp_path / "a.onnx", force=True)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        os.umask(0o077)
        path = export_onnx(run_dir, tmp_path / "b.onnx", force=True)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.onnx", "b.onnx"]


def test_a_corrupt_model_is_replaced_with_a_warning(tmp_path, capsys):
    run = make_run(tmp_path / "run", seed=5)
    (run / ONNX_FILE).write_bytes(b"truncated")
    with pytest.warns(OnnxModelWarning, match="stale, corrupt"):
        path = export_onnx(run)
    assert path == run / ONNX_FILE and OnnxBackend(path).logits is not None
    (run / ONNX_FILE).write_bytes(b"truncated")
    # Through the CLI the warning is one plain line, not a source listing.
    video = require_data("videos", "ta_chi.mp4")
    argv = ["infer", str(video), "--run", str(run), "--backend", "onnx"]
    assert main(argv + ["--max-frames", "3"]) == 0
    err = capsys.readouterr().err
    assert f"ms2l infer: warning: {run / ONNX_FILE}: did not reproduce" in err
    assert "warnings.warn" not in err


def test_an_export_without_features_still_answers_and_is_replaced(tmp_path):
    """Files exported before the features output give logits; the novelty check needs
    the features, so a run folder's old file is replaced (with a warning)."""
    import torch

    run = make_run(tmp_path / "run", seed=3)
    torch_p = Predictor.from_run(run, device="cpu")
    full = torch_p.model.export_module().eval()

    class LogitsOnly(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.full = full

        def forward(self, x):
            return self.full(x)[0]

    x = np.random.default_rng(0).normal(size=(2, 32, 2, 25, 3)).astype(np.float32)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's expected notices
        torch.onnx.export(
            LogitsOnly().eval(), (torch.from_numpy(x),), str(run / ONNX_FILE),
            input_names=["x"], output_names=["logits"],
            dynamic_axes={"x": {0: "batch", 1: "time"}, "logits": {0: "batch"}},
            opset_version=17, dynamo=False,
        )  # fmt: skip
    old = OnnxBackend(run / ONNX_FILE)
    assert not old.has_features
    np.testing.assert_allclose(old.logits(x), torch_p.logits(x), atol=1e-4)
    with pytest.raises(ValueError, match="without the features output.*ms2l export"):
        old.classify(x)
    with pytest.warns(OnnxModelWarning, match="before the features output"):
        path = export_onnx(run)
    logits, features = OnnxBackend(path).classify(x)
    with torch.no_grad():
        want_logits, want_features = (t.numpy() for t in full(torch.from_numpy(x)))
    np.testing.assert_allclose(logits, want_logits, atol=1e-4)
    np.testing.assert_allclose(features, want_features, atol=1e-4)


@contextlib.contextmanager
def _unprivileged():
    """Run the block as user ``nobody`` if we are root: root ignores permission bits."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


@contextlib.contextmanager
def _reachable_run(seed: int):
    """``(base, run)``: a tiny run in a folder the unprivileged user can reach
    (pytest's tmp_path is private to root), removed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="ms2l-onnx-"))
    run = base / "run"
    try:
        os.chmod(base, 0o755)
        make_run(run, seed=seed)
        yield base, run
    finally:
        if run.exists():
            os.chmod(run, 0o755)
        shutil.rmtree(base)


def test_read_only_run_folder_exports_to_the_user_cache(monkeypatch):
    with _reachable_run(seed=6) as (base, run):
        shipped = export_onnx(make_run(base / "other", seed=7)).read_bytes()
        (run / ONNX_FILE).write_bytes(shipped)  # a stale model shipped with the run
        cache = base / "cache"
        cache.mkdir()
        os.chmod(cache, 0o777)
        monkeypatch.setenv("MS2L_CACHE", str(cache))
        expected = cached_onnx_path(run)
        assert expected.parent == cache / "onnx"
        for p in run.iterdir():
            os.chmod(p, 0o644)
        os.chmod(run, 0o555)
        with _unprivileged():
            with pytest.warns(OnnxModelWarning, match="read-only; using .*onnx"):
                first = export_onnx(run)
            stamp = first.stat().st_mtime_ns
            with pytest.warns(OnnxModelWarning):
                assert export_onnx(run) == first  # the cached export is reused
        assert first == expected and first.stat().st_mtime_ns == stamp
        assert (run / ONNX_FILE).read_bytes() == shipped  # the shipped file untouched
        assert sorted(p.name for p in run.iterdir()) == sorted(
            ["config.json", "labels.json", "weights.pt", ONNX_FILE]
        )
        torch_p = Predictor.from_run(run, device="cpu")
        x = np.random.default_rng(0).normal(size=(2, 20, 2, 25, 3)).astype(np.float32)
        np.testing.assert_allclose(
            OnnxBackend(first).logits(x), torch_p.logits(x), atol=1e-4
        )


def test_auto_backend_is_onnx_on_the_cpu_and_torch_when_export_fails(monkeypatch):
    with _reachable_run(seed=8) as (base, run):
        torch_p = Predictor.from_run(run, device="cpu")
        auto = Predictor.from_run(run, device="cpu", backend="auto")
        assert auto.backend == "onnx" and auto.backend_note == ""
        assert (run / ONNX_FILE).is_file()
        x = np.random.default_rng(0).normal(size=(2, 20, 2, 25, 3)).astype(np.float32)
        np.testing.assert_allclose(auto.logits(x), torch_p.logits(x), atol=1e-4)
        # A stale file is replaced and said in the note (the warning would be an error)
        (run / ONNX_FILE).write_bytes(
            export_onnx(make_run(base / "b", seed=9)).read_bytes()
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error", OnnxModelWarning)
            auto = Predictor.from_run(run, device="cpu", backend="auto")
        assert auto.backend == "onnx" and "replaced it with a fresh export" in (
            auto.backend_note
        )
        # onnxruntime is an optional extra: without it, torch, saying why (and no
        # export is attempted)
        (run / ONNX_FILE).unlink()
        with monkeypatch.context() as m:
            m.setitem(sys.modules, "onnxruntime", None)
            missing = Predictor.from_run(run, device="cpu", backend="auto")
        assert missing.backend == "torch"
        assert missing.backend_note.startswith("onnxruntime is not installed")
        assert not (run / ONNX_FILE).exists()
        # No ONNX file, a folder the user cannot write and a cache that cannot be made
        # (a file where its folder should be): the model still loads, in torch.
        (run / ONNX_FILE).unlink(missing_ok=True)
        (base / "cache").write_text("a file, not a folder")
        monkeypatch.setenv("MS2L_CACHE", str(base / "cache"))
        for p in run.iterdir():
            os.chmod(p, 0o644)
        os.chmod(run, 0o555)
        with _unprivileged():
            fallback = Predictor.from_run(run, device="cpu", backend="auto")
        assert fallback.backend == "torch"
        assert fallback.backend_note.startswith("ONNX export failed, running in torch")
        np.testing.assert_allclose(fallback.logits(x), torch_p.logits(x), atol=1e-5)
        with pytest.raises(ValueError, match="'torch', 'onnx' or 'auto'"):
            Predictor.from_run(run, device="cpu", backend="tensorrt")


def test_export_to_an_unwritable_place_is_a_one_line_error(run_dir, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    argv = ["export", str(run_dir), "--onnx", "--out", str(blocker / "m.onnx")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("ms2l export: error: ") and "blocker" in err
    assert "Traceback" not in err
    argv = ["export", str(run_dir), "--onnx", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert f"--out {tmp_path}: is a directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]


def test_export_and_novelty_leave_a_shipped_models_folder_as_it_came(capsys):
    """`ms2l export nw-ucla-ms2l --onnx` rewrote the shipped model.onnx and `ms2l
    novelty nw-ucla-ms2l` its novelty.npz (a CLI trial): the app's own model changed
    under the user (git showed it modified)."""
    from core.runs import shipped_model_dir

    shipped = shipped_model_dir()
    assert shipped is not None

    def state() -> dict[str, tuple[int, bytes]]:
        return {
            p.name: (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(shipped.iterdir())
            if p.is_file()
        }

    before = state()
    assert main(["export", shipped.name, "--onnx"]) == 0
    assert "nothing written" in capsys.readouterr().out
    inside = shipped.parent / "copy.onnx"
    assert main(["export", shipped.name, "--onnx", "--out", str(inside)]) == 2
    assert "stays as the app came" in capsys.readouterr().err
    assert not inside.exists()
    assert main(["novelty", shipped.name, "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "stays as it came" in err and "cp -r" in err
    assert state() == before


def test_export_into_a_read_only_run_folder_says_where_the_model_went(
    monkeypatch, capsys
):
    """``ms2l export RUN --onnx`` on a read-only run wrote the cache's copy and said
    only its path, not that RUN/model.onnx (the documented place) was not written."""
    with _reachable_run(seed=8) as (base, run):
        cache = base / "cache"
        cache.mkdir()
        os.chmod(cache, 0o777)
        monkeypatch.setenv("MS2L_CACHE", str(cache))
        for p in run.iterdir():
            os.chmod(p, 0o644)
        os.chmod(run, 0o555)
        with _unprivileged():
            assert main(["export", str(run), "--onnx"]) == 0
        out, err = capsys.readouterr()
        assert f"wrote {cached_onnx_path(run)} (" in out
        assert err == (
            f"ms2l export: note: {run / ONNX_FILE} could not be written (the run "
            "folder is read-only): the model is in the cache above, where Live and "
            "ms2l infer find it; --out FILE writes it where you choose\n"
        )
        assert not (run / ONNX_FILE).exists()


def test_an_exported_file_given_for_a_model_names_its_run_folder(
    run_dir, tmp_path, capsys
):
    # `ms2l export --out FILE`, then FILE given to Live or infer as the model (a trial:
    # "a file, not a run folder" with no word of which folder)
    from core.runs import read_run

    out = tmp_path / "copy.onnx"
    assert main(["export", str(run_dir), "--onnx", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "network only" in said and str(Path(run_dir).resolve()) in said
    with pytest.raises(FileNotFoundError) as err:
        read_run(out)
    message = str(err.value)
    assert str(out) in message and "network only" in message
    assert f"exported from, {Path(run_dir).resolve()}" in message
    # the copy still answers as the run does
    x = np.random.default_rng(1).normal(size=(1, 40, 2, 25, 3)).astype(np.float32)
    torch_p = Predictor.from_run(run_dir, device="cpu", backend="torch")
    np.testing.assert_allclose(OnnxBackend(out).logits(x), torch_p.logits(x), atol=1e-4)
    # an ONNX file that names no run (someone else's) still says what to open
    bare = tmp_path / "other.onnx"
    shutil.copy(out, bare)
    import onnx

    model = onnx.load(str(bare))
    del model.metadata_props[:]
    onnx.save(model, str(bare))
    with pytest.raises(FileNotFoundError, match="open the run folder it was exported"):
        read_run(bare)
