"""The user's dataset format: recordings, labels.csv, the ``custom`` reader and its splits.

Built from real NW-UCLA clips (read from the shared ``all_sqe.zip``) brought in as
``ucla20`` recordings, as another sensor's skeletons would be.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.datasets import read_file
from core.datasets.base import DataFormatError, SkeletonSequence
from core.datasets.cache import open_store
from core.datasets.custom import (
    LabelInterval,
    add_label,
    build_clips,
    delete_recording,
    held_out_units,
    import_sequence,
    label_pieces,
    labels_path,
    list_recordings,
    next_take_name,
    read_labels,
    read_recording_sequence,
    remove_label,
    rename_recording,
    set_labels,
    split_custom,
    summarize_dataset,
    update_label,
    write_labels,
)
from core.datasets.ntu import read_skeleton_bytes
from core.datasets.recording import (
    RecordingWriter,
    SourceInfo,
    export_ntu_skeleton,
    read_recording,
    recording_info,
)
from core.datasets.splits import split_indices
from core.inference.sequences import true_labels
from core.labels import load_class_table, names_for_sequence
from core.skeleton import convert
from tests.conftest import require_data

CLASSES = load_class_table("nw-ucla").names


@pytest.fixture
def takes(tmp_path: Path, ucla_clips: list[SkeletonSequence]) -> Path:
    """A dataset of 12 takes (3 actions x 4 subjects), each labelled whole."""
    root = tmp_path / "takes"
    for seq in ucla_clips:
        import_sequence(
            root, seq.name, seq, action=CLASSES[seq.label],
            subject=f"s{seq.meta['subject']}",
        )  # fmt: skip
    return root


def test_recording_roundtrip_torn_and_incomplete(tmp_path: Path, ucla_clips) -> None:
    seq = ucla_clips[0]
    path = tmp_path / "rec.jsonl"
    src = SourceInfo(kind="import", path="x", fps=30.0)
    with RecordingWriter(path, "ucla20", src, subject="ann") as w:
        for t, frame in enumerate(seq.joints):
            w.add_joints(100.0 + t / 30, frame)  # the first timestamp becomes 0
        w.add_joints(100.0 + seq.num_frames / 30, None)  # nobody in view
    rec = read_recording(path)
    assert rec.complete and not rec.torn and rec.subject == "ann"
    assert rec.num_frames == seq.num_frames + 1
    np.testing.assert_allclose(rec.joints[:-1], seq.joints, atol=1e-5)
    assert not rec.joints[-1].any() and rec.present.tolist()[-2:] == [True, False]
    np.testing.assert_allclose(rec.timestamps[:3], [0, 1 / 30, 2 / 30], atol=1e-6)
    with pytest.raises(FileExistsError):
        RecordingWriter(path, "ucla20", src)

    # A process killed mid-write: no footer and half a line at the end.
    text = path.read_text().splitlines(keepends=True)
    path.write_text("".join(text[:-2]) + text[-2][: len(text[-2]) // 2])
    rec = read_recording(path)
    assert rec.torn and not rec.complete and rec.num_frames == seq.num_frames
    info = recording_info(path)
    assert (info.frames, info.complete, info.error) == (seq.num_frames, False, "")

    # Damage before the last line is an error naming the file and line.
    lines = path.read_text().splitlines()
    lines[3] = '{"t": "soon"'
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=r"rec\.jsonl:4: bad frame 2 "):
        read_recording(path)
    assert recording_info(path).frames >= 0  # listing never raises
    path.write_text("not a recording\n")
    with pytest.raises(DataFormatError, match=r"rec\.jsonl:1:"):
        read_recording(path)
    assert "header" in recording_info(path).error


def test_blank_lines_at_the_end_are_no_content_and_one_inside_is_named(
    tmp_path: Path, ucla_clips
) -> None:
    """From a trial: one empty line after the footer (an editor's, or a converter's
    extra newline; CRLF and spaces too) refused the whole recording for "frames after
    the footer", while the list showed it as cut short; an empty line between frames
    said only "Expecting value"."""
    seq = ucla_clips[0]
    path = tmp_path / "rec.jsonl"
    with RecordingWriter(path, "ucla20", SourceInfo(kind="import", fps=30.0)) as w:
        for t, frame in enumerate(seq.joints):
            w.add_joints(t / 30, frame)
    whole = path.read_text()
    for tail in ("\n", "\n\n", "  \n", "\r\n\r\n"):
        path.write_text(whole + tail, newline="")
        rec = read_recording(path)
        assert rec.complete and rec.num_frames == seq.num_frames
        info = recording_info(path)
        assert (info.complete, info.frames, info.error) == (True, seq.num_frames, "")
    lines = whole.splitlines()
    path.write_text("\n".join([*lines[:3], "", *lines[3:]]) + "\n")
    with pytest.raises(DataFormatError, match=r"rec\.jsonl:4: .*an empty line"):
        read_recording(path)
    # lines after the footer: said of the footer, not as a bad frame
    path.write_text(whole + lines[2] + "\n")
    last = len(lines)
    with pytest.raises(
        DataFormatError,
        match=rf"rec\.jsonl:{last}: the footer .* is followed by 1 more line",
    ):
        read_recording(path)


def test_a_listing_follows_a_take_while_it_is_written(
    tmp_path: Path, ucla_clips, monkeypatch
) -> None:
    """The listing keeps what it read of a file it saw unchanged (a 65-minute take was
    read in full twice for each label made in Teach); a file that grew, or was written
    again, is read again."""
    import core.datasets.recording as recording

    reads: list[str] = []
    real = recording._read_lines

    def counted(path: Path) -> tuple[list[str], bool]:
        reads.append(path.name)
        return real(path)

    monkeypatch.setattr(recording, "_read_lines", counted)
    path = tmp_path / "rec.jsonl"
    frame = ucla_clips[0].joints[0]
    with RecordingWriter(path, "ucla20", SourceInfo("import", fps=30.0)) as w:
        for t in range(10):
            w.add_joints(t / 30, frame)
        w.sync()
        first = recording_info(path)
        assert (first.frames, first.complete) == (10, False)
        assert recording_info(path) == first and len(reads) == 1  # not read again
        for t in range(10, 25):
            w.add_joints(t / 30, frame)
        w.sync()
        assert recording_info(path).frames == 25
    assert (recording_info(path).frames, recording_info(path).complete) == (25, True)
    # renamed onto another take of the same size and times: the other take's summary
    other = tmp_path / "other.jsonl"
    other.write_bytes(path.read_bytes().replace(b'"fps": 30.0', b'"fps": 25.0'))
    os.utime(other, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    assert other.stat().st_size == path.stat().st_size
    assert recording_info(path).source.fps == 30.0
    os.replace(other, path)
    assert recording_info(path).source.fps == 25.0
    path.write_text("not a recording\n")
    assert "header" in recording_info(path).error


def test_export_ntu_skeleton_reads_back(tmp_path: Path, takes: Path) -> None:
    rec = read_recording(next(takes.glob("*.jsonl")))
    out = export_ntu_skeleton(rec, tmp_path / "take.skeleton")
    seq = read_skeleton_bytes(out.read_bytes(), str(out))
    assert seq is not None and seq.layout == "ntu25"
    assert seq.num_frames == rec.num_frames  # already at 30 FPS
    expected = convert(rec.joints, "ucla20", "ntu25")
    np.testing.assert_allclose(seq.joints[:, :1], expected, rtol=1e-6, atol=1e-6)
    assert read_file(out).num_frames == rec.num_frames
    again = export_ntu_skeleton(rec.path, tmp_path / "from-path.skeleton")  # a file too
    assert again.read_bytes() == out.read_bytes()


def test_reader_clips_classes_and_cache(
    tmp_path: Path, takes: Path, ucla_clips
) -> None:
    layout, bodies, classes, clips, failed = build_clips(takes)
    assert (layout, bodies, failed) == ("ucla20", 1, [])
    assert classes == sorted(CLASSES[i] for i in (0, 1, 4))
    assert len(clips) == 12 and all(c.label is not None for c in clips)
    by_name = {c.meta["recording"]: c for c in clips}
    for seq in ucla_clips:  # 30 FPS clips come back frame for frame
        clip = by_name[seq.name]
        assert classes[clip.label] == CLASSES[seq.label]
        np.testing.assert_allclose(clip.joints, seq.joints, atol=1e-5)

    store = open_store("custom", takes, tmp_path / "cache")
    assert (store.layout, store.class_names, len(store)) == ("ucla20", classes, 12)
    # Editing labels.csv makes the cache stale and rebuilds it.
    rows = read_labels(takes)
    set_labels(takes, [*rows[:-1], LabelInterval(rows[-1].recording, 0.0, 0.5, "x")])
    store = open_store("custom", takes, tmp_path / "cache")
    assert "x" in store.class_names
    assert summarize_dataset(takes)[-1].name == "x"


def test_splits_by_recording_and_subject_are_seeded_and_stratified(takes: Path) -> None:
    _, _, _, clips, _ = build_clips(takes)
    metas = [c.meta for c in clips]
    a = split_indices("custom", "recording", metas, val_fraction=0.25, seed=0)
    b = split_indices("custom", "recording", metas, val_fraction=0.25, seed=0)
    c = split_indices("custom", "recording", metas, val_fraction=0.25, seed=1)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["test"], c["test"])
    for side in a.values():  # every action keeps clips on both sides
        assert {metas[i]["action"] for i in side} == {m["action"] for m in metas}
    assert len(a["test"]) == 3 and len(a["train"]) == 9
    subj = split_custom(metas, "subject", 0.25, seed=0)
    held = {metas[i]["subject"] for i in subj["test"]}
    assert len(held) == 1  # one subject of four validates, all of its clips
    assert {metas[i]["subject"] for i in subj["train"]}.isdisjoint(held)
    assert split_custom(metas, "recording", 0.0)["test"].size == 0
    bare = [{**m, "subject": ""} for m in metas]
    with pytest.raises(KeyError, match="no subject"):
        split_custom(bare, "subject")


def test_a_recorded_held_out_set_is_kept_when_takes_are_added(takes: Path) -> None:
    """A run records its validating units (``held_out_units``); with them the split
    is the same after takes are added, and a new take of a held-out subject validates."""
    _, _, _, clips, _ = build_clips(takes)
    metas = [c.meta for c in clips]
    first = split_custom(metas, "recording", 0.25, seed=0)
    held = held_out_units(metas, first["test"], "recording")
    assert len(held) == 3
    more = metas + [{**m, "recording": m["recording"] + "-b"} for m in metas]
    drawn = split_custom(more, "recording", 0.25, seed=0)
    kept = split_custom(more, "recording", 0.25, seed=0, held_out=held)
    assert {more[i]["recording"] for i in drawn["test"]} != set(held)  # a new draw
    assert {more[i]["recording"] for i in kept["test"]} == set(held)
    assert len(kept["train"]) == len(more) - 3
    assert split_custom(more, "recording", 0.0, held_out=held)["test"].size == 0
    subj = split_custom(metas, "subject", 0.25, seed=0)
    by = held_out_units(metas, subj["test"], "subject")
    again = split_custom(more, "subject", 0.25, seed=1, held_out=by)
    assert {more[i]["subject"] for i in again["test"]} == set(by)
    assert len(again["test"]) == 2 * len(subj["test"])  # its new takes validate too


def test_continuous_recording_intervals_and_unlabelled_windows(
    tmp_path: Path, ucla_clips, capsys, monkeypatch
) -> None:
    """Real clips in a row: the first two labelled, the rest unlabelled."""
    root = tmp_path / "cont"
    parts = [ucla_clips[i].joints for i in (0, 4, 8, 9, 10)]
    joints = np.concatenate(parts)
    seq = SkeletonSequence("session", joints, "ucla20", fps=30.0)
    import_sequence(root, "session", seq)
    n0, n1 = len(parts[0]) / 30, (len(parts[0]) + len(parts[1])) / 30
    set_labels(
        root,
        [
            LabelInterval("session", 0.0, n0, "a"),
            LabelInterval("session", n0, n1, "b"),
        ],
    )
    write_labels(root, read_labels(root))  # rewriting keeps the same rows
    _, _, classes, clips, _ = build_clips(root)
    labelled = [c for c in clips if c.label is not None]
    unlabelled = [c for c in clips if c.label is None]
    assert classes == ["a", "b"] and len(labelled) == 2
    assert unlabelled and all(c.meta["start"] >= n1 - 1e-6 for c in unlabelled)
    np.testing.assert_allclose(labelled[1].joints, parts[1], atol=1e-5)
    seq = read_file(root / "session.jsonl")
    assert seq.meta["label_intervals"][0][0] == "a" and seq.num_frames == len(joints)
    # ... and as frames and class numbers, as the PKU-MMD reader gives them (Replay,
    # `ms2l infer`): the clips were joined frame by frame at 30 FPS.
    f0, f1 = len(parts[0]), len(parts[0]) + len(parts[1])
    assert seq.meta["intervals"] == [[0, 0, f0], [1, f0, f1]]
    assert names_for_sequence(seq) == ["a", "b"]
    assert true_labels(seq)[f0 - 1 : f0 + 1] == ["a", "b"]
    # A recording of a dataset without labels has no classes (not PKU-MMD's, which
    # a sequence with an "intervals" entry would otherwise be taken for).
    bare = tmp_path / "bare"
    import_sequence(
        bare, "session", SkeletonSequence("session", joints, "ucla20", fps=30.0)
    )
    unlabelled_seq = read_file(bare / "session.jsonl")
    assert (
        unlabelled_seq.meta["intervals"] == []
        and names_for_sequence(unlabelled_seq) == []
    )
    # `ms2l data info` says how many clips are unlabelled, and what they are for
    from core.cli import main

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    assert main(["data", "info", "--dataset", "custom", "--root", str(root)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert f"{len(clips)} clips ({len(unlabelled)} unlabelled: self-supervised" in first


def test_label_pieces_cut_only_spans_longer_than_8_s() -> None:
    assert label_pieces(2.0, 10.0) == [(2.0, 10.0)]  # 8 s: one clip, as before
    pieces = label_pieces(1.0, 9.5)  # 8.5 s: three pieces of 2.83 s
    assert len(pieces) == 3 and pieces[0][0] == 1.0 and pieces[-1][1] == 9.5
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))  # no gap, no overlap
    assert {round(b - a, 3) for a, b in pieces} == {2.833}
    assert len(label_pieces(0.0, 120.0)) == 30  # two minutes: 30 clips of 4 s


def test_a_long_labelled_span_trains_as_pieces_with_a_person(
    tmp_path: Path, ucla_clips
) -> None:
    """A 20 s span of one action is five 4 s clips (the frames of that time); a piece
    nobody is seen in is left out; a short span stays one clip."""
    root = tmp_path / "long"
    clips = [c.joints for c in ucla_clips]
    joints = np.concatenate(clips * (1 + 900 // sum(map(len, clips))))[:900]  # 30 s
    joints[26 * 30 :] = 0  # nobody in view in the last 4 s
    import_sequence(
        root, "session", SkeletonSequence("session", joints, "ucla20", 30.0)
    )
    set_labels(
        root,
        [
            LabelInterval("session", 0.0, 20.0, "walk"),
            LabelInterval("session", 20.0, 25.0, "sit"),  # 5 s: whole
            LabelInterval("session", 25.0, 30.0 - 1e-3, "walk"),  # 5 s: whole
        ],
    )
    _, _, classes, clips, _ = build_clips(root)
    labelled = [c for c in clips if c.label is not None]
    spans = [(c.meta["start"], c.meta["end"], c.meta["action"]) for c in labelled]
    assert spans[:6] == [
        (0.0, 4.0, "walk"), (4.0, 8.0, "walk"), (8.0, 12.0, "walk"),
        (12.0, 16.0, "walk"), (16.0, 20.0, "walk"), (20.0, 25.0, "sit"),
    ]  # fmt: skip
    assert [c.meta["pieces"] for c in labelled[:6]] == [5] * 5 + [1]
    assert labelled[1].meta["piece"] == "2 of 5" and "piece" not in labelled[5].meta
    np.testing.assert_allclose(labelled[1].joints, joints[120:240], atol=1e-5)
    # 25-30 s is 5 s, not cut; past 8 s it would be: the empty last 4 s are why the
    # span is kept whole here (a person in 1 of its 5 s)
    assert spans[6] == (25.0, 30.0 - 1e-3, "walk") and len(labelled) == 7
    set_labels(
        root,
        [
            LabelInterval("session", 0.0, 12.0, "walk"),
            LabelInterval("session", 17.0, 30.0 - 1e-3, "sit"),  # 13 s: 4 pieces
        ],
    )
    _, _, _, clips, _ = build_clips(root)
    sit = [c for c in clips if c.meta["action"] == "sit"]
    # pieces of 3.25 s: 17-20.25, 20.25-23.5, 23.5-26.75 (a person in 3 of its
    # 3.25 s) are kept; 26.75-30 shows nobody and is left out
    assert [round(c.meta["start"], 2) for c in sit] == [17.0, 20.25, 23.5]
    # a 12 s span with a person in its first second only: that piece, not one 12 s
    # clip mostly empty (a trial)
    mostly = joints[: 12 * 30].copy()
    mostly[30:] = 0
    import_sequence(root, "mostly", SkeletonSequence("mostly", mostly, "ucla20", 30.0))
    set_labels(root, [LabelInterval("mostly", 0.0, 12.0, "late")])
    _, _, _, clips, _ = build_clips(root)
    assert [(c.meta["start"], c.meta["end"]) for c in clips if c.label == 0] == [
        (0.0, 4.0)
    ]


def test_infer_scores_a_recording_against_its_labels(
    tmp_path: Path, ucla_clips, capsys
) -> None:
    """`ms2l infer` reads a recording of a custom dataset and scores it frame by frame."""
    from core.cli import main
    from core.runs import shipped_model_dir

    model = shipped_model_dir()
    if model is None:
        pytest.skip("no shipped model in resources/checkpoints")
    names = load_class_table("nw-ucla").names
    parts = [ucla_clips[i] for i in (0, 4, 8)]  # three of the model's own classes
    joints = np.concatenate([c.joints for c in parts])
    root = tmp_path / "mine"
    import_sequence(
        root, "session", SkeletonSequence("session", joints, "ucla20", fps=30.0)
    )
    t, rows = 0.0, []
    for clip in parts:
        end = t + clip.num_frames / 30
        rows.append(LabelInterval("session", t, end, names[clip.label]))
        t = end
    set_labels(root, rows)
    js = tmp_path / "out.jsonl"
    assert (
        main(
            [
                "infer",
                str(root / "session.jsonl"),
                "--run",
                str(model),
                "--json",
                str(js),
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert f"session: {len(joints)} frames at 30 FPS, layout ucla20" in captured.out
    assert "frame accuracy vs 3 labelled intervals" in captured.out
    # Scored from the first answer: the frames of the first window are not "wrong".
    scored = re.search(
        r"of the (\d+) frames from frame (\d+), the first answer", captured.out
    )
    assert (
        scored and int(scored[1]) + int(scored[2]) == len(joints) and int(scored[2]) > 0
    )
    assert (
        "do not include" not in captured.err
    )  # the recording's classes are the model's
    records = [json.loads(line) for line in js.read_text().splitlines()]
    assert any("frame" in r for r in records) and any("intervals" in r for r in records)


def _write(root: Path, text: str) -> None:
    labels_path(root).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("rows", "line", "message"),
    [
        ("{r},2.0,1.0,a\n", 2, "end 1 s is not after start 2 s"),
        ("{r},0,0.5,a\nnobody,0,1,a\n", 3, "unknown recording 'nobody'"),
        ("{r},0,99,a\n", 2, "past the end of recording"),
        ("{r},0,0.8,a\n{r},0.5,1.0,b\n", 3, "overlaps row 2"),
        ("{r},0,0.8,a\n{r},0.9,1.0,  \n", 3, "empty action"),
        ("{r},0,1\n", 2, "3 fields, expected 4"),
        ("{r},zero,1,a\n", 2, "start 'zero' is not a number"),
        ('{r},0,1,"a\n', 2, "opens a field that is never closed"),
        # named at its row, not the line after (a bad-input trial)
        ('{r},0,1,"a\n{r},1,2,b\n', 2, "opens a field that is never closed"),
        # a quote inside an unquoted field is no opening quote (a review)
        ('{r},0,1,5" jump\n{r},1,2,"a\n', 3, "opens a field that is never closed"),
        ("{r},-1,1,a\n", 2, "negative"),
    ],
    ids=[
        "end-before-start",
        "unknown-recording",
        "past-end",
        "overlap",
        "empty-class",
        "too-few-fields",
        "not-a-number",
        "unclosed-quote",
        "unclosed-quote-then-a-row",
        "unclosed-quote-after-an-inner-quote",
        "negative-start",
    ],  # fmt: skip
)
def test_every_bad_label_names_file_and_row(
    takes: Path, rows: str, line: int, message: str
) -> None:
    name = list_recordings(takes)[0].name
    _write(takes, "recording,start,end,action\n" + rows.format(r=name))
    with pytest.raises(DataFormatError, match=message) as err:
        build_clips(takes)
    assert err.value.path == str(labels_path(takes)) and err.value.line == line
    assert str(err.value).startswith(f"{labels_path(takes)}:{line}: ")


def test_several_rows_that_are_bad_on_their_own_are_all_named(takes: Path) -> None:
    """From a trial: of rows bad on their own (an end before its start, a start that
    is no number, an empty action) only the first was named, so a file of several
    mistakes took as many runs to mend; rows bad against the recordings (past the
    end) were already listed."""
    name = list_recordings(takes)[0].name
    _write(takes, "recording,start,end,action\n"
           f"{name},0,1,a\n{name},1.0,1.0,a\n{name},abc,1,a\n{name},0.2,0.4,\n"
           f"{name},-0.5,1,a\n")  # fmt: skip
    with pytest.raises(DataFormatError) as err:
        read_labels(takes)
    assert err.value.line == 3
    assert err.value.problem == (
        "end 1 s is not after start 1 s (and 3 more rows with a problem: 4, 5, 6)"
    )


def test_bad_header_and_same_action_overlap(takes: Path) -> None:
    name = list_recordings(takes)[0].name
    _write(takes, "clip,from,to,label\n")
    with pytest.raises(DataFormatError, match=r"labels\.csv:1: header") as err:
        read_labels(takes)
    assert "semicolons" not in str(err.value)
    # a spreadsheet's CSV with semicolons: said (it got the bare header message)
    _write(takes, "recording;start;end;action\nx;0,5;1,5;a\n")
    with pytest.raises(DataFormatError, match="the fields are separated by semicolons"):
        read_labels(takes)
    _write(takes, f"recording,start,end,action\n{name},0,0.8,a\n{name},0.5,1.0,a\n")
    assert len(build_clips(takes)[3]) >= 2  # same action may overlap
    # ... but a label already inside one of its action is not added again (a selected
    # label labelled again: two copies, trained as two spans, a trial).
    with pytest.raises(DataFormatError) as info:
        add_label(takes, name, 0.1, 0.8, "a")
    assert str(info.value).endswith(
        f"0.10-0.80 s of {name!r} is already labelled 'a' (0.00-0.80 s): nothing to add"
    )
    assert len(read_labels(takes)) == 2
    # Different actions (and people) may share a frame or two at an edge, as labels
    # converted from inclusive end frames do (PKU-MMD's: refused, a trial); both keep it.
    _write(takes, "recording,start,end,action,subject\n"
                  f"{name},0,0.5,a,s1\n{name},0.45,1.0,b,s2\n")  # fmt: skip
    _, _, classes, clips, _ = build_clips(takes)
    assert classes == ["a", "b"]
    assert sorted(c.label for c in clips if c.label is not None)[:2] == [0, 1]
    # The same frames given to two subjects: refused (a row copied with another
    # subject put its frames on both sides of a split by subject: a trial).
    _write(takes, "recording,start,end,action,subject\n"
                  f"{name},0,0.5,a,s1\n{name},0.2,0.8,a,s2\n")  # fmt: skip
    with pytest.raises(DataFormatError, match=r"labels\.csv:3: .* subject 's2', but "
                       r"it overlaps row 2 0-0\.5 s, subject 's1': the same frames "
                       "cannot be two people's"):  # fmt: skip
        build_clips(takes)


def test_several_bad_rows_are_named_at_once_first_in_file_order(takes: Path) -> None:
    """Three mistakes took three runs to find, and not in row order (row 5, then 9,
    then 2: a trial): the first row in file order is the error, the others listed."""
    names = [r.name for r in list_recordings(takes)]
    a, b = names[0], names[1]
    _write(takes, "recording,start,end,action\n"
                  f"{a},0,0.8,x\n{a},0.3,0.9,y\n"  # rows 2-3: overlap (row 3 named)
                  f"{b},0,99,x\n"  # row 4: past the end
                  f"{a}x,0,1,x\n")  # row 5: unknown recording  # fmt: skip
    with pytest.raises(DataFormatError) as err:
        build_clips(takes)
    assert err.value.line == 3
    assert "overlaps row 2" in err.value.problem
    assert err.value.problem.endswith("(and 2 more rows with a problem: 4, 5)")
    # one mistake: as before, without a list
    _write(takes, f"recording,start,end,action\n{a},0,0.8,x\n{b},0,99,x\n")
    with pytest.raises(DataFormatError, match="past the end") as err:
        build_clips(takes)
    assert err.value.line == 3 and "more row" not in str(err.value)


def test_bad_labels_fail_training_with_one_line(takes: Path, tmp_path: Path, capsys):
    from core.cli import main

    name = list_recordings(takes)[0].name
    _write(takes, f"recording,start,end,action\n{name},0,99,a\n")
    status = main(
        ["train", "--dataset", "custom", "--root", str(takes), "--strategy", "scratch",
         "--run-dir", str(tmp_path / "run")]
    )  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert "labels.csv:2:" in err[0] and "past the end" in err[0]


def test_manage_recordings_and_labels(takes: Path) -> None:
    names = [r.name for r in list_recordings(takes)]
    assert len(names) == 12 and all(r.complete for r in list_recordings(takes))
    rename_recording(takes, names[0], "renamed")
    assert [r.recording for r in read_labels(takes)].count("renamed") == 1
    with pytest.raises(FileExistsError):
        rename_recording(takes, names[1], names[2])
    with pytest.raises(ValueError, match="invalid recording name"):
        rename_recording(takes, names[1], "a,b")
    delete_recording(takes, "renamed")
    assert "renamed" not in {r.recording for r in read_labels(takes)}
    assert not (takes / "renamed.jsonl").exists()

    take = [r.recording for r in read_labels(takes)].index(names[1])
    remove_label(takes, take)  # names[1] is now unlabelled
    n = len(read_labels(takes))
    row = add_label(takes, names[1], 0.1, 0.4, "wave", "ann")
    assert (row.row, len(read_labels(takes))) == (n + 2, n + 1)
    # A refused new label is named as such, not as a line the file does not have.
    with pytest.raises(DataFormatError) as err:
        add_label(takes, names[1], 0.2, 0.6, "clap")
    assert str(err.value) == (
        f"{labels_path(takes)}: the new label 0.20-0.60 s ('clap') overlaps the label "
        f"0.10-0.40 s ('wave') of {names[1]!r}: labels of different actions cannot "
        "overlap; shorten the span or remove that label first"
    )
    assert len(read_labels(takes)) == n + 1
    with pytest.raises(DataFormatError, match="overlaps"):  # names[2] is another take
        update_label(takes, n, recording=names[2])
    assert read_labels(takes)[n].recording == names[1]  # nothing written on failure
    assert update_label(takes, n, end=0.5).end == 0.5
    remove_label(takes, n)
    assert len(read_labels(takes)) == n
    assert next_take_name(takes, "wave hello") == "wave_hello-001"
    assert not list(takes.glob(".*tmp"))  # atomic writes leave no temporary file
    assert (
        json.loads(Path(takes, names[1] + ".jsonl").read_text().splitlines()[0])[
            "format"
        ]
        == "ms2l-recording"
    )


def test_an_action_is_renamed_in_every_label_or_merged(takes: Path) -> None:
    """Imports made "taichi" beside "tai chi", with no way to merge them (a trial)."""
    from core.datasets.custom import rename_action

    rows = read_labels(takes)
    first, second = sorted({r.action for r in rows})[:2]
    had = sum(r.action == first for r in rows)
    assert rename_action(takes, first, " New name ") == (had, "New name")
    assert sum(r.action == "New name" for r in read_labels(takes)) == had
    assert first not in {r.action for r in read_labels(takes)}
    total = had + sum(r.action == second for r in rows)
    # merged into it, also when typed in other letter case (it made a second class)
    assert rename_action(takes, "New name", second.upper()) == (had, second)
    assert sum(r.action == second for r in read_labels(takes)) == total
    with pytest.raises(ValueError, match="no label of action 'gone'"):
        rename_action(takes, "gone", "x")
    with pytest.raises(ValueError, match="needs a name"):
        rename_action(takes, second, "  ")
    assert len(read_labels(takes)) == len(rows)
    # a bad row already in the file (past its take's end), of another action even,
    # refused every rename (a trial): a renaming adds no problem, so it goes ahead
    now = read_labels(takes)
    bad = LabelInterval(now[0].recording, 0.0, 1000.0, "stretch")
    write_labels(takes, [*now, bad])
    assert rename_action(takes, second, "renamed")[1] == "renamed"
    after = read_labels(takes)
    assert "renamed" in {r.action for r in after} and after[-1].end == 1000.0


def test_folder_without_recordings(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="no recordings"):
        build_clips(tmp_path)
    with pytest.raises(FileNotFoundError):
        build_clips(tmp_path / "missing")
    os.makedirs(tmp_path / "empty")
    assert list_recordings(tmp_path / "missing") == []
    # recordings in per-subject sub-folders: said where they are (a trial)
    for who in ("ann", "bob"):
        (tmp_path / "lab" / who).mkdir(parents=True)
        (tmp_path / "lab" / who / "take.jsonl").write_text("")
    with pytest.raises(
        DataFormatError, match=r"; ann, bob hold some: a dataset is one"
    ):
        build_clips(tmp_path / "lab")
    # a folder of runs (each with its metrics.jsonl) is no such folder (a review)
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "config.json").write_text("{}")
    (run / "metrics.jsonl").write_text("")
    with pytest.raises(DataFormatError) as err:
        build_clips(tmp_path / "runs")
    assert "hold some" not in str(err.value)


def test_another_datasets_files_given_as_a_custom_dataset_are_named(
    tmp_path: Path, capsys
) -> None:
    """A custom run evaluated on NW-UCLA's zip was told to unpack it, and on the
    unpacked folder that it holds no recordings, neither naming the dataset it is
    (a trial)."""
    import shutil

    zipped = require_data("nw-ucla", "all_sqe.zip")
    assert main(["data", "info", "--dataset", "custom", "--root", str(zipped)]) == 2
    assert capsys.readouterr().err.endswith(
        "is a file, not a custom dataset folder (recordings and labels.csv; it holds "
        "1484 .json files: open it as nw-ucla)\n"
    )
    folder = tmp_path / "ntu"
    folder.mkdir()
    shutil.copy(require_data("ntu", "S001C001P001R001A001.skeleton"), folder)
    (folder / "notes.txt").write_text("mine\n")  # (a .txt alone is no PKU-MMD)
    assert main(["data", "info", "--dataset", "custom", "--root", str(folder)]) == 2
    assert capsys.readouterr().err.endswith(
        "no recordings (<name>.jsonl files) in this dataset folder; it holds 1 "
        ".skeleton file: open it as ntu60 or ntu120\n"
    )
    # ... and the other way: one's recordings opened as NTU (Replay kept the last
    # file's dataset: a trial)
    mine = tmp_path / "mine"
    import_sequence(mine, "take", read_file(next(folder.glob("*.skeleton"))))
    assert main(["data", "info", "--dataset", "ntu60", "--root", str(mine)]) == 2
    assert capsys.readouterr().err.endswith(
        "no ntu60 .skeleton files; it holds 1 recording (.jsonl): open it as custom\n"
    )


def test_recordings_at_other_rates_share_the_30_fps_time_scale(
    tmp_path: Path, ucla_clips
) -> None:
    """A 15 FPS recording gives a clip of the same duration at 30 FPS (each frame
    repeated); frames more than 0.5 s from any frame with a person stay empty."""
    seq = max(ucla_clips, key=lambda c: c.num_frames)
    assert seq.num_frames > 60
    root = tmp_path / "rates"
    slow = SkeletonSequence("slow", seq.joints, "ucla20", fps=15.0)
    import_sequence(root, "slow", slow, action="a")
    gap = seq.joints.copy()
    gap[5:50] = 0  # 45 frames (1.5 s) without anybody
    import_sequence(root, "gap", SkeletonSequence("g", gap, "ucla20"), action="b")
    _, _, _, clips, _ = build_clips(root)
    by = {c.meta["recording"]: c for c in clips if c.label is not None}
    assert by["slow"].num_frames == 2 * seq.num_frames
    np.testing.assert_allclose(by["slow"].joints[::2], seq.joints, atol=1e-5)
    for k, frame in enumerate(by["slow"].joints[1::2]):  # halfway: either neighbour
        nearest = [seq.joints[k], seq.joints[min(k + 1, seq.num_frames - 1)]]
        assert min(np.abs(frame - n).max() for n in nearest) < 1e-5
    present = np.any(by["gap"].joints != 0, axis=(1, 2, 3))
    assert present[:5].all() and present[50:].all()
    assert present[5:19].all() and not present[20:35].any() and present[36:50].all()


def _hand_written_mp33(
    path: Path, first_t: float, frames: int, nan_at: int = -1
) -> None:
    """An ``mp33`` recording as another tool would write it from the README alone: a
    minimal header, world landmarks only (no ``"i"`` / ``"v"``), its own clock."""
    rng = np.random.default_rng(0)
    lines = [json.dumps({"format": "ms2l-recording", "version": 1, "name": path.stem,
                         "layout": "mp33", "bodies": 1, "joints": 33})]  # fmt: skip
    for k in range(frames):
        w = rng.uniform(-0.5, 0.5, 99)
        if k == nan_at:
            w[7] = np.nan
        lines.append(json.dumps({"t": first_t + k / 30, "w": w.tolist()}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_hand_written_recording_world_landmarks_only_on_its_own_clock(
    tmp_path: Path,
) -> None:
    root = tmp_path / "outside"
    root.mkdir()
    for k in range(2):
        _hand_written_mp33(root / f"rec{k}.jsonl", first_t=1.7e9 + k, frames=60)
    labels_path(root).write_text(
        "\ufeffrecording,start,end,action\r\nrec0,0,2,wave\r\nrec1,0.5,1.5,clap\r\n",
        encoding="utf-8",
    )
    rec = read_recording(root / "rec0.jsonl")
    np.testing.assert_allclose(rec.timestamps[[0, -1]], [0, 59 / 30], atol=1e-5)
    assert rec.visibility is not None and (rec.visibility == 1).all()
    assert recording_info(root / "rec1.jsonl").duration == pytest.approx(2.0, abs=0.04)
    _, _, classes, clips, _ = build_clips(root)
    assert classes == ["clap", "wave"]
    lengths = sorted(c.num_frames for c in clips if c.label is not None)
    assert lengths == [30, 60]

    # A landmark lost in one frame (NaN) is filled; the recording and its label stay
    # (the whole file, with its label, was left out: a trial).
    _hand_written_mp33(root / "rec0.jsonl", first_t=0.0, frames=60, nan_at=16)
    _, _, classes, _, failed = build_clips(root)
    assert classes == ["clap", "wave"] and failed == []
    assert read_recording(root / "rec0.jsonl").lost == 1


def _write_frames(path: Path, layout: str, bodies: int, frames: list[dict]) -> Path:
    header = {"format": "ms2l-recording", "version": 1, "name": path.stem,
              "layout": layout, "bodies": bodies, "source": {"kind": "import"}}  # fmt: skip
    lines = [json.dumps(header), *(json.dumps(f) for f in frames)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_person_who_changes_slot_midway_is_one_track_and_is_answered(
    tmp_path: Path, capsys, ucla_clips
) -> None:
    """From a trial: a two-body recording whose person moved from slot 0 to slot 1
    halfway (Kinect's tracking does) read as body 0 empty for half the take, and
    `ms2l infer` stopped on "clip 0 has no skeleton in any frame". Slots never filled
    in the same frame are one track now; two people at once stay two; and a model of
    one body answers a window whose person is in the other slot."""
    from core.cli import main
    from core.inference import Predictor
    from core.inference.sequences import predict_sequence

    clip = max(ucla_clips, key=lambda c: c.num_frames).joints[:, 0]  # (T, 20, 3)
    half = len(clip) // 2
    switch = []
    for k, frame in enumerate(clip):
        bodies = np.zeros((2, *frame.shape), np.float32)
        bodies[0 if k < half else 1] = frame
        switch.append({"t": k / 30, "j": bodies.ravel().tolist()})
    path = _write_frames(tmp_path / "switch.jsonl", "ucla20", 2, switch)
    rec = read_recording(path)
    np.testing.assert_allclose(rec.joints[:, 0], clip, atol=1e-5)
    assert not rec.joints[:, 1].any() and rec.present.all()
    assert main(["infer", str(path), "--run", "nw-ucla-ms2l"]) == 0
    assert "error" not in capsys.readouterr().err

    # A header of absurdly many bodies is refused by name, before any is made (one
    # of 100 000 took the memory of the app that listed it: a review).
    many = _write_frames(tmp_path / "many.jsonl", "ucla20", 100_000, [{"t": 0.0}])
    assert "100000 bodies: a recording holds at most 16" in recording_info(many).error
    many.unlink()

    # A body seen only in the person's gaps (a passing false detection) is not
    # joined to them: their track does not jump to it.
    gap = []
    for k, frame in enumerate(clip):
        bodies = np.zeros((2, *frame.shape), np.float32)
        bodies[1 if 20 <= k < 26 else 0] = frame + np.float32(
            3.0 if 20 <= k < 26 else 0
        )
        gap.append({"t": k / 30, "j": bodies.ravel().tolist()})
    rec = read_recording(_write_frames(tmp_path / "gap.jsonl", "ucla20", 2, gap))
    assert (
        not rec.joints[20:26, 0].any() and rec.joints[20:26, 1].any(axis=(1, 2)).all()
    )
    (tmp_path / "gap.jsonl").unlink()

    # Two people at once for ten frames, the second staying twice as long as the
    # first: two tracks, the one in view longer in slot 0 ...
    n = len(clip)
    enter = n - 10
    both = []
    for k in range(3 * n):
        bodies = np.zeros((2, *clip.shape[1:]), np.float32)
        if k < n:
            bodies[0] = clip[k]
        if k >= enter:
            bodies[1] = clip[k % n] + np.float32(1.0)
        both.append({"t": k / 30, "j": bodies.ravel().tolist()})
    rec = read_recording(_write_frames(tmp_path / "two.jsonl", "ucla20", 2, both))
    assert rec.joints[enter:, 0].any(axis=(1, 2)).all()
    assert not rec.joints[:enter, 0].any()
    assert rec.joints[:n, 1].any(axis=(1, 2)).all() and not rec.joints[n:, 1].any()
    # ... and a model of one body answers the first person's windows, before the
    # second came, from slot 1 (windows of nobody stopped the whole prediction)
    predictor = Predictor.from_run("nw-ucla-ms2l")
    states = predict_sequence(predictor, rec.kinect_joints("ucla20"), 30.0)
    assert states is not None and states.fresh[:enter].any()
    # ... and a span labelled while only the first person is in view trains on them
    # in slot 0 (a model of one body read the empty slot)
    (tmp_path / "switch.jsonl").unlink()
    write_labels(tmp_path, [LabelInterval("two", 0.0, (enter - 1) / 30, "alone")])
    _, _, _, clips, bad = build_clips(tmp_path)
    assert not bad and clips[0].joints[:, 0].any(axis=(1, 2)).all()
    # ... and the main person's short gap is bridged by their own frames while the
    # other person is in view (frames of "a person" let it stay zeros: a review)
    lost = []
    for k, frame in enumerate(clip):
        bodies = np.zeros((2, *frame.shape), np.float32)
        if not 30 <= k < 36:
            bodies[0] = frame
        if 20 <= k < 50:
            bodies[1] = frame + np.float32(1.0)
        lost.append({"t": k / 30, "j": bodies.ravel().tolist()})
    _write_frames(tmp_path / "lost.jsonl", "ucla20", 2, lost)
    write_labels(tmp_path, [LabelInterval("lost", 0.0, len(clip) / 30, "whole")])
    (tmp_path / "two.jsonl").unlink()
    _, _, _, clips, bad = build_clips(tmp_path)
    assert not bad and clips[0].joints[:, 0].any(axis=(1, 2)).all()
    assert not np.isclose(clips[0].joints[30:36, 0], clip[30:36] + 1.0).all()


def test_joints_the_sensor_lost_are_filled_from_their_nearest_tracked_frames(
    tmp_path: Path,
) -> None:
    """Kinect and OpenPose exports give a joint they lost as NaN or null: one such
    value refused the whole recording, and its labels with it (a trial)."""
    clip = read_file(require_data("ntu", "S001C001P001R001A001.skeleton")).joints[
        :30, 0
    ]
    frames: list[dict] = []
    for k in range(30):
        values: list = clip[k].ravel().tolist()
        if k in (10, 11):  # HandLeft (7) lost for two frames: null, then NaN
            values[21:24] = [None] * 3 if k == 10 else [float("nan"), 0.0, 0.0]
        if k in (0, 1):  # Head (3) lost at the start: held at its first position
            values[9:12] = [None, None, None]
        if k == 20:  # every joint lost: nobody in view in that frame
            values = [None] * 75
        frames.append({"t": k / 30, "j": values})
    root = tmp_path / "lab"
    root.mkdir()
    _write_frames(root / "take.jsonl", "ntu25", 1, frames)
    labels_path(root).write_text("recording,start,end,action\ntake,0,1,drink\n")
    rec = read_recording(root / "take.jsonl")
    assert rec.lost == 4
    want = clip[9, 7] + (clip[12, 7] - clip[9, 7]) * np.array([[1 / 3], [2 / 3]])
    np.testing.assert_allclose(rec.joints[10:12, 0, 7], want, atol=1e-6)
    np.testing.assert_allclose(rec.joints[0:2, 0, 3], clip[[2, 2], 3], atol=1e-6)
    assert not rec.joints[20].any() and not rec.present[20] and rec.present[19]
    np.testing.assert_array_equal(rec.joints[25, 0], clip[25])  # the rest as given
    _, _, classes, clips, failed = build_clips(root)  # the labelled take is kept
    assert classes == ["drink"] and failed == [] and len(clips) >= 1
    assert read_recording_sequence(root / "take.jsonl").meta["lost_joints_filled"] == 4

    # Frames dropped around the loss: filled by time, not by frame number (frames 12
    # and 13 gone, the lost 10, 11 lie 1/5 and 2/5 of the way from 9 to 14; a trial)
    dropped = [f for k, f in enumerate(frames) if k not in (12, 13)]
    _write_frames(tmp_path / "dropped.jsonl", "ntu25", 1, dropped)
    rec = read_recording(tmp_path / "dropped.jsonl")
    want = clip[9, 7] + (clip[14, 7] - clip[9, 7]) * np.array([[1 / 5], [2 / 5]])
    np.testing.assert_allclose(rec.joints[10:12, 0, 7], want, atol=1e-6)

    # More lost than tracked: refused, saying why (nothing sound to fill from).
    half = [dict(f, j=[None] * 39 + f["j"][39:]) for f in frames if f["j"][40]]
    with pytest.raises(DataFormatError, match=r"52% of the joint positions are null"):
        read_recording(_write_frames(tmp_path / "half.jsonl", "ntu25", 1, half))


def test_a_recording_with_a_gap_is_read_at_its_own_rate_on_its_timestamps(
    tmp_path: Path,
) -> None:
    """15 FPS frames with a 3 s pause were stepped at the average 3.75 FPS: frame 4
    (0.267 s) was given 1.067 s, and every window the wrong length (a trial)."""
    clip = read_file(require_data("ntu", "S001C001P001R001A001.skeleton")).joints[:, 0]
    times = [k / 15 for k in range(5)] + [50 / 15 + k / 15 for k in range(11)]
    frames = [{"t": t, "j": clip[i].ravel().tolist()} for i, t in enumerate(times)]
    path = _write_frames(tmp_path / "gap.jsonl", "ntu25", 1, frames)
    seq = read_recording_sequence(path)
    assert seq.fps == pytest.approx(15.0)
    assert seq.num_frames == 61  # 0 to 4.0 s at 15 fps
    assert (
        (seq.meta["resampled"])
        == "16 frames unevenly spaced (a gap of 3.07 s), read at 15 fps"
    )
    np.testing.assert_allclose(seq.meta["timestamps"][:3], [0, 1 / 15, 2 / 15])
    np.testing.assert_allclose(seq.joints[4, 0], clip[4])  # 0.267 s, where it was
    np.testing.assert_allclose(seq.joints[54, 0], clip[9])  # 3.6 s, where it was
    assert not seq.joints[20:40].any()  # nobody in the pause
    # Evenly spaced frames are read as they are.
    even = _write_frames(tmp_path / "even.jsonl", "ntu25", 1, frames[:5])
    assert read_recording_sequence(even).num_frames == 5
    assert "resampled" not in read_recording_sequence(even).meta


def test_a_hand_written_recording_gets_messages_a_person_can_act_on(
    tmp_path: Path,
) -> None:
    """Found by bringing PKU-MMD's two-person sequence in through the documented format."""
    real = read_file(require_data("ntu", "S001C001P001R001A001.skeleton")).joints[0, 0]
    # A person written into the second body slot only is still a person (was "nobody").
    frames = [{"t": t / 30, "j": np.concatenate([np.zeros_like(real), real]).ravel().tolist()}
              for t in range(4)]  # fmt: skip
    rec = read_recording(_write_frames(tmp_path / "second.jsonl", "ntu25", 2, frames))
    assert rec.present.all()
    np.testing.assert_allclose(rec.joints[:, 0], np.broadcast_to(real, (4, 25, 3)))
    assert not rec.joints[:, 1].any()

    # Timestamps in milliseconds: refused, with the likely cause.
    frames = [{"t": 1000 * t / 30, "j": real.ravel().tolist()} for t in range(4)]
    with pytest.raises(
        DataFormatError, match=r"ms\.jsonl:2: .*33\.3.* s apart.*milliseconds"
    ):
        read_recording(_write_frames(tmp_path / "ms.jsonl", "ntu25", 1, frames))

    # ... and so are frame numbers (exactly a second apart), even in two frames.
    frames = [{"t": t, "j": real.ravel().tolist()} for t in range(2)]
    with pytest.raises(DataFormatError, match=r"less than 1 s apart.*frame numbers"):
        read_recording(_write_frames(tmp_path / "numbers.jsonl", "ntu25", 1, frames))
    # A real recording with a long pause is not refused (its other frames are close).
    frames = [{"t": t, "j": real.ravel().tolist()} for t in (0.0, 0.033, 5.0, 5.033)]
    assert read_recording(_write_frames(tmp_path / "pause.jsonl", "ntu25", 1, frames))
    # A damaged timestamp far ahead is refused on its own line: 1e300 hung data info
    # and training, a 10-hour jump took 2.8 GB to replay (a trial).
    for late, said in (
        (1e300, "1e+300 s is 1e+300 s"),
        (36000.033, "36000 s is 36000 s"),
    ):
        frames = [{"t": t, "j": real.ravel().tolist()} for t in (0.0, 0.033, 0.067)]
        frames.append({"t": late, "j": real.ravel().tolist()})
        frames.append({"t": late + 0.033})  # (a bad last line is taken as torn)
        with pytest.raises(DataFormatError) as info:
            read_recording(_write_frames(tmp_path / "late.jsonl", "ntu25", 1, frames))
        assert str(info.value).startswith(
            f"{tmp_path / 'late.jsonl'}:5: bad frame 3 (timestamp {said}"
        ), str(info.value)
        assert "more than 1 h without a frame" in str(info.value)

    # One body's numbers under a header that says two: the count is named.
    frames = [{"t": 0.0, "j": real.ravel().tolist()}, {"t": 0.1}]
    with pytest.raises(
        DataFormatError, match=r'count\.jsonl:2: .*"j" has 75 values, expected 150'
    ):
        read_recording(_write_frames(tmp_path / "count.jsonl", "ntu25", 2, frames))

    # A number beyond float32, and a null: named as such, no numpy warning.
    big = real.ravel().tolist()
    big[4] = 1e39
    frames = [{"t": 0.0, "j": big}, {"t": 0.1}]
    with pytest.raises(DataFormatError, match="too large"):
        read_recording(_write_frames(tmp_path / "big.jsonl", "ntu25", 1, frames))
    big[4] = 10**400  # beyond float64 too: a message, not an OverflowError
    with pytest.raises(DataFormatError, match=r"big\.jsonl:2: bad frame"):
        read_recording(_write_frames(tmp_path / "big.jsonl", "ntu25", 1, frames))
    big[4] = None  # a joint lost in the one frame with a person: nothing to fill from
    with pytest.raises(
        DataFormatError,
        match=r"null\.jsonl: joint SpineMid is null or NaN \(lost by the sensor\) in "
        "every frame",
    ):
        read_recording(_write_frames(tmp_path / "null.jsonl", "ntu25", 1, frames))
    big[4] = float("inf")  # infinity is no lost joint: a damaged value
    with pytest.raises(DataFormatError, match=r"inf\.jsonl:2: bad frame 0 .*infinite"):
        read_recording(_write_frames(tmp_path / "inf.jsonl", "ntu25", 1, frames))

    # A file cut inside its header line is not "empty".
    cut = tmp_path / "cut.jsonl"
    cut.write_text('{"format": "ms2l-recording", "vers')
    with pytest.raises(
        DataFormatError, match=r"cut\.jsonl:1: the header line is cut short"
    ):
        read_recording(cut)

    # "j": null for nobody in view says to leave it out.
    frames = [{"t": 0.0, "j": None}, {"t": 0.1}]
    with pytest.raises(DataFormatError, match=r'"j" is null: leave it out'):
        read_recording(_write_frames(tmp_path / "nobody.jsonl", "ntu25", 1, frames))

    # ... but a null optional field ("i", "v" beside "w") is only optional
    w = np.zeros(99).tolist()
    frames = [{"t": 0.0, "w": w, "i": None}, {"t": 0.1}]
    with pytest.raises(
        DataFormatError, match=r'"i" is null: leave it out \(it is optional\)'
    ):
        read_recording(_write_frames(tmp_path / "opt.jsonl", "mp33", 1, frames))

    # JSON nested past the parser's recursion limit, in a frame or in the header:
    # a bad line like any other (it was a RecursionError traceback), also when the
    # folder is listed.
    deep = tmp_path / "deep"
    deep.mkdir()
    nested = "[" * 5000 + "]" * 5000
    frames = [{"t": 0.0, "j": real.ravel().tolist()}, {"t": 0.05}, {"t": 0.1}]
    path = _write_frames(deep / "frame.jsonl", "ntu25", 1, frames)
    lines = path.read_text().splitlines()
    lines[2] = '{"t": 0.05, "j": ' + nested + "}"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=r"frame\.jsonl:3: .*nested too deeply"):
        read_recording(path)
    (deep / "head.jsonl").write_text('{"format": ' + nested + "}\n")
    with pytest.raises(DataFormatError, match=r"head\.jsonl:1: .*nested too deeply"):
        read_recording(deep / "head.jsonl")
    assert {r.name for r in list_recordings(deep)} <= {"frame", "head"}

    # A pretty-printed header: one JSON object on one line.
    pretty = tmp_path / "pretty.jsonl"
    header = {"format": "ms2l-recording", "version": 1, "layout": "ntu25"}
    pretty.write_text(json.dumps(header, indent=2) + "\n")
    with pytest.raises(DataFormatError, match=r"pretty\.jsonl:1: .*on one line"):
        read_recording(pretty)


def test_an_outsiders_nesting_and_header_values_are_read_or_named(
    tmp_path: Path,
) -> None:
    """Found by an outside researcher's own converter (a trial): joints nested joint by
    body were flattened as they came and read as other joints, silently; informative
    header values (``"fps": null``, ``"source": "kinect v2"``) made a recording
    unreadable with Python's words; an mp33 frame under "j" read as nobody in view."""
    ntu = read_file(require_data("ntu", "S001C001P001R001A011.skeleton")).joints
    bodies_first = ntu[[0, 30], 0]  # two poses as two bodies: (2, 25, 3), as documented
    frames = [{"t": 0.0, "j": bodies_first.tolist()}, {"t": 0.1}]
    rec = read_recording(_write_frames(tmp_path / "nested.jsonl", "ntu25", 2, frames))
    np.testing.assert_allclose(rec.joints[0], bodies_first, atol=1e-6)
    for name, joints in [
        ("joint-first", bodies_first.transpose(1, 0, 2)),  # 25 x 2 x 3
        ("xyz-first", bodies_first.transpose(2, 0, 1)),  # 3 x 2 x 25
    ]:
        frames = [{"t": 0.0, "j": joints.tolist()}, {"t": 0.1}]
        shape = " x ".join(map(str, joints.shape))
        with pytest.raises(
            DataFormatError,
            match=rf'{name}\.jsonl:2: .*"j" is nested as {shape}, expected 2 x 25 x 3',
        ):
            read_recording(
                _write_frames(tmp_path / f"{name}.jsonl", "ntu25", 2, frames)
            )
    ragged = [bodies_first[0].tolist(), bodies_first[1, :20].tolist()]
    with pytest.raises(DataFormatError, match=r'"j" is not a list of numbers of one'):
        read_recording(
            _write_frames(
                tmp_path / "ragged.jsonl",
                "ntu25",
                2,
                [{"t": 0.0, "j": ragged}, {"t": 0.1}],
            )
        )

    one = {"t": 0.0, "j": bodies_first[0].ravel().tolist()}
    for source in ({"fps": None, "width": None, "camera": "front"}, "kinect v2", 7):
        path = _write_frames(tmp_path / "src.jsonl", "ntu25", 1, [one, {"t": 0.1}])
        lines = path.read_text().splitlines()
        header = json.loads(lines[0])
        header["source"] = source
        path.write_text("\n".join([json.dumps(header), *lines[1:]]) + "\n")
        rec = read_recording(path)
        assert (rec.source.fps, rec.source.width, rec.source.camera) == (30.0, 0, None)
        assert recording_info(path).error == "" and rec.num_frames == 2

    w = {"t": 0.0, "w": np.zeros(99).tolist()}
    with pytest.raises(
        DataFormatError, match=r"header says 2 bodies: an mp33 recording"
    ):
        read_recording(
            _write_frames(tmp_path / "mp2.jsonl", "mp33", 2, [w, {"t": 0.1}])
        )
    with pytest.raises(DataFormatError, match=r'"j" is for the Kinect layouts'):
        read_recording(
            _write_frames(tmp_path / "mpj.jsonl", "mp33", 1, [one, {"t": 0.1}])
        )
    image_only = {"t": 0.0, "i": np.zeros(66).tolist()}
    with pytest.raises(DataFormatError, match=r'"i" alone, image landmarks'):
        read_recording(
            _write_frames(tmp_path / "mpi.jsonl", "mp33", 1, [image_only, {"t": 0.1}])
        )
    video = tmp_path / "video.jsonl"  # binary content is named by its first bytes
    video.write_bytes(require_data("videos", "ta_chi.mp4").read_bytes()[:4096])
    with pytest.raises(
        DataFormatError,
        match=r"video\.jsonl: not a recording: bytes that are not UTF-8 text "
        r"\(starting 00 00 00 ",
    ):
        read_recording(video)
    path = _write_frames(tmp_path / "v.jsonl", "ntu25", 1, [one])
    path.write_text(path.read_text().replace('"version": 1', '"version": "1"'))
    with pytest.raises(
        DataFormatError, match=r'"version" is the text .1.: write it as'
    ):
        read_recording(path)


def test_joints_in_other_units_or_axes_are_refused_with_the_likely_cause(
    tmp_path: Path,
) -> None:
    """A converter from another tool writes millimetres, or keeps its own y axis."""
    ntu = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    real = ntu.joints[:30, :1]

    def write(name: str, joints: np.ndarray, layout: str = "ntu25") -> Path:
        key = "w" if layout == "mp33" else "j"
        frames = [{"t": t / 30, key: j.ravel().tolist()} for t, j in enumerate(joints)]
        return _write_frames(tmp_path / f"{name}.jsonl", layout, 1, frames)

    assert read_recording(write("metres", real)).present.all()
    for name, scale in (("mm", 1000.0), ("cm", 100.0)):
        with pytest.raises(
            DataFormatError,
            match=rf"{name}\.jsonl: the torso .* measures [0-9.]+ .*must be metres "
            r"\(millimetres or centimetres\?\)",
        ):
            read_recording(write(name, real * scale))
    # The range accepted, as the README gives it, beside a person's usual torso.
    with pytest.raises(
        DataFormatError, match=r"about 0\.3-0\.55 \(0\.05-3 is accepted\)"
    ):
        read_recording(write("mm2", real * 1000))
    with pytest.raises(DataFormatError, match=r"tiny\.jsonl: the torso .* 0\.00"):
        read_recording(write("tiny", real / 1000))
    y_down = real * np.array([1.0, -1.0, 1.0], np.float32)
    with pytest.raises(
        DataFormatError, match=r"ydown\.jsonl: .*upside down: Kinect .* y pointing up"
    ):
        read_recording(write("ydown", y_down))
    # A bow or a fall is not upside down: the median frame decides.
    fall = np.concatenate([real[:20], y_down[20:]])
    assert read_recording(write("fall", fall)).present.all()
    # The listing (Teach's takes, labelling) says so too, from a sample of the frames.
    listed = {i.name: i.error for i in list_recordings(tmp_path)}
    assert listed["metres"] == listed["fall"] == ""
    assert re.search(
        r"mm\.jsonl: the torso .*\(millimetres or centimetres\?\)", listed["mm"]
    )
    assert "upside down" in listed["ydown"] and "measures 0.000" in listed["tiny"]
    long = np.concatenate([real] * 10) * 100.0  # 300 frames: 16 of them are checked
    assert "must be metres" in recording_info(write("long-cm", long)).error
    # the answer is kept per file, size and time: a take written again is checked again
    assert recording_info(write("long-cm", long / 100.0)).error == ""
    # A frame the sample cannot read is named by the listing as by read_recording
    # (a take is read whole: a trial's bad lines went unmarked), which never raises
    # (one such take stopped Teach).
    frames = [{"t": t / 30, "j": j.ravel().tolist()} for t, j in enumerate(real)]
    frames[15]["j"][0] = 10**400  # beyond any float
    path = _write_frames(tmp_path / "huge.jsonl", "ntu25", 1, frames)
    assert re.search(r"huge\.jsonl:17: .*too large", recording_info(path).error)
    with pytest.raises(DataFormatError, match=r"huge\.jsonl:17: .*too large"):
        read_recording(path)
    odd = _write_frames(tmp_path / "odd.jsonl", "ntu25", 1, frames[:3])
    odd.write_text(odd.read_text().replace('"bodies": 1', '"bodies": null', 1))
    assert isinstance(recording_info(odd).error, str)
    names = [i.name for i in list_recordings(tmp_path)]
    assert "huge" in names and "odd" in names

    # MediaPipe's world landmarks are checked in their own axes (y down): another
    # pose estimator's export in millimetres or with y up was read unsaid (a trial).
    # A take upside down throughout (a handstand) is refused with them.
    mp = np.zeros((10, 1, 33, 3), np.float32)
    mp[:, 0, [11, 12], 1] = -0.5  # shoulders above the hips (MediaPipe's y is down)
    mp[:, 0, 11, 0], mp[:, 0, 12, 0] = 0.18, -0.18
    mp[:, 0, 23, 0], mp[:, 0, 24, 0] = 0.1, -0.1
    assert read_recording(write("upright", mp, "mp33")).present.all()
    assert recording_info(tmp_path / "upright.jsonl").error == ""
    with pytest.raises(
        DataFormatError, match=r"yup\.jsonl: .*upside down: MediaPipe.* y pointing down"
    ):
        read_recording(write("yup", mp * np.array([1, -1, 1], np.float32), "mp33"))
    with pytest.raises(
        DataFormatError, match=r"mpmm\.jsonl: the torso .*must be metres"
    ):
        read_recording(write("mpmm", mp * 1000, "mp33"))
    assert "upside down" in recording_info(tmp_path / "yup.jsonl").error
    assert "must be metres" in recording_info(tmp_path / "mpmm.jsonl").error
    # the app's own MediaPipe (a camera, a video) has MediaPipe's axes: a person
    # upside down there is one (a handstand, a camera mounted upside down: a review)
    own = write("handstand", mp * np.array([1, -1, 1], np.float32), "mp33")
    own.write_text(own.read_text().replace('"kind": "import"', '"kind": "camera"', 1))
    assert read_recording(own).present.all()
    assert recording_info(own).error == ""
    big = write("own-mm", mp * 1000, "mp33")  # units are checked all the same
    big.write_text(big.read_text().replace('"kind": "import"', '"kind": "video"', 1))
    assert "must be metres" in recording_info(big).error


def test_a_label_in_frames_asks_whether_it_is_seconds(takes: Path) -> None:
    rec = list_recordings(takes)[0]
    end = round(rec.duration * 30)  # the end in frames at 30 FPS
    _write(takes, f"recording,start,end,action\n{rec.name},0,{end},a\n")
    with pytest.raises(DataFormatError, match=r"frame numbers or milliseconds\?"):
        build_clips(takes)
    # frames of the whole session on a recording cut from it (294 on a 49.8 s half:
    # a trial) ask too; a label a little past the end does not
    for end, asks in ((2 * rec.duration + 2, True), (rec.duration + 0.5, False)):
        _write(takes, f"recording,start,end,action\n{rec.name},0,{end:.2f},a\n")
        with pytest.raises(DataFormatError, match="past the end") as info:
            build_clips(takes)
        assert ("frame numbers or milliseconds?" in str(info.value)) == asks
    # times on the recording's own clock (seconds since 1970): said so, and shown
    # whole (it read "end 1.76216e+09 s ... frame numbers or milliseconds?": a trial)
    start = 1762164000.0
    _write(takes, f"recording,start,end,action\n{rec.name},{start},{start + 0.833},a\n")
    with pytest.raises(DataFormatError, match="past the end") as info:
        build_clips(takes)
    assert "end 1762164000.833 s" in str(info.value)
    assert "a clock time (seconds since 1970" in str(info.value)


def test_a_header_typo_is_quoted_as_written(tmp_path: Path) -> None:
    labels_path(tmp_path).write_text("Recording,Strat,end,action\nwave-001,0,1,wave\n")
    with pytest.raises(
        DataFormatError, match=r"labels\.csv:1: .*got 'Recording,Strat,end,action'"
    ):
        read_labels(tmp_path)


def test_a_recording_header_of_another_format_says_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "wave.jsonl"
    head = {"format": "ms2l_recording", "version": 1, "layout": "ucla20"}
    path.write_text(json.dumps(head) + "\n" + json.dumps({"t": 0.0}) + "\n")
    with pytest.raises(
        DataFormatError,
        match=r"wave\.jsonl:1: header format 'ms2l_recording', expected 'ms2l-recording'",
    ):
        read_recording(path)
    path.write_text(json.dumps({"t": 0.0}) + "\n")
    with pytest.raises(DataFormatError, match=r'no header with "format"'):
        read_recording(path)


def test_data_info_warns_of_likely_class_mistakes(
    tmp_path: Path, takes: Path, monkeypatch, capsys
) -> None:
    """ "Sit down" and "sit  Down" are two classes (as written), said aloud; a dataset
    without labels can only pretrain, said too."""
    from core.cli import main

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    rows = read_labels(takes)
    first = next(i for i, r in enumerate(rows) if r.action == "sit down")
    update_label(takes, first, action="Sit  down")
    rows = read_labels(takes)
    near = dataclasses.replace(rows[2], start=rows[2].start + 0.02)  # typed again
    near = dataclasses.replace(near, end=near.end - 0.03)
    write_labels(
        takes,
        [*rows, rows[0], dataclasses.replace(rows[1], end=rows[1].start + 0.05), near],
    )
    assert main(["data", "info", "--dataset", "custom", "--root", str(takes)]) == 0
    out = capsys.readouterr().out
    assert "warning: actions 'Sit  down' and 'sit down' differ only in case" in out
    assert re.search(r"warning: .*labels\.csv:14: repeats row 2 \(", out)
    assert re.search(
        r"warning: .*labels\.csv:15: .* lasts 50 ms \(about 2 frames at 30 FPS\)", out
    )
    assert re.search(
        r"warning: .*labels\.csv:16: nearly repeats row 4 \(.* against .*\): it "
        r"counts as a second clip of nearly the same frames",
        out,
    )
    # ms2l train says the same (a run trained on the repeats said nothing).
    run = tmp_path / "run"
    argv = ["train", "--dataset", "custom", "--root", str(takes), "--strategy",
            "scratch", "--preset", "paper", "--hidden", "8", "--epochs", "1",
            "--frames", "16", "--quiet", "--run-dir", str(run)]  # fmt: skip
    assert main(argv) == 0
    err = capsys.readouterr()
    said = err.out + err.err
    assert re.search(r"warning: .*labels\.csv:14: repeats row 2 \(", said)
    assert re.search(r"warning: .*labels\.csv:16: nearly repeats row 4 \(", said)
    assert re.search(r"warning: .*labels\.csv:15: .* lasts 50 ms", said)
    write_labels(takes, rows)
    assert "held out for validation" not in out  # four takes per action: some are
    # One take of each action: nothing can be held out, which training would stop on.
    names = [r.recording for r in read_labels(takes)]
    for name in names[1:]:
        if name != names[0]:
            delete_recording(takes, name)
    rows = read_labels(takes)
    assert len(rows) == 1
    import_sequence(takes, "one-more", read_recording_sequence(
        takes / f"{rows[0].recording}.jsonl"), action="stand up")  # fmt: skip
    assert main(["data", "info", "--dataset", "custom", "--root", str(takes)]) == 0
    assert (
        "warning: no labelled clip is held out for validation, so ms2l train refuses "
        "to start: "  # not "stops on it", read as stopping part-way (a trial)
    ) in capsys.readouterr().out
    labels_path(takes).write_text("recording,start,end,action\n")
    assert main(["data", "info", "--dataset", "custom", "--root", str(takes)]) == 0
    assert (
        f"warning: no labelled interval ({labels_path(takes)} has no rows): only"
        in (capsys.readouterr().out)
    )
    labels_path(takes).unlink()  # its absence said as such
    assert main(["data", "info", "--dataset", "custom", "--root", str(takes)]) == 0
    assert (
        f"warning: no labelled interval ({labels_path(takes)} does not exist): only"
        in capsys.readouterr().out
    )


def test_a_label_past_the_end_of_a_recording_cut_short_says_so(takes: Path) -> None:
    info = list_recordings(takes)[0]
    lines = info.path.read_text().splitlines()
    info.path.write_text("\n".join(lines[: len(lines) // 2]) + "\n")  # no end line
    with pytest.raises(DataFormatError, match="past the end") as err:
        build_clips(takes)
    assert "no end line: its writing was cut short" in str(err.value)


def test_data_info_on_a_custom_dataset_says_validation_and_what_was_cut_short(
    tmp_path: Path, takes: Path, capsys, monkeypatch
) -> None:
    """The held-out side of a user's dataset validates (no test set); the labelled
    count beside the windows; recordings without their end line are listed; a
    subject split without subjects names labels.csv and the row."""
    import shutil

    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    root = tmp_path / "ds"
    shutil.copytree(takes, root)
    victim = sorted(root.glob("*.jsonl"))[0]
    lines = victim.read_text().splitlines(keepends=True)
    victim.write_text("".join(lines[:-1]))  # the footer gone: a killed writer
    args = ["data", "info", "--dataset", "custom", "--root", str(root)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert " validation" in out and " test" not in out
    assert "1 recording without an end line" in out and victim.stem in out
    rows = read_labels(root)
    write_labels(root, [dataclasses.replace(r, subject="") for r in rows])
    for p in root.glob("*.jsonl"):  # and no subject in the headers either
        p.write_text(p.read_text().replace('"subject": "', '"subject": "" , "x": "'))
    assert main([*args, "--protocol", "subject"]) == 2
    err = capsys.readouterr().err
    # The folder's own labels.csv, not a bare "labels.csv" (which folder?).
    assert f"{root / 'labels.csv'}:2: recording" in err and "has no subject" in err
    # ms2l train says the same before any work.
    run = tmp_path / "run"
    assert main(["train", "--dataset", "custom", "--root", str(root),
                 "--protocol", "subject", "--epochs", "1", "--run-dir", str(run)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"{root / 'labels.csv'}:2: recording" in err and "has no subject" in err
    assert not run.exists()  # no run folder for a run that cannot start


def test_a_dataset_from_a_mac_or_windows_has_its_labels_read(takes: Path) -> None:
    """Names macOS wrote decomposed (NFD) match labels typed composed (NFC); a labels
    file named Labels.csv or labels.csv.txt is named, not silently no labels."""
    import unicodedata

    rows = labels_path(takes).read_text(encoding="utf-8").splitlines()
    first = rows[1].split(",")[0]
    composed = unicodedata.normalize("NFC", f"café-{first}")
    (takes / f"{first}.jsonl").rename(
        takes / f"{unicodedata.normalize('NFD', composed)}.jsonl"
    )
    rows[1] = rows[1].replace(first, composed, 1)
    # The same action typed both ways is one class.
    action = rows[2].split(",")[3]
    rows[2] = rows[2].replace(action, unicodedata.normalize("NFD", f"{action} é"))
    rows[3] = rows[3].replace(action, unicodedata.normalize("NFC", f"{action} é"))
    _write(takes, "\n".join(rows) + "\n")
    _, _, classes, clips, _ = build_clips(takes)
    assert sum(c.label is not None for c in clips) == 12
    assert len(classes) == 4 and unicodedata.normalize("NFC", f"{action} é") in classes
    # ... and so does the rest: listing, editing its label, replaying, deleting it.
    assert composed in {info.name for info in list_recordings(takes)}
    update_label(takes, 0, end=0.5)
    decomposed = takes / f"{unicodedata.normalize('NFD', composed)}.jsonl"
    replayed = read_recording_sequence(decomposed)
    assert replayed.meta["label_intervals"] == [[rows[1].split(",")[3], 0.0, 0.5]]
    delete_recording(takes, composed)
    assert not decomposed.exists() and composed not in {
        iv.recording for iv in read_labels(takes)
    }

    for wrong in ("Labels.csv", "labels.csv.txt"):
        labels_path(takes).rename(takes / wrong)
        with pytest.raises(
            DataFormatError,
            match=rf"{wrong}: the labels file must be named exactly labels\.csv",
        ):
            build_clips(takes)
        (takes / wrong).rename(labels_path(takes))


def test_labels_saved_by_excel_in_another_encoding_say_how_to_save_them(
    takes: Path,
) -> None:
    name = list_recordings(takes)[0].name
    text = f"recording,start,end,action\n{name},0,1,caf\u00e9\n"
    labels_path(takes).write_bytes(text.encode("cp1252"))  # "CSV (Comma delimited)"
    with pytest.raises(
        DataFormatError, match=r'labels\.csv:2: not UTF-8 text .*save it as "CSV UTF-8"'
    ):
        build_clips(takes)


def test_an_interval_wholly_inside_a_short_gap_without_a_person_is_refused(
    tmp_path, ucla_clips
):
    """A gap under a second is bridged by the frames around it; an interval lying
    wholly inside one was built from its neighbours' frames and trained on, although
    nobody is in it (the README calls it an error; a user trial)."""
    seq = max(ucla_clips, key=lambda c: c.num_frames)
    joints = seq.joints.copy()
    fps = seq.fps or 30.0
    gap = slice(int(1.0 * fps), int(1.6 * fps))  # 0.6 s with nobody
    assert joints.shape[0] > gap.stop + 10
    joints[gap] = 0.0
    import_sequence(tmp_path, "take", dataclasses.replace(seq, joints=joints))
    inside = gap.start / fps + 0.1, gap.stop / fps - 0.1
    write_labels(tmp_path, [LabelInterval("take", *inside, "wave")])
    with pytest.raises(DataFormatError, match="no frame with a person between"):
        build_clips(tmp_path)
    # across the gap's edge: frames of its own show the person, and it is cut
    write_labels(tmp_path, [LabelInterval("take", 0.5, inside[1], "wave")])
    _, _, classes, clips, _ = build_clips(tmp_path)
    assert classes == ["wave"] and len(clips) >= 1


def test_an_action_name_with_a_line_break_is_refused(tmp_path, ucla_clips):
    """A quoted "multi\\nline" action was accepted and broke the class table of
    ms2l data info (a user trial)."""
    import_sequence(tmp_path, "take", ucla_clips[0])
    labels_path(tmp_path).write_text(
        'recording,start,end,action\ntake,0,0.5,"multi\nline"\n', encoding="utf-8"
    )
    with pytest.raises(DataFormatError, match="holds a control character") as info:
        read_labels(tmp_path)
    assert "labels.csv" in str(info.value)
    for bad in ("tab\there", "next\x85line", "line\u2028separator"):
        with pytest.raises(ValueError, match="holds a control character"):
            write_labels(tmp_path, [LabelInterval("take", 0, 0.5, bad)])


def test_an_interval_shorter_than_a_frame_period_with_a_person_is_kept(
    tmp_path, ucla_clips
):
    """At 10 fps a 60 ms interval may hold no frame time of its own; with a person in
    every frame it was refused as if nobody were there (a review)."""
    seq = ucla_clips[0]
    import_sequence(tmp_path, "slow", dataclasses.replace(seq, fps=10.0))
    write_labels(tmp_path, [LabelInterval("slow", 1.02, 1.08, "wave")])
    _, _, classes, clips, _ = build_clips(tmp_path)
    assert classes == ["wave"]
    assert [c.name for c in clips if c.label is not None] == ["slow@1.02-1.08"]


def test_recordings_named_in_upper_case_belong_to_the_dataset(takes: Path) -> None:
    """A trial: recordings saved as NAME.JSONL (another system) were left out of the
    dataset, so their labels read as 'unknown recording'; now they are its own."""
    files = sorted(takes.glob("*.jsonl"))
    shouted = files[0].with_suffix(".JSONL")
    files[0].rename(shouted)
    _, _, _, clips, _ = build_clips(takes)
    assert sum(c.label is not None for c in clips) == 12
    assert shouted.stem in {info.name for info in list_recordings(takes)}
    # a new take is not given its name, and deleting it finds it
    (takes / "wave-001.JSONL").write_bytes(shouted.read_bytes())
    assert next_take_name(takes, "wave") == "wave-002"
    delete_recording(takes, shouted.stem)
    assert not shouted.exists()


def test_recordings_that_give_no_clip_are_named_with_the_reason(
    takes: Path, ucla_clips: list[SkeletonSequence], capsys
) -> None:
    """Short unlabelled recordings, and ones with nobody in view, were left out of a
    dataset unsaid, and a folder of only those failed with no reason (a trial)."""
    from core.datasets import get_reader
    from core.datasets.scanning import FileSkipped

    seq = ucla_clips[0]
    short = dataclasses.replace(seq, joints=seq.joints[:10])  # 1/3 s at 30 FPS
    import_sequence(takes, "short", short)
    empty = dataclasses.replace(seq, joints=np.zeros_like(seq.joints[:1]).repeat(90, 0))
    import_sequence(takes, "nobody", empty)
    events = list(get_reader("custom").scan_events(takes))
    skipped = {
        Path(e.source).stem: e.reason for e in events if isinstance(e, FileSkipped)
    }
    assert set(skipped) == {"short", "nobody"}
    assert re.fullmatch(
        r"no clip: 0\.\d\d s of unlabelled time, shorter than half the \d\.\d s windows "
        r"it is cut into for self-supervised pretraining; label it, or record longer",
        skipped["short"],
    )
    assert skipped["nobody"].startswith(
        "no clip: a person is in view in fewer than half"
    )
    # a folder of only such recordings says why it has no clip
    alone = takes.parent / "alone"
    import_sequence(alone, "short", short)
    argv = ["data", "info", "--dataset", "custom", "--root", str(alone),
            "--cache-dir", str(takes.parent / "cache"), "--quiet"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{alone / 'short.jsonl'}: no clip: " in err
    assert f"ms2l data info: error: {alone}: no custom clip in it" in err


def test_a_row_without_its_empty_last_subject_cell_is_read(takes: Path) -> None:
    """A spreadsheet that drops an empty trailing cell wrote 4 fields under a 5-column
    header, refused as '4 fields, expected 5' (a trial)."""
    name = list_recordings(takes)[0].name
    _write(
        takes, f"recording,start,end,action,subject\n{name},0,1,a\n{name},1,1.5,b,ann\n"
    )
    assert [(r.action, r.subject) for r in read_labels(takes)] == [
        ("a", ""),
        ("b", "ann"),
    ]
    _write(takes, f"recording,start,end,action,subject\n{name},0,1\n")
    with pytest.raises(DataFormatError, match="3 fields, expected 5"):
        read_labels(takes)


def test_a_labels_file_that_is_no_file_is_said_so(takes: Path) -> None:
    """A folder, a dangling link or a pipe named labels.csv read as "no labels", and a
    write into its place failed on a temporary file (a trial)."""
    labels = takes / "labels.csv"
    labels.unlink()
    labels.mkdir()
    with pytest.raises(DataFormatError) as info:
        read_labels(takes)
    assert str(info.value) == f"{labels}: is a folder: the labels must be a CSV file"
    labels.rmdir()
    labels.symlink_to(takes / "nowhere.csv")
    with pytest.raises(DataFormatError, match="is a link to nothing"):
        read_labels(takes)
    labels.unlink()
    os.mkfifo(labels)
    with pytest.raises(DataFormatError, match="is not a regular file"):
        read_labels(takes)


def test_every_near_repeat_is_warned_of_once(takes: Path) -> None:
    """Three rows over nearly the same time: the third was not said, as the second
    already had been (a review)."""
    from core.datasets.custom import label_warnings

    name = list_recordings(takes)[0].name
    _write(
        takes,
        "recording,start,end,action\n"
        f"{name},0.1,1.1,a\n{name},0,1.0,a\n{name},0.05,1.2,a\n{name},0,1.0,b\n",
    )
    said = label_warnings(takes)
    assert [line.split(": ", 2)[1] for line in said] == [
        "nearly repeats row 2 (" + name + " 0-1 s against 0.1-1.1 s, 'a')",
        "nearly repeats row 2 (" + name + " 0.05-1.2 s against 0.1-1.1 s, 'a')",
    ]
    assert [int(line.split(": ")[0].rsplit(":", 1)[1]) for line in said] == [3, 4]


def test_an_action_name_with_an_unquoted_comma_is_warned_of(takes: Path) -> None:
    """ "pick up, put down" unquoted, under a header with subject, read as action
    "pick up" by subject "put down", unsaid (a trial)."""
    from core.datasets.custom import label_warnings

    a, b = (info.name for info in list_recordings(takes)[:2])
    _write(
        takes,
        "recording,start,end,action,subject\n"
        f"{a},0,1.0,pick up, put down\n"
        f'{b},0,1.0,"pick up, put down",ann\n',
    )
    assert [(r.action, r.subject) for r in read_labels(takes)] == [
        ("pick up", "put down"),
        ("pick up, put down", "ann"),
    ]
    said = label_warnings(takes)
    assert len(said) == 1 and said[0].startswith(f"{takes / 'labels.csv'}:2: ")
    assert "if the action is 'pick up, put down', write it in double quotes" in said[0]
    # a row spaced after every comma is a style, not a split name
    _write(takes, f"recording,start,end,action,subject\n{a}, 0, 1.0, wave, ann\n")
    assert read_labels(takes)[0].subject == "ann" and label_warnings(takes) == []
    # without a subject column the extra field is an error, which says to quote
    _write(takes, f"recording,start,end,action\n{a},0,1.0,pick up, put down\n")
    with pytest.raises(
        DataFormatError, match=r"labels\.csv:2: 5 fields.*double quotes"
    ):
        read_labels(takes)


def test_many_repeated_rows_are_warned_of_in_a_few_lines(takes: Path, capsys) -> None:
    """8 000 repeated rows printed 8 000 warning lines (a trial)."""
    from core.cli import main

    rows = read_labels(takes)
    text = "recording,start,end,action,subject\n" + "".join(
        f"{r.recording},{r.start},{r.end},{r.action},{r.subject}\n"
        for r in rows * 4  # every row three times more
    )
    _write(takes, text)
    assert main(["data", "info", "--dataset", "custom", "--root", str(takes)]) == 0
    out = capsys.readouterr().out
    assert len([ln for ln in out.splitlines() if "repeats row" in ln]) == 20
    more = 3 * len(rows) - 20
    assert (
        f"warning: … and {more} more rows like these (--json lists them all)\n" in out
    )


def test_bad_joints_are_refused_before_anything_is_written(
    tmp_path: Path, ucla_clips
) -> None:
    """A NaN was written into the recording (and its take labelled), then refused by
    every reader; an empty clip left a file behind (a trial of the Python API)."""
    root = tmp_path / "ds"
    clip = ucla_clips[0]
    nan = clip.joints.copy()
    nan[5, 0, 3, 1] = np.nan
    cases = {
        "nan": (dataclasses.replace(clip, joints=nan), "wave",
                "nan (from a01_s01_e00_v01): frame 5 has a coordinate that is NaN"),
        "shape": (dataclasses.replace(clip, layout="ntu25"), "wave",
                  "expected joints (frames, bodies, 25, 3) for ntu25, got"),
        "fps0": (dataclasses.replace(clip, fps=0.0), "wave",
                 "frame rate 0.0 is not a positive number"),
        "fpsnan": (dataclasses.replace(clip, fps=float("nan")), None,
                   "frame rate nan is not a positive number"),
        "nobody": (dataclasses.replace(clip, joints=0 * clip.joints), "wave",
                   "nobody in any frame, so nothing to label 'wave'"),
        "empty": (dataclasses.replace(clip, joints=clip.joints[:0]), "wave",
                  "no frame to import"),
        "far": (dataclasses.replace(clip, joints=clip.joints * 1e5), "wave",
                "beyond ±10000"),
        "blank": (clip, "  ", "empty action name"),
        "mm": (dataclasses.replace(clip, joints=clip.joints * 1000), "wave",
               "coordinates must be metres (millimetres or centimetres?)"),
    }  # fmt: skip
    for name, (seq, action, said) in cases.items():
        with pytest.raises(ValueError, match=re.escape(said)):
            import_sequence(root, name, seq, action=action)
    assert not root.exists() or not list(root.iterdir())  # nothing written
    # a take replaced: its labels go with it (the old one ran past the new end)
    import_sequence(root, "take", clip, action="wave")
    short = dataclasses.replace(clip, joints=clip.joints[:10])
    import_sequence(root, "take", short, overwrite=True)
    assert read_labels(root) == []
    build_clips(root)  # the folder stays readable
    writer = RecordingWriter(
        tmp_path / "w.jsonl", "ucla20", SourceInfo(kind="import"), bodies=1
    )
    with writer:
        writer.add_joints(0.0, clip.joints[0])
        with pytest.raises(ValueError, match=r"the frame at 0\.1 s has a coordinate"):
            writer.add_joints(0.1, nan[5])
        writer.add_joints(0.2, clip.joints[1])  # the refused frame took no time
    assert read_recording(tmp_path / "w.jsonl").num_frames == 2


def test_an_unreadable_recording_is_left_out_with_its_labels(
    tmp_path: Path, ucla_clips, monkeypatch, capsys
) -> None:
    """One recording in millimetres refused a lab's whole folder (its labels named a
    recording that could not be read; a trial): it is a bad file, reported and left
    out with its labels, as every reader goes on past a bad file."""
    root = tmp_path / "ds"
    for i, clip in enumerate(ucla_clips[:3]):
        import_sequence(root, f"take{i}", clip, action=("a", "b", "c")[i])
    # a converter's output in millimetres, written as it came (import_sequence
    # refuses it) and labelled by hand
    with RecordingWriter(
        root / "in-mm.jsonl", "ucla20", SourceInfo(kind="import")
    ) as w:
        for t, frame in enumerate(ucla_clips[3].joints):
            w.add_joints(t / 30, frame * 1000)
    write_labels(root, [*read_labels(root), LabelInterval("in-mm", 0.0, 0.5, "a")])
    _, _, classes, clips, failed = build_clips(root)
    assert classes == ["a", "b", "c"]
    assert sorted(c.meta["recording"] for c in clips if c.label is not None) == [
        "take0", "take1", "take2",
    ]  # fmt: skip
    assert [Path(e.path).name for e in failed] == ["in-mm.jsonl"]
    assert str(failed[0]).endswith(
        "(millimetres or centimetres?) (1 label of labels.csv left out with it)"
    )
    # an action whose every take is unreadable: said to be gone
    write_labels(root, [*read_labels(root), LabelInterval("in-mm", 0.5, 1.0, "d")])
    _, _, classes, _, failed = build_clips(root)
    assert classes == ["a", "b", "c"]
    assert str(failed[0]).endswith(
        "(2 labels of labels.csv left out with it; no clip of 'd' is left)"
    )
    monkeypatch.setenv("MS2L_CACHE", str(tmp_path / "cache"))
    assert main(["data", "info", "--dataset", "custom", "--root", str(root)]) == 0
    out = capsys.readouterr()
    assert "in-mm.jsonl" in out.out + out.err
