"""NW-UCLA reader on the real ``all_sqe.zip`` and on small files written in its format."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.datasets import DataFormatError, get_reader
from core.datasets.splits import split_indices
from core.datasets.ucla import UclaReader, parse_name
from tests.conftest import require_data


@pytest.fixture(scope="module")
def ucla_clips():
    root = require_data("nw-ucla", "all_sqe.zip")
    return list(get_reader("nw-ucla").scan(root))


def test_real_zip_counts_labels_and_views(ucla_clips):
    assert len(ucla_clips) == 1484
    assert Counter(c.meta["view"] for c in ucla_clips) == {1: 516, 2: 504, 3: 464}
    assert sorted({c.label for c in ucla_clips}) == list(range(10))
    sides = split_indices("nw-ucla", "xview", [c.meta for c in ucla_clips])
    assert (len(sides["train"]), len(sides["test"])) == (1020, 464)
    for c in ucla_clips:
        assert c.layout == "ucla20" and c.fps == 30.0
        assert c.joints.dtype == np.float32 and c.joints.shape[1:] == (1, 20, 3)
        assert np.isfinite(c.joints).all()


def test_real_label_mapping_and_short_clips(ucla_clips):
    expected = {"a01": 0, "a02": 1, "a03": 2, "a04": 3, "a05": 4, "a06": 5,
                "a08": 6, "a09": 7, "a11": 8, "a12": 9}  # fmt: skip
    for c in ucla_clips:
        assert c.label == expected[c.meta["action"]]
        assert (
            c.name
            == f"{c.meta['action']}_s{c.meta['subject']:02d}_e{c.meta['episode']:02d}_v{c.meta['view']:02d}"
        )
    lengths = sorted(c.num_frames for c in ucla_clips)
    assert lengths[0] == 1  # the one single-frame sample is kept
    assert sum(n < 10 for n in lengths) == 10
    assert lengths[-1] == 201


def test_real_coordinates_equal_the_json_text():
    root = require_data("nw-ucla", "all_sqe.zip")
    with zipfile.ZipFile(root) as zf:
        doc = json.loads(zf.read("all_sqe/a12_s06_e04_v03.json"))
    clip = next(
        c for c in get_reader("nw-ucla").scan(root) if c.name == "a12_s06_e04_v03"
    )
    np.testing.assert_array_equal(
        clip.joints[:, 0], np.asarray(doc["skeletons"], np.float32)
    )
    assert clip.joints[0, 0, 0].tolist() == pytest.approx([0.041007, 0.440938, 2.49818])


def _write_sample(folder: Path, name: str, frames) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"file_name": name, "skeletons": frames}))
    return path


def test_folder_and_zip_read_the_same(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "all_sqe"
    folder.mkdir()
    for name, t in (("a01_s01_e00_v01", 5), ("a12_s10_e02_v03", 1)):
        _write_sample(folder, name, rng.normal(size=(t, 20, 3)).round(5).tolist())
    archive = tmp_path / "all_sqe.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"all_sqe/{p.name}")
    a = list(UclaReader().scan(folder))
    b = list(UclaReader().scan(archive))
    assert (
        [c.name for c in a]
        == [c.name for c in b]
        == ["a01_s01_e00_v01", "a12_s10_e02_v03"]
    )
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x.joints, y.joints)
    assert [c.label for c in a] == [0, 9]
    assert a[1].meta == {"action": "a12", "subject": 10, "episode": 2, "view": 3}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "empty file"),
        ('{"file_name": "a01_s01_e00_v01", "skeletons": [[[0, 0', "invalid JSON"),
        (
            '{"file_name": "a01_s01_e00_v01", "skeletons": [[[0, 0, x]]]}',
            "invalid JSON: Expecting value at column 56",
        ),  # fmt: skip
        ('{"file_name": "a01_s01_e00_v01"}', "no 'skeletons'"),
        ('{"file_name": "a01_s01_e00_v01", "skeletons": []}', "no frames"),
        (
            '{"file_name": "a01_s01_e00_v01", "skeletons": [[[0, 0, 0]]]}',
            "frame 0 has 1 joints",
        ),
        (
            '{"file_name": "a07_s01_e00_v01", "skeletons": '
            + json.dumps([[[0, 0, 0]] * 20])
            + "}",
            "unknown action",
        ),
        (
            '{"file_name": "walk", "skeletons": '
            + json.dumps([[[0, 0, 0]] * 20])
            + "}",
            "aXX_sYY_eZZ_vWW",
        ),
    ],
)
def test_bad_files_raise_data_format_error(tmp_path, content, problem):
    path = tmp_path / "a01_s01_e00_v01.json"
    path.write_text(content)
    with pytest.raises(DataFormatError, match=problem) as info:
        UclaReader().read_file(path)
    assert info.value.path == str(path)
    assert str(path) in str(info.value)
    assert info.value.line is not None


def test_text_and_nan_values_name_frame_and_joint(tmp_path):
    frames = [[[0.0, 0.0, 0.0]] * 20 for _ in range(3)]
    frames[2][7] = [0.1, "abc", 0.3]
    path = _write_sample(tmp_path, "a01_s01_e00_v01", frames)
    with pytest.raises(DataFormatError, match="frame 2 joint 7"):
        UclaReader().read_file(path)
    frames[2][7] = [0.1, float("nan"), 0.3]
    path = _write_sample(tmp_path, "a01_s01_e00_v01", frames)
    with pytest.raises(DataFormatError, match="non-finite value at frame 2 joint 7"):
        UclaReader().read_file(path)


def test_zip_without_skeletons_is_an_error(tmp_path):
    archive = tmp_path / "empty.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    with pytest.raises(DataFormatError, match="holds no skeletons") as info:
        list(UclaReader().scan(archive))
    assert str(archive) in str(info.value)
    not_zip = tmp_path / "fake.zip"
    not_zip.write_text("garbage")
    with pytest.raises(DataFormatError, match="not a zip"):
        list(UclaReader().scan(not_zip))


def test_scan_reports_bad_files_and_goes_on(tmp_path):
    _write_sample(tmp_path, "a01_s01_e00_v01", [[[0.0, 0.0, 1.0]] * 20] * 2)
    (tmp_path / "a02_s01_e00_v01.json").write_text("{broken")
    _write_sample(tmp_path, "a03_s01_e00_v02", [[[0.0, 0.0, 1.0]] * 20] * 4)
    errors: list[DataFormatError] = []
    clips = list(UclaReader().scan(tmp_path, on_error=errors.append))
    assert [c.name for c in clips] == ["a01_s01_e00_v01", "a03_s01_e00_v02"]
    assert len(errors) == 1 and "a02_s01_e00_v01.json:1" in str(errors[0])
    with pytest.raises(DataFormatError):
        list(UclaReader().scan(tmp_path))


def test_parse_name_rejects_other_names():
    assert parse_name("a11_s03_e01_v02") == {
        "action": "a11",
        "subject": 3,
        "episode": 1,
        "view": 2,
    }
    with pytest.raises(ValueError):
        parse_name("a11_s03_v02")


finite = st.floats(min_value=-10, max_value=10, allow_nan=False, width=32)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    frames=st.integers(1, 6).flatmap(
        lambda t: st.lists(
            st.lists(
                st.lists(finite, min_size=3, max_size=3), min_size=20, max_size=20
            ),
            min_size=t,
            max_size=t,
        )
    ),
    view=st.integers(1, 3),
    action=st.sampled_from(["a01", "a05", "a08", "a12"]),
)
def test_property_round_trip(tmp_path, frames, view, action):
    name = f"{action}_s02_e01_v{view:02d}"
    path = _write_sample(tmp_path, name, frames)
    (clip,) = UclaReader().read_file(path)
    np.testing.assert_array_equal(clip.joints[:, 0], np.asarray(frames, np.float32))
    assert clip.meta["view"] == view


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(junk=st.binary(max_size=200))
def test_property_garbage_never_escapes_as_another_error(tmp_path, junk):
    path = tmp_path / "a01_s01_e00_v01.json"
    path.write_bytes(junk)
    try:
        UclaReader().read_file(path)
    except DataFormatError as exc:
        assert str(path) in str(exc)
