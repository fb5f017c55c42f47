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

# The study page's tests open it in Debian's Chromium; fonts-noto-cjk draws
# its Chinese. Installed with apt-get when missing (root is needed then).
need_browser() {
  command -v chromium >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ] && return 1
  return 0
}
if need_browser; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup_env.sh: installing chromium and fonts-noto-cjk with apt-get"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null
  else
    echo "setup_env.sh: chromium and fonts-noto-cjk are needed by the tests of the study page; install them (apt-get install -y chromium fonts-noto-cjk)" >&2
  fi
fi

if [ -f "$stamp" ] && [ -z "$(find requirements requirements.txt setup.py -newer "$stamp" 2>/dev/null)" ]; then
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
# mmcv-full: OpenMMLab's prebuilt wheel for this torch and CUDA (or CPU)
# first; compiled from source with its ops only when that index is
# unreachable or has no wheel (about 15 minutes on 2 cores the first time;
# pip caches the built wheel, so later venvs take about a minute).
mmcv_version=$(sed -n 's/^mmcv-full==//p' requirements/build.txt)
read -r torch_series device < <("$venv/bin/python" - <<'PY'
import torch
major, minor = torch.__version__.split('+')[0].split('.')[:2]
cuda = torch.version.cuda if torch.cuda.is_available() else None
print(f'torch{major}.{minor}.0', 'cu' + cuda.replace('.', '') if cuda else 'cpu')
PY
)
index="https://download.openmmlab.com/mmcv/dist/${device}/${torch_series}/index.html"
installed=$("$venv/bin/python" -c "from importlib.metadata import version; print(version('mmcv-full'))" 2>/dev/null || true)
if [ "$installed" = "$mmcv_version" ]; then
  echo "setup_env.sh: mmcv-full ${mmcv_version} is already installed"
elif "${pip[@]}" install -q --only-binary mmcv-full --timeout 15 --retries 0 \
    -f "$index" "mmcv-full==${mmcv_version}" 2>/dev/null; then
  echo "setup_env.sh: mmcv-full ${mmcv_version}: prebuilt wheel from ${index}"
else
  echo "setup_env.sh: mmcv-full ${mmcv_version}: no prebuilt wheel reachable at ${index}; compiling it with its ops (${device})"
  if [ "$device" != cpu ]; then export FORCE_CUDA=1; fi
  MMCV_WITH_OPS=1 "${pip[@]}" install -q --no-build-isolation "mmcv-full==${mmcv_version}"
fi
"${pip[@]}" install -q --no-build-isolation mmdet==2.11.0 mmpycocotools==12.0.3
"${pip[@]}" install -q --no-build-isolation --no-deps -e .
"$venv/bin/python" - <<'PY'
import mmcv, mmcv.ops, mmdet, pycocotools, torch  # noqa: F401
import mmdet_frcnn_annotated  # noqa: F401
from mmcv.ops import get_compiling_cuda_version
ops = get_compiling_cuda_version()
print('mmcv', mmcv.__version__, 'mmdet', mmdet.__version__,
      'mmcv ops compiled with CUDA:', ops)
if torch.cuda.is_available() and ops == 'not available':
    raise SystemExit('setup_env.sh: this machine has CUDA but mmcv-full was '
                     'built without its CUDA ops')
PY
touch "$stamp"
