#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, in one go (CI has none): the `cuda`/`cuda_build` cells of the transforms and
# ops lessons (CUDA kernels against torchvision), and short trainings on the GPU (fp16 and bf16 autocast, NCCL DDP
# through torchrun). Logs go to $OUT (default ./gpu-logs). Run from the repository root on the GPU machine:
#   bash tests/gpu_checks.sh
# Where the machine lacks the development packages (nbdev, execnb, pycocotools, ...), put their wheels in .whl/.
set -uo pipefail
OUT=${OUT:-gpu-logs}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg CUDA_HOME=${CUDA_HOME:-/usr/local/cuda} TORCH_EXTENSIONS_DIR=/tmp/torch_ext
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-$(python3 -c 'import torch; print("%d.%d" % torch.cuda.get_device_capability())')}
if compgen -G '.whl/*.whl' >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
nvidia-smi -L; python3 -c 'import torch, torchvision; print("torch", torch.__version__, "torchvision", torchvision.__version__, torch.cuda.get_device_name())'
t0=$SECONDS
python3 tests/prebuild.py --flags cuda_build 2>&1 | tail -20 | tee "$OUT/prebuild.log"
echo "prebuild: $((SECONDS - t0)) s"
for nb in 16_transforms.detection 21_ops.extension 22_ops.nms 23_ops.roi 24_ops.deform_conv; do
  ( s=$SECONDS; timeout 400 python3 -X faulthandler tests/nbrun.py nbs/$nb.ipynb --flags "cuda cuda_build" > "$OUT/nb_$nb.log" 2>&1
    echo "$nb: rc=$? in $((SECONDS - s)) s" >> "$OUT/summary.txt" ) &
done
cat > /tmp/cli.py <<'PY'
import sys
from torchcv_nb.cli import main
sys.exit(main())
PY
{
  python3 /tmp/cli.py train cls/shapes_resnet18 --out /tmp/runs/cls_fp16 --quiet --set train.device=cuda solver.amp=fp16 solver.epochs=2
  echo "cls fp16: rc=$?"
  python3 /tmp/cli.py train seg/shapes_deeplabv3 --out /tmp/runs/seg_bf16 --quiet --set train.device=cuda solver.amp=bf16 solver.epochs=2
  echo "seg bf16: rc=$?"
  python3 -m torch.distributed.run --nproc_per_node=1 /tmp/cli.py train cls/shapes_resnet18 --out /tmp/runs/cls_ddp --quiet --set solver.epochs=1
  echo "cls nccl torchrun: rc=$?"
} > "$OUT/train.log" 2>&1
wait
cat "$OUT/summary.txt"; tail -5 "$OUT/train.log"
grep -h "rc=" "$OUT/summary.txt" "$OUT/train.log" | grep -qv "rc=0" && { echo "GPU checks: FAILED"; exit 1; }
echo "GPU checks passed in $((SECONDS - t0)) s"
