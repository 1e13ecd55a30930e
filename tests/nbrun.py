"""Run one notebook as a test, the way `nbdev_test` does, in a fresh Python process.

A fresh process per notebook keeps global state (seeds, deterministic mode, matplotlib settings, loaded
extensions) from leaking from one lesson into the next. Usable on its own:
`python tests/nbrun.py nbs/00_core.ipynb --flags "slow"`.
"""
import argparse, os, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def lesson_notebooks():
    "The notebooks nbdev_test would run: not scratch (`_*`), hidden (`.*`) or checkpoint copies."
    nbs = ROOT / 'nbs'
    return sorted(p for p in nbs.rglob('*.ipynb')
                  if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs).parts))

def config_flags():
    "The flags that settings.ini's `tst_flags` skips by default."
    from nbdev.config import get_config
    return get_config(path=ROOT).get('tst_flags', '').split()

def run_in_this_process(path, flags=()):
    "Execute `path` with nbdev's `test_nb`; cells carrying a flag from `tst_flags` not in `flags` are skipped."
    import nbdev.test as nbt  # imported as a module so pytest does not collect `test_nb` as a test
    ok, _ = nbt.test_nb(Path(path).resolve(), skip_flags=config_flags(), force_flags=list(flags), basepath=ROOT)
    return ok

def run_notebook(path, flags=(), timeout=None):
    """Run notebook `path` in a child process. Returns `(ok, seconds, log)`; `log` holds nbdev's traceback, which
    names the failing cell and shows its source."""
    env = {**os.environ, 'PYTHONUNBUFFERED': '1', 'MPLBACKEND': 'Agg'}
    cmd = [sys.executable, str(Path(__file__).resolve()), str(path), '--flags', ' '.join(flags)]
    start = time.perf_counter()
    try: p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b'').decode() if isinstance(e.stdout, bytes) else (e.stdout or '')
        return False, time.perf_counter() - start, f'{out}\nTimed out after {timeout} s (raise it with --nb-timeout).'
    return p.returncode == 0, time.perf_counter() - start, p.stdout + p.stderr

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebook')
    ap.add_argument('--flags', default='', help='space-separated flags to run (e.g. "slow cuda_build")')
    a = ap.parse_args()
    sys.exit(0 if run_in_this_process(a.notebook, a.flags.split()) else 1)
