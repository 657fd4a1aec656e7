#!/usr/bin/env bash
# One idempotent set-up for a Debian/Ubuntu machine: system libraries, .venv, the project with its
# dev extras, and the training camera clips. Safe to run again; says what it did and what failed.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
failed=()
say() { printf '[setup] %s\n' "$*"; }

# --- Debian packages ------------------------------------------------------------------------
packages=(
  libvlc5 vlc-plugin-base vlc-plugin-video-output   # python-vlc player + training RTSP server
  libpulse0                                          # QtMultimedia
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-xinerama0 libxcb-randr0 libxcb-image0
  libxcb-render-util0 libxcb-shape0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3
  fonts-dejavu-core                                  # legible default font everywhere
  dbus gnome-keyring                                 # a real Secret Service for the keyring test
  ffmpeg                                             # camera clips at set-up, ffprobe in tests
  xvfb x11-xserver-utils xserver-xorg-core xserver-xorg-video-dummy   # screenshots, multi-head
  openbox picom                                      # a window manager and a compositor for the covered-tile test
)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    say "installing Debian packages: ${missing[*]}"
    if $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; then
      say "Debian packages installed"
    else
      failed+=("apt-get install ${missing[*]}")
    fi
  else
    say "Debian packages already present"
  fi
else
  say "not a Debian system: install libVLC, ffmpeg and the Qt xcb libraries yourself"
fi

# --- Python virtual environment ---------------------------------------------------------------
py=${PYTHON:-}
if [ -z "$py" ]; then
  for c in python3.12 python3.11 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then py=$c; break; fi
  done
fi
if [ -z "$py" ]; then
  failed+=("no Python >= 3.11 found")
else
  if [ ! -x .venv/bin/python ]; then
    say "creating .venv with $($py --version)"
    "$py" -m venv .venv || failed+=("python -m venv")
  fi
  if [ -x .venv/bin/python ]; then
    say "installing centrale and its dev extras into .venv"
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1
    if .venv/bin/python -m pip install -q -e ".[dev]" 2>&1 | grep -v -E "^WARNING: Location|^$" ; then :; fi
    .venv/bin/python -c "import console, PySide6" 2>/dev/null || failed+=("pip install -e .[dev]")
  fi
fi

# --- Training camera clips --------------------------------------------------------------------
if [ -x .venv/bin/python ] && command -v ffmpeg >/dev/null 2>&1; then
  if .venv/bin/python -m console.training.streams --make-clips >/dev/null 2>&1; then
    say "training camera clips ready"
  else
    failed+=("training camera clips (python -m console.training.streams --make-clips)")
  fi
fi

if ((${#failed[@]})); then
  for f in "${failed[@]}"; do say "FAILED: $f"; done
  exit 1
fi
say "done. Start the console with: .venv/bin/python main.py"
