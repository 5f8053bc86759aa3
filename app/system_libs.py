"""The system libraries Qt's X11 platform plugin needs, found or fetched before the window opens.

PyQt6's wheel carries Qt but not the small XCB helper libraries its ``xcb`` plugin links
against (``libxcb-cursor``, ``libxcb-icccm``, ``libxcb-keysyms`` ...). A Linux machine with an
X server but without them (a server given Xvfb, a minimal desktop) makes Qt abort with
"Could not load the Qt platform plugin" and advice to reinstall. Before the
``QApplication`` exists, :func:`ensure_xcb_libraries` asks the dynamic linker (``ldd``)
which of them are missing; on a Debian or Ubuntu system it fetches the packages that
hold them with ``apt-get download`` (no root, nothing installed system-wide), unpacks
them into the virtual environment, and loads them into the process so that the plugin
finds them; anywhere else it says which libraries and packages are missing.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from core.tempfiles import discard, temp_path

#: Debian/Ubuntu package of each library the xcb plugin of Qt 6 may need.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)
_FETCH_ROUNDS = 3  # a fetched library may need another missing one
#: Seconds ``apt-get download`` may take (the window waits for it) before giving up.
FETCH_TIMEOUT = 60


def default_cache() -> Path:
    """Where fetched libraries are kept: inside the virtual environment (``make clean``
    removes them with it), or the user's cache outside one (never the system's
    ``/usr/lib``)."""
    if sys.prefix != sys.base_prefix:
        return Path(sys.prefix) / "lib" / "ms2l-system-libs"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ms2l" / "system-libs"


def xcb_plugin_files() -> list[Path]:
    """PyQt6's xcb platform plugin and the Qt library behind it (empty if not found)."""
    import PyQt6  # the package only: no Qt library is loaded by this import

    qt = Path(PyQt6.__file__).parent / "Qt6"
    files = [
        qt / "plugins" / "platforms" / "libqxcb.so",
        qt / "lib" / "libQt6XcbQpa.so.6",
    ]
    return [f for f in files if f.is_file()]


def unresolved(files: Iterable[Path], extra_dir: Path | None = None) -> list[str]:
    """The shared libraries ``files`` need that the dynamic linker cannot find.

    Args:
        files: Shared objects to check.
        extra_dir: A folder searched first, as ``LD_LIBRARY_PATH`` would be.

    Returns:
        The missing libraries' names (``libxcb-icccm.so.4`` ...), sorted.

    Raises:
        OSError: If ``ldd`` cannot be run.
    """
    env = dict(os.environ)
    if extra_dir is not None:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            p for p in (str(extra_dir), env.get("LD_LIBRARY_PATH", "")) if p
        )
    missing: set[str] = set()
    for file in files:
        out = subprocess.run(
            ["ldd", str(file)], capture_output=True, text=True, env=env, check=False
        )
        missing.update(_NOT_FOUND.findall(out.stdout))
    return sorted(missing)


def fetch_debian_packages(packages: Sequence[str], dest: Path) -> list[Path]:
    """Download Debian packages with ``apt-get download`` and copy their shared
    libraries into ``dest``.

    Nothing is installed on the system and no root is needed; ``dest`` only ever gains
    whole files (each copied under a temporary name, then renamed).

    Args:
        packages: Package names (``libxcb-icccm4`` ...).
        dest: Folder for the libraries (created).

    Returns:
        The library files now in ``dest``.

    Raises:
        RuntimeError: If ``apt-get`` or ``dpkg-deb`` is missing or fails (the message
            names the packages and gives apt's own reason).
    """
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} not found (not a Debian or Ubuntu system)")
    dest.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ms2l-debs-") as tmp:
        work = Path(tmp)
        try:
            got = subprocess.run(
                ["apt-get", "download", *packages],
                cwd=work,
                capture_output=True,
                text=True,
                check=False,
                timeout=FETCH_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"apt-get download {' '.join(packages)} took over {FETCH_TIMEOUT} s "
                "(no way to the package archive?)"
            ) from None
        debs = sorted(work.glob("*.deb"))
        if got.returncode != 0 or not debs:
            reason = (got.stderr.strip() or got.stdout.strip()).splitlines()
            raise RuntimeError(
                f"apt-get download {' '.join(packages)} failed: "
                + (reason[-1] if reason else f"exit status {got.returncode}")
            )
        unpacked = work / "root"
        for deb in debs:
            subprocess.run(["dpkg-deb", "-x", str(deb), str(unpacked)], check=True)
        # The versioned files first, then the sonames' links to them: a link is
        # never in place before its file (two first starts at once see whole files).
        for lib in sorted(unpacked.rglob("*.so*"), key=lambda f: (f.is_symlink(), f)):
            if lib.is_dir():
                continue
            part = temp_path(dest / lib.name)  # this process's own name
            try:
                if lib.is_symlink():  # the soname's link to the versioned file
                    part.symlink_to(Path(os.readlink(lib)).name)
                else:
                    shutil.copyfile(lib, part)
                os.replace(part, dest / lib.name)
            finally:
                discard(part)
            copied.append(dest / lib.name)
    return copied


def preload(folder: Path) -> tuple[list[str], dict[str, str]]:
    """Load every shared library in ``folder`` into this process, globally, so that a
    library opened later (Qt's plugin) finds them by their sonames.

    Libraries that need another one of the folder are retried once it is loaded; one
    that still cannot load is reported, not raised (it may be one the plugin does not
    need: if it does, Qt says so).

    Returns:
        The names of the files loaded, and the linker's reason for each that was not.
    """
    pending = sorted(
        p for p in folder.glob("*.so*") if p.is_file() and not p.is_symlink()
    )
    loaded: list[str] = []
    failed: dict[str, str] = {}
    while pending:
        failed = {}
        for lib in pending:
            try:
                ctypes.CDLL(str(lib), mode=ctypes.RTLD_GLOBAL)
            except OSError as exc:
                failed[lib.name] = str(exc)
            else:
                loaded.append(lib.name)
        if len(failed) == len(pending):
            break
        pending = [lib for lib in pending if lib.name in failed]
    return loaded, failed


def uses_xcb(environ: os._Environ[str] | dict[str, str] | None = None) -> bool:
    """Whether Qt will open its window through X11 (xcb) here."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(":")[0].split(";")[0] == "xcb"
    # A Wayland session: Qt 6 takes its wayland plugin first (XWayland's DISPLAY is
    # set there too, and the xcb libraries are not needed).
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return False
    return bool(env.get("DISPLAY"))


def ensure_xcb_libraries(
    cache: Path | None = None,
    say: Callable[[str], None] | None = None,
    files: Sequence[Path] | None = None,
) -> str | None:
    """Make sure Qt's xcb plugin can load, fetching what it lacks.

    Args:
        cache: Folder for fetched libraries (default :func:`default_cache`).
        say: Receives a line about what is fetched (default: standard error).
        files: The shared objects whose libraries must load (default
            :func:`xcb_plugin_files`).

    Returns:
        ``None`` when the plugin's libraries are all there (or Qt will not use xcb),
        otherwise why the window cannot open and how to fix it.
    """
    if not uses_xcb() or shutil.which("ldd") is None:
        return None  # (without ldd nothing can be told: Qt says what it lacks)
    files = xcb_plugin_files() if files is None else files
    if not files:
        return None  # not PyQt6's own layout: leave it to Qt
    cache = default_cache() if cache is None else cache
    tell = say or (lambda line: print(line, file=sys.stderr))
    try:
        missing = unresolved(files, cache)
        for _ in range(_FETCH_ROUNDS):
            if not missing:
                break
            packages = sorted(
                {DEBIAN_PACKAGES[m] for m in missing if m in DEBIAN_PACKAGES}
            )
            unknown = [m for m in missing if m not in DEBIAN_PACKAGES]
            if unknown or not packages:
                raise RuntimeError(f"no known package holds {', '.join(unknown)}")
            for tool in ("apt-get", "dpkg-deb"):  # before saying a fetch starts
                if shutil.which(tool) is None:
                    raise RuntimeError(
                        f"{tool} not found (not a Debian or Ubuntu system)"
                    )
            tell(
                "Qt's X11 plugin needs " + ", ".join(missing) + ", not installed here: "
                f"fetching {' '.join(packages)} into {cache} (apt-get download, "
                "nothing installed system-wide)"
            )
            fetch_debian_packages(packages, cache)
            missing = unresolved(files, cache)
        if missing:
            raise RuntimeError(f"still missing after fetching: {', '.join(missing)}")
        if cache.is_dir():
            preload(cache)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as exc:
        try:
            wanted = unresolved(files)
        except OSError:
            wanted = []
        packages = sorted({DEBIAN_PACKAGES.get(m, m) for m in wanted})
        fix = (
            f"Install them (Debian/Ubuntu: sudo apt-get install {' '.join(packages)}), "
            "or run"
            if packages
            else "Install them, or run"
        )
        return (
            "Qt cannot open a window on this X display: its xcb plugin needs system "
            f"libraries that are missing ({', '.join(wanted) or 'see above'}) and they "
            f"could not be fetched ({exc}). {fix} the app without a screen with "
            "QT_QPA_PLATFORM=offscreen."
        )
    return None
