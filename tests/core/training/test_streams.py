"""Input streams (joints, bones, motion) and the late fusion of runs on different streams.

The bone and motion streams are what graph-network papers train beside the joints and
fuse at test time; here they are checked against their definitions on real NW-UCLA clips,
trained on real clips, and fused by ``ms2l eval RUN RUN``.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil

import numpy as np
import pytest

from core import preprocess
from core.cli import main
from core.config import DataConfig, TrainConfig, make_config
from core.datasets.ucla import UclaReader
from core.evaluation import evaluate_fused, evaluate_run
from core.inference import Predictor
from core.model_input import fit_time, prepare_clip
from core.skeleton import bone_vectors, get_layout
from core.training.loop import run
from core.training.strategies import describe
from tests.core.conftest import write_takes
from tests.core.training.conftest import tiny_config
from tests.core.training.test_gcn_training import _config, _train

UCLA = get_layout("ucla20")


def _prepared(seq, bodies: int = 1) -> np.ndarray:
    return prepare_clip(seq.joints, "ucla20", "ucla20", bodies, DataConfig())


def test_bone_stream_is_every_joint_minus_its_parent(ucla_clips):
    x = _prepared(ucla_clips[0], bodies=2)  # body 1 absent
    y = preprocess.to_stream(x, len(x), "bone", "ucla20")
    got = {c: y[..., c, :] for c, _ in UCLA.bones}
    want = bone_vectors(x, UCLA)
    for i, (c, _) in enumerate(UCLA.bones):
        np.testing.assert_allclose(got[c][:, 0], want[:, 0, i], atol=1e-6)
    # the root (hip centre) keeps its place (the body's travel), which no bone carries
    (root,) = np.flatnonzero(preprocess.bone_parents("ucla20") < 0)
    assert UCLA.joints[root] == "HipCenter"
    np.testing.assert_array_equal(y[:, :, root], x[:, :, root])
    assert np.abs(y[:, 0, root]).max() > 1e-3
    assert not y[:, 1].any()  # the absent body stays absent
    np.testing.assert_array_equal(
        preprocess.body_present(y), preprocess.body_present(x)
    )


def test_bone_stream_turns_with_the_skeleton(ucla_clips):
    """Linear in the joints: the rotations of augmentation and of the pretext tasks
    turn bones as they turn joints."""
    x = _prepared(ucla_clips[1])
    turned = preprocess.rotate(x, np.random.default_rng(0), 40.0)
    bones = preprocess.to_stream(x, len(x), "bone", "ucla20")
    np.testing.assert_allclose(
        preprocess.to_stream(turned, len(x), "bone", "ucla20"),
        preprocess.rotate(bones, np.random.default_rng(0), 40.0),
        atol=1e-5,
    )


def test_motion_stream_is_the_step_to_the_next_valid_frame(ucla_clips):
    x = _prepared(ucla_clips[2], bodies=2)[:20].copy()
    x[7, 0] = 0.0  # body 0 lost for one frame
    padded, n = preprocess.pad_time(x, 32)
    y = preprocess.to_stream(padded, n, "motion", "ucla20")
    assert n == 20 and y.shape == padded.shape
    for t in range(n - 1):
        if t in (6, 7):  # a step into or out of the lost frame is not motion
            assert not y[t].any()
        else:
            np.testing.assert_allclose(y[t, 0], x[t + 1, 0] - x[t, 0], atol=1e-6)
    assert not y[n - 1 :].any()  # last valid frame and padding
    assert not y[:, 1].any()
    assert np.abs(y[:n]).max() > 1e-3


def test_unknown_streams_and_bones_without_a_tree_are_refused():
    x = np.ones((4, 1, 33, 3), np.float32)
    with pytest.raises(ValueError, match="mp33.*not a tree"):
        preprocess.to_stream(x, 4, "bone", "mp33")
    with pytest.raises(ValueError, match="unknown stream 'bones'"):
        preprocess.to_stream(np.ones((4, 1, 20, 3), np.float32), 4, "bones", "ucla20")
    assert preprocess.to_stream(x, 4, "motion", "mp33").shape == x.shape
    with pytest.raises(ValueError, match="stream bone: the mp33 layout"):
        make_config(data={"layout": "mp33", "stream": "bone"})
    with pytest.raises(ValueError, match="stream must be one of joint, bone, motion"):
        make_config(data={"stream": "velocity"})


def test_a_bone_run_trains_reads_bones_and_keeps_to_its_stream(tmp_path, ucla_clips):
    bone = {"stream": "bone"}
    pre = tmp_path / "bone-pretrain"
    epochs = _train(_config(pre, "pretrain", epochs=4, data=bone))
    assert epochs[-1].losses["total"] < epochs[0].losses["total"]
    ft = tmp_path / "bone-finetune"
    epochs = _train(
        _config(ft, "finetune", epochs=4, data=bone, options={"init_from": str(pre)})
    )
    assert epochs[-1].losses["cls"] < epochs[0].losses["cls"]

    # inference takes the same stream as training
    p = Predictor.from_run(ft, device="cpu", backend="torch", novelty=False)
    raw = ucla_clips[3].joints
    as_joints = dataclasses.replace(p.config.data, stream="joint")
    joints, n = fit_time(prepare_clip(raw, "ucla20", "ucla20", 1, as_joints), as_joints)
    np.testing.assert_allclose(
        p.prepare(raw), preprocess.to_stream(joints, n, "bone", "ucla20"), atol=1e-6
    )
    # a joint-stream run cannot start from a bone-stream encoder
    with pytest.raises(ValueError, match="reads the bone stream, this run the joint"):
        _train(_config(tmp_path / "joint", "finetune", epochs=1,
                       options={"init_from": str(pre)}))  # fmt: skip


def _tiny_run(tiny_data, run_dir, protocol="xview", stream="joint"):
    cfg = tiny_config(
        tiny_data, run_dir, epochs=3, data={"stream": stream}, run={"seed": 1}
    ).replace(data={"protocol": protocol})
    events = list(run(cfg))
    assert not events[-1].cancelled
    return run_dir


def test_fusion_averages_the_runs_class_probabilities(tiny_data, tmp_path, capsys):
    joint = _tiny_run(tiny_data, tmp_path / "joint")
    bone = _tiny_run(tiny_data, tmp_path / "bone", stream="bone")
    motion = _tiny_run(tiny_data, tmp_path / "motion", stream="motion")
    fused = evaluate_fused([joint, bone, motion], device="cpu")
    assert fused.streams == ["joint", "bone", "motion"]
    for member, run_dir in zip(fused.members, (joint, bone, motion)):
        assert member.accuracy == evaluate_run(run_dir, device="cpu").accuracy

    # the same figure by another road: each run's Predictor on the raw view-3 clips
    root, _ = tiny_data
    test = [s for s in UclaReader().scan(root) if s.meta["view"] == 3]
    each = [
        Predictor.from_run(r, device="cpu", novelty=False).predict_proba(
            [s.joints for s in test]
        )
        for r in (joint, bone, motion)
    ]
    assert np.abs(each[0] - each[1]).max() > 0.05  # the streams do not agree
    proba = np.mean(each, axis=0)
    order = [fused.names.index(s.name) for s in test]
    assert sorted(order) == list(range(len(test)))
    np.testing.assert_allclose(fused.proba[order], proba, atol=1e-5)
    truth = np.array([s.label for s in test])
    assert fused.fused.accuracy == pytest.approx(np.mean(proba.argmax(1) == truth))

    assert main(["eval", str(joint), str(bone), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert (
        f"{joint} (input stream: joint):" in out
        and f"{bone} (input stream: bone):" in out
    )
    assert "fusion of 2 runs on test" in out and (bone / "eval.json").is_file()
    fused_doc = json.loads(
        (joint / "eval-fused.json").read_text()
    )  # the fusion is kept
    assert f"wrote {joint / 'eval-fused.json'}" in out
    shown = (
        out.split("fusion of 2 runs on test")[1].split("accuracy: ")[1].split("%")[0]
    )
    assert f"{100 * fused_doc['accuracy']:.2f}" == shown
    assert [m["run_dir"] for m in fused_doc["members"]] == [str(joint), str(bone)]
    reports = tmp_path / "reports"
    assert (
        main(["eval", str(joint), str(bone), "--device", "cpu", "--out", str(reports)])
        == 0
    )
    assert (reports / "eval-fused.json").is_file()
    assert (reports / joint.name / "eval.json").is_file()
    assert (reports / bone.name / "confusion.png").is_file()
    twin = tmp_path / "elsewhere" / joint.name  # another run of the same folder name
    shutil.copytree(bone, twin)
    assert (
        main(
            [
                "eval",
                str(joint),
                str(twin),
                "--device",
                "cpu",
                "--out",
                str(reports / "2"),
            ]
        )
        == 0
    )
    assert (reports / "2" / f"1-{joint.name}" / "eval.json").is_file()
    assert (reports / "2" / f"2-{joint.name}" / "eval.json").is_file()


def test_runs_on_other_clips_are_not_fused(tiny_data, tmp_path):
    joint = _tiny_run(tiny_data, tmp_path / "joint")
    other = _tiny_run(tiny_data, tmp_path / "val", protocol="xview-val")
    with pytest.raises(ValueError, match="is not the clips of") as refused:
        evaluate_fused([joint, other], device="cpu")
    # its own split named as its protocol does, and the cause said (a trial)
    assert f"{other}: its validation split is not the clips of {joint}" in str(
        refused.value
    )
    assert str(refused.value).endswith(
        "they are of other protocols (nw-ucla xview-val against nw-ucla xview): fuse "
        "runs of one protocol"
    )
    with pytest.raises(ValueError, match="at least two runs"):
        evaluate_fused([joint], device="cpu")
    with pytest.raises(ValueError, match="given twice"):
        evaluate_fused([joint, joint.parent / "." / joint.name], device="cpu")


def test_the_cli_records_the_stream_and_a_run_started_from_it_inherits_it(
    tiny_data, tmp_path, monkeypatch, capsys
):
    root, cache = tiny_data
    monkeypatch.setenv("MS2L_CACHE", str(cache))
    common = ["--root", str(root), "--frames", "16", "--epochs", "1", "--batch-size",
              "8", "--device", "cpu", "--quiet"]  # fmt: skip
    pre = tmp_path / "pre"
    args = ["train", *common, "--strategy", "pretrain", "--hidden", "8"]
    assert main([*args, "--stream", "motion", "--run-dir", str(pre)]) == 0
    assert TrainConfig.load(pre / "config.json").data.stream == "motion"
    ft = tmp_path / "ft"
    args = ["train", *common, "--strategy", "finetune", "--init-from", str(pre)]
    assert main([*args, "--run-dir", str(ft)]) == 0
    assert TrainConfig.load(ft / "config.json").data.stream == "motion"
    # asking for another stream than the encoder's is refused in one line
    assert main([*args, "--stream", "bone", "--run-dir", str(tmp_path / "x")]) == 2
    assert (
        "reads the motion stream, this run the bone stream" in capsys.readouterr().err
    )


def test_a_bone_encoder_cannot_move_to_another_layout(tiny_data, tmp_path):
    """Joints convert between layouts by a linear map; bones do not (other parents)."""
    source = tmp_path / "ntu-bones"
    cfg = tiny_config(
        tiny_data, source, "pretrain", epochs=1,
        data={"layout": "ntu25", "stream": "bone"},
    )  # fmt: skip
    list(run(cfg))
    assert "stream=bone" in describe(cfg)
    cfg = tiny_config(
        tiny_data, tmp_path / "transfer", "transfer", epochs=1, data={"stream": "bone"},
        strategy_options={"init_from": str(source)},
    )  # fmt: skip
    with pytest.raises(ValueError, match="reads the bones of ntu25, whose bone tree"):
        list(run(cfg))


def test_custom_runs_with_other_validation_draws_are_not_fused(
    tmp_path, ucla_clips, tiny_data
):
    root = write_takes(tmp_path / "ds", ucla_clips)
    done = []
    for seed in (0, 1):
        cfg = make_config(
            dataset="custom", root=str(root), strategy="scratch", preset="paper",
            data={"frames": 16, "val_fraction": 0.34},
            model={"hidden": 8, "classifier_hidden": 8},
            optim={"epochs": 1, "batch_size": 8},
            run={"run_dir": str(tmp_path / f"s{seed}"), "device": "cpu", "seed": seed},
        )  # fmt: skip
        list(run(cfg))
        done.append(tmp_path / f"s{seed}")
    with pytest.raises(ValueError, match=r"seed 1 / 0, fraction 0.34 / 0.34"):
        evaluate_fused(done, device="cpu")
    # runs on other classes are refused before either is scored
    ucla = _tiny_run(tiny_data, tmp_path / "ucla")
    with pytest.raises(ValueError) as err:
        evaluate_fused([done[0], ucla], device="cpu")
    # what is wrong first, then each run's count and first names (not all 70 names)
    assert re.fullmatch(
        rf"only runs on the same classes can be fused: {ucla} has 10 classes \("
        rf"pick up with one hand, pick up with two hands, drop trash, \.\.\.\), "
        rf"{done[0]} \d+ classes \([^)]*\)",
        str(err.value),
    ), str(err.value)
