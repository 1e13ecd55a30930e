"""Compile the library's C++ (and, with the `cuda_build` flag, CUDA) extensions once, before the notebooks run.

Several lessons load the same extensions. Run in parallel on a cold cache, each would wait on torch's build lock
while one compiles; built here first (each in its own process, as many at once as there are cores, where
`torchcv_nb.ops.build_all` builds them one after the other), every notebook loads them from TORCH_EXTENSIONS_DIR. Usable on its own:
`python tests/prebuild.py --flags "cuda_build"`."""
import argparse, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

def library_extensions():
    "The library's extensions by name: the ones `torchcv_nb.ops.build_all` builds one after the other."
    from torchcv_nb.ops import _EXTENSIONS
    return {ext.name: ext for ext in _EXTENSIONS}

def build(name: str, tier: str) -> str:
    start = time.perf_counter()
    library_extensions()[name].load(tier)
    return f'prebuild: {name} ({tier}) ready in {time.perf_counter() - start:.1f} s'

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--flags', default='', help='notebook test flags; `cuda_build` also compiles the CUDA sources')
    flags = ap.parse_args().flags.split()
    tiers = ['cpp'] + (['cuda'] if 'cuda_build' in flags else [])
    jobs = [(name, tier) for name, ext in sorted(library_extensions().items()) for tier in tiers
            if tier == 'cpp' or getattr(ext, 'cuda', None)]
    # one compiler process per C++ build: run as many builds at once as there are cores
    with ProcessPoolExecutor(max_workers=os.cpu_count(), mp_context=get_context('spawn')) as pool:
        for line in pool.map(build, *zip(*jobs)): print(line, flush=True)
