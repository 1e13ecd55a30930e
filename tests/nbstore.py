"""Run a lesson the way JupyterLab does (a real Jupyter kernel, every cell in order) and store its outputs in place.

The docs site shows the outputs stored in the notebooks; after a change to a lesson or to a preset it trains, run
this to refresh them. Cells flagged with one of `--skip` (default: `cuda cuda_build`, which need a GPU or compile
for minutes) are not run and keep their stored outputs, like `eval: false` cells and the closing `nbdev_export()`;
every other cell runs, `slow` ones included. Sources are left byte for byte as they were. Then `nbdev_clean` the
notebook. Usable on its own:
`OMP_NUM_THREADS=1 .venv/bin/python tests/nbstore.py nbs/42_models.resnet.ipynb`."""
import argparse, copy, json, sys, time
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor
from nbformat.v4.rwbase import split_lines

def flags(source: str) -> set[str]:
    "The words of a cell's `#|` directive lines (`#| slow` -> {'slow'}, `#| eval: false` -> {'eval', 'false'})."
    return {w for line in source.splitlines() if line.startswith('#|') for w in line[2:].replace(':', ' ').split()}

class TimedExecutor(ExecutePreprocessor):
    "Prints each code cell's seconds as it finishes."
    def preprocess_cell(self, cell, resources, index):
        start = time.perf_counter()
        out = super().preprocess_cell(cell, resources, index)
        if cell.cell_type == 'code':
            first = next((l for l in cell.source.splitlines() if not l.startswith('#|')), '')
            print(f'{time.perf_counter() - start:8.1f} s  {cell.get("id")}  {first[:70]}', flush=True)
        return out

def store_outputs(path: Path, skip: set[str], timeout: int) -> None:
    raw = json.loads(path.read_text())
    nb = nbformat.reads(path.read_text(), as_version=4)
    run = copy.deepcopy(nb)
    run.cells = [c for c in run.cells if not (c.cell_type == 'code' and (     # nbdev's test skips the same cells
        flags(c.source) & skip or {'eval', 'false'} <= flags(c.source) or 'nbdev_export' + '(' in c.source))]
    TimedExecutor(timeout=timeout, kernel_name='python3').preprocess(run, {'metadata': {'path': str(path.parent.resolve())}})
    split_lines(run)                      # multi-line text as lists of lines, as nbformat writes notebooks
    new = {c.get('id'): c for c in run.cells if c.cell_type == 'code'}
    for cell in raw['cells']:
        if cell['cell_type'] == 'code' and cell.get('id') in new:
            cell['outputs'] = new[cell['id']].outputs
            cell['execution_count'] = new[cell['id']].execution_count
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + '\n')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('notebook', type=Path)
    ap.add_argument('--skip', default='cuda cuda_build', help='flags whose cells are not run (default: "cuda cuda_build")')
    ap.add_argument('--timeout', type=int, default=3600, help='seconds one cell may run (default 3600)')
    a = ap.parse_args()
    start = time.perf_counter()
    store_outputs(a.notebook, set(a.skip.split()), a.timeout)
    print(f'{a.notebook}: outputs stored in {time.perf_counter() - start:.0f} s; now run nbdev_clean on it')
