"""PKU-MMD reader: the real 0005-L sequence, real label quirks, splits, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.datasets import DataFormatError, get_reader, read_file
from core.datasets.pkummd import (
    PkuMmdReader,
    parse_labels,
    parse_name,
    parse_skeleton,
    read_split_file,
)
from core.datasets.scanning import FileRead, FileSkipped
from core.datasets.splits import split_of
from tests.conftest import require_data


@pytest.fixture(scope="module")
def real_0005():
    root = require_data("pkummd")
    events = list(get_reader("pkummd1").scan_events(root))
    (event,) = [e for e in events if isinstance(e, FileRead)]
    return root, event


def test_every_instance_of_0005_L(real_0005):
    root, event = real_0005
    rows = [
        [int(v) for v in line.split(",")]
        for line in (root / "labels" / "0005-L.txt").read_text().splitlines()
        if line.strip()
    ]
    text = np.loadtxt(root / "skeleton" / "0005-L.txt", dtype=np.float64)
    assert text.shape == (1494, 150)
    seqs = event.sequences
    assert len(seqs) == len(rows) == 8 and event.notes == ()
    for k, (seq, (action, start, end, conf)) in enumerate(zip(seqs, rows)):
        assert seq.name == f"0005-L_{k:02d}"
        assert seq.label == action - 1
        assert (seq.meta["start"], seq.meta["end"], seq.meta["confidence"]) == (
            start,
            end,
            conf,
        )
        assert seq.num_frames == end - start
        expected = text[start:end].astype(np.float32).reshape(-1, 2, 25, 3)
        np.testing.assert_array_equal(seq.joints, expected[:, : seq.num_bodies])
        assert seq.layout == "ntu25" and seq.fps == 30.0
        assert seq.meta["view"] == "L" and seq.meta["number"] == 5
    # 0005 is an interaction sequence: every instance has a second person.
    assert all(s.num_bodies == 2 for s in seqs)
    assert [s.label + 1 for s in seqs] == [26, 18, 27, 21, 24, 16, 12, 14]


def test_real_official_splits(real_0005):
    root, event = real_0005
    xsub = read_split_file(root / "split" / "cross-subject.txt")
    xview = read_split_file(root / "split" / "cross-view.txt")
    assert xsub["0005-L"] == "train" and xview["0005-L"] == "train"
    assert xview["0005-M"] == "test" and xview["0005-R"] == "train"
    assert "0060-L" not in xsub and "0060-M" in xsub  # the missing view is not listed
    assert {k: list(xview.values()).count(k) for k in ("train", "test")}["test"] > 300
    for seq in event.sequences:
        assert split_of("pkummd1", "xsub", seq.meta) == "train"
        assert split_of("pkummd1", "xview", seq.meta) == "train"


def test_real_labels_quirks(tmp_path):
    labels = require_data("pkummd", "labels")
    assert not (labels / "0060-L.txt").exists() and (labels / "0060-M.txt").exists()
    rows = parse_labels((labels / "0043-L.txt").read_bytes(), "0043-L.txt")
    bad = [r for r in rows if r.end < r.start]
    assert [(r.action, r.start, r.end, r.line) for r in bad] == [(1, 4925, 4036, 21)]
    # A sequence with 5100 frames: the end<start row is skipped, the last row clipped.
    root = tmp_path / "pku"
    (root / "skeleton").mkdir(parents=True)
    (root / "label").mkdir()
    (root / "label" / "0043-L.txt").write_bytes((labels / "0043-L.txt").read_bytes())
    _write_frames(root / "skeleton" / "0043-L.txt", np.ones((5100, 150), np.float32))
    (event,) = list(PkuMmdReader(1).scan_events(root))
    assert isinstance(event, FileRead)
    assert len(event.sequences) == len(rows) - 1
    assert any(
        "0043-L.txt:21: row skipped, end 4036 < start 4925" in n for n in event.notes
    )
    assert any("clipped to the 5100 frames" in n for n in event.notes)
    assert event.sequences[-1].meta["end"] == 5100


def test_read_file_gives_the_whole_sequence_with_intervals():
    path = require_data("pkummd", "skeleton", "0005-L.txt")
    seq = read_file(path)
    assert seq.joints.shape == (1494, 2, 25, 3) and seq.label is None
    assert seq.meta["intervals"][0] == [25, 229, 293]
    assert len(seq.meta["intervals"]) == 8
    assert seq.joints[0, 0, 0].tolist() == pytest.approx(
        [-0.362001, -0.080780, 2.346086]
    )
    # Person 2 starts at value 76 of the line.
    assert seq.joints[0, 1, 0].tolist() == pytest.approx([0.70358, -0.01868, 3.287993])


def _write_frames(path, frames, newline="\n", trailing=" "):
    lines = [" ".join(f"{v:.6f}" for v in row) + trailing for row in frames]
    path.write_text(newline.join(lines) + newline)
    return path


def _dataset(tmp_path, name, frames, label_text):
    root = tmp_path / "root"
    (root / "skeletons").mkdir(parents=True, exist_ok=True)
    (root / "Label").mkdir(exist_ok=True)
    _write_frames(root / "skeletons" / f"{name}.txt", frames)
    (root / "Label" / f"{name}.txt").write_text(label_text)
    return root


def test_part2_names_and_one_person(tmp_path):
    frames = np.zeros((40, 150), np.float32)
    frames[:, :75] = np.linspace(0.1, 1.0, 75)
    root = _dataset(tmp_path, "A03N07-R", frames, "5,0,10,1\n51,20,40,2\n")
    (split := root / "split").mkdir()
    (split / "cross_subject_v2.txt").write_text("Training videos: \nA03N07-R, A03N07-L\n"
                                                 "Validataion videos: \nA04N08-R\n")  # fmt: skip
    seqs = list(get_reader("pkummd2").scan(root))
    assert [s.label for s in seqs] == [4, 50] and [s.num_frames for s in seqs] == [
        10,
        20,
    ]
    assert seqs[0].joints.shape[1:] == (1, 25, 3)  # person 2 all zeros -> dropped
    assert seqs[0].meta["subject"] == 7 and seqs[0].meta["view"] == "R"
    assert split_of("pkummd2", "xsub", seqs[0].meta) == "train"
    with pytest.raises(KeyError):
        split_of("pkummd2", "xview", seqs[0].meta)  # no cross-view file here
    # ... and says which part the folder is (a GUI trial tried the wrong one)
    with pytest.raises(
        DataFormatError,
        match=r"no PKU-MMD Part 1 skeleton files; it holds 1 skeleton file of Part 2: "
        r"open it as pkummd2",
    ):
        list(get_reader("pkummd1").scan_events(root))
    assert parse_name("A03N07-R") == {"part": 2, "sequence": "A03N07-R", "recording": 3,
                                      "subject": 7, "view": "R"}  # fmt: skip


def test_missing_label_file_is_skipped(tmp_path):
    root = _dataset(tmp_path, "0002-L", np.zeros((5, 150)), "1,0,4,1\n")
    _write_frames(root / "skeletons" / "0002-M.txt", np.zeros((5, 150)))
    events = list(PkuMmdReader(1).scan_events(root))
    assert [type(e) for e in events] == [FileRead, FileSkipped]
    assert events[1].reason == "no label file"


@pytest.mark.parametrize(
    ("mutate", "problem", "line"),
    [
        (
            lambda rows: rows[:2] + [rows[2][:149]] + rows[3:],
            "149 values, expected 150",
            3,
        ),
        (lambda rows: rows[:3] + [["abc"] + rows[3][1:]] + rows[4:], "not a number", 4),
        (lambda rows: rows[:1] + [["nan"] + rows[1][1:]] + rows[2:], "non-finite", 2),
        (lambda rows: [], "empty file", 1),
    ],
)
def test_bad_skeleton_files(tmp_path, mutate, problem, line):
    rows = [[f"{v:.4f}" for v in np.arange(150) / 100] for _ in range(5)]
    path = tmp_path / "0002-L.txt"
    path.write_text("".join(" ".join(r) + " \r\n" for r in mutate(rows)))
    with pytest.raises(DataFormatError, match=problem) as info:
        parse_skeleton(path.read_bytes(), str(path))
    assert info.value.line == line and str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("1,10,20,1\nhello world\n", "integers", 2),
        ("1,10\n", "2 values", 1),
        ("52,10,20,1\n", "outside 1..51", 1),
        ("\n\n", "no label rows", 1),
        ("\x00\xff\x17garbage", "integers", 1),
    ],
)
def test_garbage_label_files(tmp_path, text, problem, line):
    root = _dataset(tmp_path, "0002-L", np.zeros((30, 150)), text)
    label = root / "Label" / "0002-L.txt"
    with pytest.raises(DataFormatError, match=problem) as info:
        get_reader("pkummd1").read_file(root / "skeletons" / "0002-L.txt")
    assert info.value.line == line and str(label) in str(info.value)
    errors = []
    assert list(get_reader("pkummd1").scan(root, on_error=errors.append)) == []
    assert len(errors) == 1


def test_split_file_without_training_section(tmp_path):
    path = tmp_path / "cross-view.txt"
    path.write_text("nothing here\n")
    with pytest.raises(DataFormatError, match="Training videos"):
        read_split_file(path)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    total=st.integers(1, 60),
    rows=st.lists(
        st.tuples(st.integers(1, 51), st.integers(0, 80), st.integers(0, 80)),
        min_size=1,
        max_size=6,
    ),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_property_instances_follow_the_label_rows(tmp_path, total, rows, newline):
    frames = np.arange(total * 150, dtype=np.float32).reshape(total, 150) / 1000
    root = tmp_path / f"r{total}"
    (root / "skeleton").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(exist_ok=True)
    _write_frames(root / "skeleton" / "0009-M.txt", frames, newline=newline)
    (root / "labels" / "0009-M.txt").write_text(
        newline.join(f"{a},{s},{e},1" for a, s, e in rows) + newline
    )
    (event,) = list(PkuMmdReader(1).scan_events(root))
    expected = [(a, s, min(e, total)) for a, s, e in rows if s < e and s < total]
    got = [(q.label + 1, q.meta["start"], q.meta["end"]) for q in event.sequences]
    assert got == expected
    assert len(event.notes) >= len(rows) - len(expected)
    for q, (_a, s, e) in zip(event.sequences, expected):
        np.testing.assert_array_equal(
            q.joints, np.round(frames[s:e], 6).astype(np.float32).reshape(-1, 2, 25, 3)
        )


def test_another_datasets_folder_is_named_by_what_it_holds():
    """An NTU folder opened as NW-UCLA or as PKU-MMD said only that it had none of
    theirs (a GUI trial): what it holds, and how to open it."""
    ntu = require_data("ntu")
    for dataset, said in (
        ("nw-ucla", "no NW-UCLA sample JSON files"),
        ("pkummd1", "no skeleton folder"),
    ):
        with pytest.raises(DataFormatError) as err:
            list(get_reader(dataset).scan_events(ntu))
        assert said in str(err.value)
        assert ".skeleton files: open it as ntu60 or ntu120" in str(err.value)
    with pytest.raises(DataFormatError, match="of Part 1: open it as pkummd1"):
        list(get_reader("pkummd2").scan_events(require_data("pkummd")))
