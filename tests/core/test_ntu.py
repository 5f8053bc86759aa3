"""NTU RGB+D ``.skeleton`` reader: real files, files written in the format, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.datasets import DataFormatError, get_reader, read_file
from core.datasets.ntu import (
    MIN_TRACK_FRAMES,
    NtuReader,
    pack_bodies,
    parse_lines,
    parse_name,
    parse_skeleton,
)
from core.datasets.scanning import FileFailed, FileRead, FileSkipped
from core.datasets.splits import split_of
from tests.conftest import require_data

REAL = {
    "S001C001P001R001A001": (103, 1, 0),
    "S001C001P001R001A011": (82, 1, 10),
    "S001C003P008R002A058": (70, 2, 57),
    "S001C001P001R001A050": (74, 2, 49),
}


def _reference(path) -> tuple[int, list[list[list[float]]]]:
    """Independent line-by-line reading of a file: per frame, per body, 25 x 12 floats."""
    lines = [ln for ln in path.read_text().splitlines()]
    pos = 0
    frames = []
    n = int(lines[pos])
    pos += 1
    for _ in range(n):
        nb = int(lines[pos])
        pos += 1
        bodies = []
        for _ in range(nb):
            pos += 1  # info line
            nj = int(lines[pos])
            pos += 1
            bodies.append(
                [[float(v) for v in lines[pos + j].split()] for j in range(nj)]
            )
            pos += nj
        frames.append(bodies)
    return n, frames


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files_counts_and_coordinates(name):
    path = require_data("ntu", f"{name}.skeleton")
    frames, bodies, label = REAL[name]
    (seq,) = get_reader("ntu120").read_file(path)
    assert (
        seq.joints.shape == (frames, bodies, 25, 3) and seq.joints.dtype == np.float32
    )
    assert seq.color_xy is not None and seq.color_xy.shape == (frames, bodies, 25, 2)
    assert (seq.label, seq.layout, seq.fps, seq.name) == (label, "ntu25", 30.0, name)
    n, ref = _reference(path)
    assert n == frames
    for t, frame in enumerate(ref):
        assert len(frame) <= bodies
        for m, joints in enumerate(frame):
            values = np.asarray(joints, dtype=np.float32)
            np.testing.assert_array_equal(seq.joints[t, m], values[:, :3])
            np.testing.assert_array_equal(seq.color_xy[t, m], values[:, 5:7])


def test_real_known_values_and_line_endings(tmp_path):
    path = require_data("ntu", "S001C001P001R001A001.skeleton")
    seq = read_file(path)
    # First joint line of the file: 0.2181153 0.1725972 3.785547 ... 1036.233 519.1677
    assert seq.joints[0, 0, 0].tolist() == pytest.approx(
        [0.2181153, 0.1725972, 3.785547]
    )
    assert seq.color_xy[0, 0, 0].tolist() == pytest.approx([1036.233, 519.1677])
    assert b"\r\n" in path.read_bytes()
    lf = tmp_path / path.name
    lf.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    again = read_file(lf)
    np.testing.assert_array_equal(again.joints, seq.joints)
    lf_real = require_data("ntu", "S001C001P001R001A050.skeleton")
    assert b"\r" not in lf_real.read_bytes()
    crlf = tmp_path / lf_real.name
    crlf.write_bytes(lf_real.read_bytes().replace(b"\n", b"\r\n"))
    np.testing.assert_array_equal(read_file(crlf).joints, read_file(lf_real).joints)


def test_real_metadata_and_protocols():
    path = require_data("ntu", "S001C003P008R002A058.skeleton")
    seq = read_file(path)
    assert {k: seq.meta[k] for k in ("setup", "camera", "performer", "replication")} == {
        "setup": 1, "camera": 3, "performer": 8, "replication": 2,
    }  # fmt: skip
    assert seq.meta["action"] == "A058" and seq.meta["tracks"] == 2
    assert split_of("ntu60", "xsub", seq.meta) == "train"  # performer 8 trains
    assert split_of("ntu60", "xview", seq.meta) == "train"  # camera 3 trains
    assert split_of("ntu120", "xset", seq.meta) == "test"  # setup 1 is odd
    a001 = read_file(require_data("ntu", "S001C001P001R001A001.skeleton"))
    assert split_of("ntu60", "xview", a001.meta) == "test"  # camera 1 tests


def test_parse_name():
    assert parse_name("S018C002P045R001A120") == {
        "setup": 18, "camera": 2, "performer": 45, "subject": 45, "replication": 1,
        "action": "A120",
    }  # fmt: skip
    with pytest.raises(ValueError):
        parse_name("S18C2P45R1A120")


# --- files written in the real format ------------------------------------------------


def _fmt(v: float) -> str:
    return f"{v:.7g}".replace("e", "E")


def write_skeleton(path, frames, newline="\r\n", fmt=_fmt):
    """Write ``frames``: per frame a list of ``(body_id, xyz (25, 3), color (25, 2))``."""
    out = [str(len(frames))]
    for bodies in frames:
        out.append(str(len(bodies)))
        for body_id, xyz, color in bodies:
            out.append(f"{body_id} 0 1 1 1 1 0 0.02764709 0.05745083 2")
            out.append("25")
            for j in range(25):
                vals = [*xyz[j], 277.4, 191.8, *color[j], -0.2, 0.05, 0.96, -0.12]
                out.append(" ".join(fmt(v) for v in vals) + " 2")
    path.write_bytes((newline.join(out) + newline).encode())
    return path


def _body(rng, centre, spread=0.3):
    xyz = (np.asarray(centre) + rng.normal(scale=spread, size=(25, 3))).astype(
        np.float32
    )
    color = rng.uniform(0, 1900, size=(25, 2)).astype(np.float32)
    return xyz, color


def _ntu_name(action=1, setup=1):
    return f"S{setup:03d}C001P001R001A{action:03d}.skeleton"


def test_more_than_two_bodies_are_denoised(tmp_path):
    rng = np.random.default_rng(0)
    frames = []
    for t in range(30):
        bodies = [
            (
                "111",
                *_body(rng, (0.0, 0.0, 3.0), spread=0.3),
            ),  # main actor, moves a lot
            ("222", *_body(rng, (1.0, 0.0, 3.0), spread=0.1)),  # second actor
        ]
        if t < MIN_TRACK_FRAMES - 1:  # a short-lived ghost with big motion
            bodies.append(("333", *_body(rng, (2.0, 0.0, 3.0), spread=2.0)))
        frames.append(bodies)
    path = write_skeleton(tmp_path / _ntu_name(58), frames)
    seq = read_file(path)
    assert seq.joints.shape == (30, 2, 25, 3)
    assert seq.meta["tracks"] == 3 and seq.meta["dropped_tracks"] == 1
    assert seq.meta["max_bodies_per_frame"] == 3
    # Ranked by motion: the 0.3-spread actor in slot 0, the 0.1-spread one in slot 1.
    np.testing.assert_allclose(seq.joints[:, 0].mean(axis=(0, 1)), (0, 0, 3), atol=0.1)
    np.testing.assert_allclose(seq.joints[:, 1].mean(axis=(0, 1)), (1, 0, 3), atol=0.05)


def test_reidentified_body_continues_in_one_slot_and_empty_frames_are_zero(tmp_path):
    rng = np.random.default_rng(1)
    frames = [[("7", *_body(rng, (0, 0, 3)))] for _ in range(5)]
    frames += [[] for _ in range(2)]
    frames += [[("8", *_body(rng, (0, 0, 3)))] for _ in range(5)]
    seq = read_file(write_skeleton(tmp_path / _ntu_name(), frames, newline="\n"))
    assert seq.joints.shape == (12, 1, 25, 3)
    assert not seq.joints[5:7].any() and seq.joints[:5].all() and seq.joints[7:].any()


def test_files_without_bodies_and_missing_lists(tmp_path):
    root = tmp_path / "nturgb+d_skeletons"
    root.mkdir()
    rng = np.random.default_rng(2)
    write_skeleton(root / _ntu_name(1), [[("1", *_body(rng, (0, 0, 3)))]] * 3)
    write_skeleton(root / _ntu_name(2), [[], [], []])  # no body anywhere
    listed = root / "S001C002P005R002A008.skeleton"
    listed.write_text("garbage that must not even be parsed")
    reader = NtuReader("ntu60", 60, 17)
    events = list(reader.scan_events(root))
    kinds = [type(e).__name__ for e in events]
    assert kinds.count("FileRead") == 1 and kinds.count("FileFailed") == 1
    (labels := tmp_path / "labels").mkdir()
    labels.joinpath("NTU_RGBD_samples_with_missing_skeletons.txt").write_text(
        "S001C002P005R002A008\nS001C002P006R001A008\n"
    )
    events = list(reader.scan_events(root))
    skipped = {
        e.source.rsplit("/", 1)[-1]: e.reason
        for e in events
        if isinstance(e, FileSkipped)
    }
    assert skipped == {
        _ntu_name(2): "no body in any of its 3 frames",
        listed.name: "on the official missing-skeleton list",
    }
    assert [len(e.sequences) for e in events if isinstance(e, FileRead)] == [1]
    with pytest.raises(DataFormatError, match="no body in any of its 3 frames"):
        read_file(root / _ntu_name(2))


def test_real_missing_list_is_read_from_data_root():
    require_data("labels", "NTU_RGBD_samples_with_missing_skeletons.txt")
    from core.datasets.ntu import missing_samples

    names = missing_samples(require_data("ntu"))
    assert "S001C002P005R002A008" in names and len(names) >= 535


def test_ntu60_reader_ignores_ntu120_files(tmp_path):
    rng = np.random.default_rng(3)
    write_skeleton(tmp_path / _ntu_name(61, 18), [[("1", *_body(rng, (0, 0, 3)))]])
    write_skeleton(tmp_path / _ntu_name(60, 17), [[("1", *_body(rng, (0, 0, 3)))]])
    assert [s.label for s in get_reader("ntu60").scan(tmp_path)] == [59]
    assert sorted(s.label for s in get_reader("ntu120").scan(tmp_path)) == [59, 60]
    # ... and says how many it left out (a trial: they vanished uncounted)
    (read,) = [
        e for e in get_reader("ntu60").scan_events(tmp_path) if isinstance(e, FileRead)
    ]
    assert read.notes == (
        "left out 1 .skeleton file of NTU RGB+D 120's actions (A061-A120) or setups "
        "(S018-S032): not ntu60's; open the folder as ntu120 to use them",
    )
    assert not any(
        e.notes
        for e in get_reader("ntu120").scan_events(tmp_path)
        if isinstance(e, FileRead)
    )
    # A folder of NTU-120's files only: says so, and how to open it (a user trial)
    (tmp_path / _ntu_name(60, 17)).unlink()
    with pytest.raises(DataFormatError) as info:
        list(get_reader("ntu60").scan_events(tmp_path))
    assert str(info.value).endswith(
        "no ntu60 .skeleton files, only 1 .skeleton file of NTU RGB+D 120's actions "
        "(A061-A120) or setups (S018-S032): open it as ntu120"
    )


def test_a_name_past_ntu120s_actions_is_reported_not_dropped_or_labelled(tmp_path):
    """An "A130" file vanished from a folder's scan unnamed, and opened alone it read
    as class 129, which NTU RGB+D 120 does not have (a user trial)."""
    rng = np.random.default_rng(5)
    write_skeleton(tmp_path / _ntu_name(12), [[("1", *_body(rng, (0, 0, 3)))]])
    past = write_skeleton(tmp_path / _ntu_name(130), [[("1", *_body(rng, (0, 0, 3)))]])
    for dataset in ("ntu60", "ntu120"):
        events = list(get_reader(dataset).scan_events(tmp_path))
        skipped = [e for e in events if isinstance(e, FileSkipped)]
        assert [e.source for e in skipped] == [str(past)]
        assert skipped[0].reason == "action A130 is none of NTU RGB+D's (A001-A120)"
        assert [
            s.label for e in events if isinstance(e, FileRead) for s in e.sequences
        ] == [11]
    alone = read_file(past)
    assert alone.label is None and alone.meta["action"] == "A130"


# --- bad input ------------------------------------------------------------------------


@pytest.fixture
def good_file(tmp_path):
    rng = np.random.default_rng(4)
    frames = [[("1", *_body(rng, (0, 0, 3)))] for _ in range(3)]
    return write_skeleton(tmp_path / _ntu_name(), frames)


def _lines(path):
    return path.read_bytes().split(b"\r\n")


def _rewrite(path, lines):
    path.write_bytes(b"\r\n".join(lines))
    return path


def test_a_file_of_random_bytes_is_called_binary_not_shown_as_garbage(tmp_path):
    junk = tmp_path / _ntu_name(10)
    junk.write_bytes(np.random.default_rng(6).bytes(3000))
    with pytest.raises(DataFormatError) as info:
        read_file(junk)
    message = str(info.value)
    assert (
        "expected frame count (an integer), got bytes that are not UTF-8 text"
        in message
    )
    assert "\ufffd" not in message and str(junk) in message
    # a text line still shows as it is
    text = tmp_path / _ntu_name(11)
    text.write_text("twelve\n")
    with pytest.raises(DataFormatError, match="got 'twelve'"):
        read_file(text)
    # a number followed by a Latin-1 byte is not shown as that number (a review)
    latin = tmp_path / _ntu_name(12)
    latin.write_bytes(b"12\xe9\n")
    with pytest.raises(DataFormatError, match="got bytes that are not UTF-8 text"):
        read_file(latin)


def test_truncated_file_names_the_end(good_file):
    lines = _lines(good_file)
    _rewrite(good_file, lines[:40])
    with pytest.raises(DataFormatError, match="file ends early") as info:
        read_file(good_file)
    assert info.value.line == 41 and str(good_file) in str(info.value)


def test_a_copy_cut_in_the_middle_of_a_line_says_so(good_file):
    """A byte-truncated copy said "joint line has 1 values, expected 12"."""
    data = good_file.read_bytes()
    cut_at = data.index(b"\r\n", 2000) + 9  # a few characters into the next line
    good_file.write_bytes(data[:cut_at])
    with pytest.raises(DataFormatError) as info:
        read_file(good_file)
    message = str(info.value)
    assert "file ends early, in the middle of joint" in message
    assert message.endswith("(the file is cut short)")
    assert info.value.line == data[:cut_at].count(b"\n") + 1


def test_joint_line_with_11_values(good_file):
    lines = _lines(good_file)
    lines[10] = b" ".join(lines[10].split()[:11])  # frame 0, body 0, joint 6
    _rewrite(good_file, lines)
    with pytest.raises(DataFormatError, match="11 values, expected 12") as info:
        read_file(good_file)
    assert info.value.line == 11
    assert f"{good_file}:11:" in str(info.value)


@pytest.mark.parametrize(
    ("token", "problem"), [(b"abc", "not a number"), (b"nan", "non-finite")]
)
def test_text_or_nan_in_a_coordinate(good_file, token, problem):
    lines = _lines(good_file)
    fields = lines[35].split()  # frame 1, body 0, joint 3
    fields[1] = token
    lines[35] = b" ".join(fields)
    _rewrite(good_file, lines)
    with pytest.raises(DataFormatError, match=problem) as info:
        read_file(good_file)
    assert info.value.line == 36


def test_bad_counts_and_empty_file(good_file, tmp_path):
    lines = _lines(good_file)
    lines[0] = b"three"
    _rewrite(good_file, lines)
    with pytest.raises(DataFormatError, match="frame count") as info:
        read_file(good_file)
    assert info.value.line == 1
    lines[0] = b"3"
    lines[3] = b"24"
    _rewrite(good_file, lines)
    with pytest.raises(DataFormatError, match="24 joints") as info:
        read_file(good_file)
    assert info.value.line == 4
    empty = tmp_path / "S001C001P001R001A002.skeleton"
    empty.write_bytes(b"")
    with pytest.raises(DataFormatError, match="empty file"):
        read_file(empty)
    extra = tmp_path / "S001C001P001R001A003.skeleton"
    extra.write_bytes(b"0\r\n1\r\n")
    with pytest.raises(DataFormatError, match="unexpected content") as info:
        read_file(extra)
    assert info.value.line == 2


def test_scan_reports_bad_files_and_goes_on(tmp_path, good_file):
    bad = tmp_path / "S001C001P001R001A002.skeleton"
    bad.write_bytes(good_file.read_bytes()[:500])
    errors = []
    seqs = list(get_reader("ntu60").scan(tmp_path, on_error=errors.append))
    assert [s.name for s in seqs] == [good_file.stem]
    assert (
        len(errors) == 1 and errors[0].path == str(bad) and errors[0].line is not None
    )
    events = list(get_reader("ntu60").scan_events(tmp_path))
    assert [type(e) for e in events] == [FileRead, FileFailed]


# --- property-based -------------------------------------------------------------------

coord = st.floats(
    min_value=-9.5, max_value=9.5, allow_nan=False, allow_subnormal=False, width=32
)
formats = st.sampled_from(
    [_fmt, lambda v: f"{v:.7f}", lambda v: repr(float(v)), lambda v: f"{v:.3e}"]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    layout=st.lists(st.lists(st.sampled_from(["5", "6", "9"]), max_size=3, unique=True), min_size=1, max_size=4),
    values=st.lists(coord, min_size=75, max_size=75),
    newline=st.sampled_from(["\r\n", "\n"]),
    fmt=formats,
)  # fmt: skip
def test_property_written_files_read_back_exactly(
    tmp_path, layout, values, newline, fmt
):
    base = np.asarray(values, dtype=np.float32).reshape(25, 3)
    frames = []
    for t, ids in enumerate(layout):
        frames.append(
            [(bid, base + np.float32(t + int(bid)), base[:, :2] * 100) for bid in ids]
        )
    path = write_skeleton(
        tmp_path / "S002C002P002R002A002.skeleton", frames, newline, fmt
    )
    data = path.read_bytes()
    raw = parse_skeleton(data, str(path))
    slow = parse_lines(data, str(path))
    np.testing.assert_array_equal(raw.xyz, slow.xyz)
    np.testing.assert_array_equal(raw.color_xy, slow.color_xy)
    # Exactly the float32 of the text written.
    k = 0
    for bodies in frames:
        for _bid, xyz, _color in bodies:
            text = np.asarray(
                [[float(fmt(v)) for v in row] for row in xyz], dtype=np.float32
            )
            np.testing.assert_array_equal(raw.xyz[k], text)
            k += 1
    joints, color, info = pack_bodies(raw)
    assert joints.shape[0] == len(layout) and joints.shape[1] <= 2
    assert info["tracks"] == len({b for ids in layout for b in ids})


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cut=st.integers(0, 4000), junk=st.binary(max_size=8))
def test_property_damaged_files_raise_only_data_format_error(tmp_path, cut, junk):
    rng = np.random.default_rng(cut)
    frames = [[("1", *_body(rng, (0, 0, 3)))] for _ in range(2)]
    path = write_skeleton(tmp_path / _ntu_name(), frames)
    data = path.read_bytes()
    path.write_bytes(data[:cut] + junk + data[cut + len(junk) :])
    try:
        read_file(path)
    except DataFormatError as exc:
        # a line named, unless the start now reads as a video's (junk b"\x1aE\xdf\xa3"
        # at byte 0 is Matroska's signature) or the random bodies as no person in
        # metres, upright: judgements on the whole file
        whole = (": is a video (", "coordinates must be metres", "upside down")
        assert str(path) in str(exc)
        assert exc.line is not None or any(w in str(exc) for w in whole), str(exc)


def test_released_zip_is_read_in_place(tmp_path):
    import zipfile

    names = sorted(REAL)[:2]
    archive = tmp_path / "nturgbd_skeletons_s001_to_s017.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in names:
            src = require_data("ntu", f"{name}.skeleton")
            zf.write(src, f"nturgb+d_skeletons/{name}.skeleton")
        zf.writestr(
            "nturgb+d_skeletons/S001C001P001R001A002.skeleton", "2\r\n0\r\n0\r\n"
        )
        zf.writestr("nturgb+d_skeletons/S001C001P001R001A003.skeleton", "garbage")
    events = list(get_reader("ntu60").scan_events(archive))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["FileRead", "FileSkipped", "FileFailed", "FileRead"]
    read = [e.sequences[0] for e in events if isinstance(e, FileRead)]
    assert [s.name for s in read] == names
    for seq in read:
        direct = read_file(require_data("ntu", f"{seq.name}.skeleton"))
        np.testing.assert_array_equal(seq.joints, direct.joints)
        assert seq.source.startswith(f"{archive}:nturgb+d_skeletons/")
    assert "A003.skeleton:1" in str(events[2].error)


def test_a_body_count_larger_than_the_bodies_says_so(tmp_path):
    """A real file with frame 5's body count raised from 1 to 7 read "body info line
    has 1 value, expected 10" 28 lines further down, and in the last frame "file ends
    early" of a complete file (a bad-input trial): the line of the count is named."""
    data = require_data("ntu", "S001C001P001R001A001.skeleton").read_bytes()
    lines = data.split(b"\r\n")
    # frame t's body count is on line 2 + 28 t (1 count, 1 info, 1 joint count, 25)
    for t, line in ((5, 2 + 28 * 5), (102, 2 + 28 * 102)):
        assert lines[line - 1] == b"1"
        edited = list(lines)
        edited[line - 1] = b"7"
        path = tmp_path / f"frame{t}" / "S001C001P001R001A001.skeleton"
        path.parent.mkdir()
        path.write_bytes(b"\r\n".join(edited))
        with pytest.raises(DataFormatError) as info:
            read_file(path)
        assert f"(line {line} says frame {t} holds 7 bodies)" in str(info.value)
