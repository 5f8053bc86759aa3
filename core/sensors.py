"""Which sensor a model's training skeletons came from, and what it is fed now.

A model trained on Kinect skeletons and fed MediaPipe skeletons (or the other way round)
sees a different joint definition unless its run was trained with the shared one
(``DataConfig.joints == "shared"``, see :func:`core.preprocess.normalise_clip`). The Live
panel shows :func:`describe_input` so a user knows which case they are in;
``docs/results/sensor-gap.md`` measures what the difference costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.config import TrainConfig

KINECT = "kinect"
MEDIAPIPE = "mediapipe"

# Dataset name -> (sensor, sensor as shown to a person).
DATASET_SENSORS: dict[str, tuple[str, str]] = {
    "nw-ucla": (KINECT, "Kinect v1"),
    "ntu60": (KINECT, "Kinect v2"),
    "ntu120": (KINECT, "Kinect v2"),
    "pkummd1": (KINECT, "Kinect v2"),
    "pkummd2": (KINECT, "Kinect v2"),
    "custom": (MEDIAPIPE, "MediaPipe"),
}


@dataclass(frozen=True)
class InputInfo:
    """Where a model's input comes from, in training and now.

    Attributes:
        trained_on: ``"kinect"``, ``"mediapipe"`` or ``"unknown"``: the sensor of the
            training dataset.
        trained_device: The sensor as shown to a person (``"Kinect v1"``).
        dataset: The training dataset's name.
        live_input: ``"kinect"`` or ``"mediapipe"``: the sensor of the input fed now.
        layout: The layout the model sees (live input is converted to it).
        shared_joints: The run uses one joint definition for both sensors.
        bodies: People the model reads at a time (MediaPipe gives one).
    """

    trained_on: str
    trained_device: str
    dataset: str
    live_input: str
    layout: str
    shared_joints: bool
    bodies: int = 1

    @property
    def same_sensor(self) -> bool:
        """The input comes from the sensor the model was trained on."""
        return self.trained_on == self.live_input

    def summary(self) -> str:
        """One line for a person, e.g. for the Live panel."""
        now = "MediaPipe" if self.live_input == MEDIAPIPE else "Kinect"
        text = (
            f"Trained on {self.trained_device} skeletons ({self.dataset}) · "
            f"input now: {now}, as {self.layout}"
        )
        if self.live_input == MEDIAPIPE and self.bodies > 1:
            # a model taught on two-person Kinect sessions leaned on the second
            # person, whom a webcam never gives (unsaid: a trial)
            text += f" · trained on up to {self.bodies} people, MediaPipe gives one"
        if self.same_sensor:
            return text + " · same sensor"
        if self.shared_joints:
            return text + " · one joint definition for both sensors"
        return text + " · sensor-specific joints: expect a gap"


def describe_input(config: TrainConfig, live_input: str = MEDIAPIPE) -> InputInfo:
    """Say whether a model was trained on Kinect- or MediaPipe-derived skeletons.

    Args:
        config: The run's config (``Predictor.config``).
        live_input: The sensor of the skeletons fed to it now: ``"mediapipe"`` (camera
            or video through MediaPipe, the Live panel) or ``"kinect"`` (a recorded
            Kinect skeleton file, Replay).

    Returns:
        The description.

    Raises:
        ValueError: If ``live_input`` is neither ``"kinect"`` nor ``"mediapipe"``.
    """
    if live_input not in (KINECT, MEDIAPIPE):
        raise ValueError(
            f"live_input must be 'kinect' or 'mediapipe', got {live_input!r}"
        )
    sensor, device = DATASET_SENSORS.get(config.data.dataset, ("unknown", "unknown"))
    if config.data.dataset == "custom":
        sensor, device = _custom_sensor(config.data.root) or (sensor, device)
    return InputInfo(
        trained_on=sensor,
        trained_device=device,
        dataset=config.data.dataset,
        live_input=live_input,
        layout=config.data.layout,
        shared_joints=config.data.joints == "shared",
        bodies=config.data.num_bodies,
    )


def _custom_sensor(root: str, most: int = 20) -> tuple[str, str] | None:
    """What a custom dataset's recordings came from, by their layouts (the headers of
    up to ``most`` of them): webcam or video takes keep MediaPipe's 33 landmarks,
    recordings brought in from a Kinect are written as ``ntu25`` / ``ucla20``. A model
    taught on Kinect recordings was said to be "trained on MediaPipe" (a trial).
    ``None`` when the folder cannot be read (moved since, another machine's)."""
    from core.datasets.custom import recording_files
    from core.datasets.recording import recording_info

    if not root:  # ("" would be the working folder's recordings)
        return None
    try:
        files = recording_files(Path(root).expanduser())[:most]
    except OSError:
        return None
    layouts = {recording_info(path).layout for path in files} - {""}
    if not layouts:
        return None
    if layouts == {"mp33"}:
        return MEDIAPIPE, "MediaPipe"
    if "mp33" not in layouts:
        return KINECT, "Kinect-layout"
    return "mixed", "MediaPipe and Kinect-layout"
