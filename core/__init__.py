"""MS²L Studio's engine: everything without Qt (see the README's Development section)."""

import os as _os

# FFmpeg, inside OpenCV, prints its own lines for a damaged video ("[mov,mp4,… @ 0x…]
# moov atom not found", "[h264 @ 0x…] error while decoding MB …") straight to stderr,
# above the one-line message that names the file and says what is wrong with it (a
# trial). OpenCV reads this level once, at its first video, so it is set here, before
# any; a level the user set is kept.
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
