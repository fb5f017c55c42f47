#!/usr/bin/env bash
# Creates .venv/ at the repository root with the pinned mmdet 2.11 stack and
# installs this package into it in editable mode. Idempotent: when the venv is
# complete (stamp file newer than the requirement files) it does nothing.
#
# PYTHON=/path/to/python3.8 overrides the interpreter.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=.venv
stamp=$venv/.setup-complete

if [ -f "$stamp" ] && [ -z "$(find requirements setup.py -newer "$stamp" 2>/dev/null)" ]; then
  exit 0
fi

pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  if command -v pyenv >/dev/null 2>&1 && pyenv prefix 3.8.18 >/dev/null 2>&1; then
    echo "$(pyenv prefix 3.8.18)/bin/python3.8"; return
  fi
  if command -v python3.8 >/dev/null 2>&1; then echo python3.8; return; fi
  echo "setup_env.sh: Python 3.8 not found; set PYTHON=/path/to/python3.8" >&2
  exit 1
}

if [ ! -x "$venv/bin/python" ]; then
  py=$(pick_python)
  "$py" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip)
"${pip[@]}" install -q --upgrade "pip<24.1" wheel "setuptools<70" "cython<3"
"${pip[@]}" install -q -r requirements/runtime.txt -r requirements/tests.txt
# mmcv-full compiles its C++ ops here (about 8.5 minutes on 2 cores the first
# time; pip caches the built wheel, so later venvs take seconds).
MMCV_WITH_OPS=1 "${pip[@]}" install -q --no-build-isolation mmcv-full==1.3.17
"${pip[@]}" install -q --no-build-isolation mmdet==2.11.0 mmpycocotools==12.0.3
"${pip[@]}" install -q --no-build-isolation --no-deps -e .
"$venv/bin/python" -c "import mmcv.ops, mmdet, pycocotools, mmdet_frcnn_annotated; print('mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)"
touch "$stamp"
