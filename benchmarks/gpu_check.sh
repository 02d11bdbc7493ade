#!/usr/bin/env bash
# The GPU path checked on a machine with a CUDA GPU, from the repository root, in about 8 minutes:
# the GPU summary, the CUDA tests, then benchmarks/bench_gpu.py (JSON to $OUT/bench_gpu.json); all
# output also goes to $OUT/log.txt ($OUT defaults to ./gpu-check-out).
#
# Data: Fashion-MNIST travels in the ignored folder .gpudata/ (30 MB, torchvision's layout), copied
# before the run from the shared data:
#
#     mkdir -p .gpudata && cp -r /work/shared/data/FashionMNIST .gpudata/
#     # → .gpudata/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#
# and named in the run's carry: ["./.gpudata"] (plus ".whl" when pytest's wheels are there; the
# machine needs Python 3 with torch and torchvision, nothing else). Without pytest the CUDA tests run
# through benchmarks/cuda_tests.py; with wheels in .whl/ pytest is installed from them first.
set -uo pipefail
OUT="${OUT:-gpu-check-out}"
mkdir -p "$OUT"
PY="${PYTHON:-python3}"
exec > >(tee -a "$OUT/log.txt") 2>&1
status=0

echo "== $(date -u '+%F %T') GPU check of $(git rev-parse --short HEAD 2>/dev/null || echo 'this tree')"
nvidia-smi --query-gpu=name,memory.total,driver_version,utilization.gpu --format=csv || echo "(no nvidia-smi)"
"$PY" -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__, \
'cuda', torch.version.cuda, 'available', torch.cuda.is_available())" || exit 2
if [ ! -d .gpudata/FashionMNIST/raw ]; then
    echo "no .gpudata/FashionMNIST/raw: copy /work/shared/data/FashionMNIST into .gpudata/ and carry it"
    status=1
fi

echo "== CUDA tests"
if ! "$PY" -c "import pytest" 2>/dev/null && compgen -G ".whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site
fi
if "$PY" -c "import pytest" 2>/dev/null; then
    timeout 180 "$PY" -m pytest -q -p no:cacheprovider tests/core/training/test_cuda.py tests/core/base/test_devices.py \
        || status=1
else
    timeout 180 "$PY" benchmarks/cuda_tests.py || status=1
fi

echo "== bench_gpu.py"
timeout 330 "$PY" benchmarks/bench_gpu.py --json "$OUT/bench_gpu.json" --resnet-accuracy || status=1
echo "== done, status $status"
exit $status
