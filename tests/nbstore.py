"""Run a lesson the way JupyterLab does (a real Jupyter kernel, every cell in order) and store its outputs in place.

The docs site shows the outputs stored in the notebooks; after a change to a lesson or to a preset it trains, run
this to refresh them. Cells flagged with one of `--skip` (default: `cuda cuda_build`, which need a GPU or compile
for minutes) are not run and keep their stored outputs, like `eval: false` cells and the closing `nbdev_export()`;
every other cell runs, `slow` ones included. Sources are left byte for byte as they were. Progress bars are stored
as text on stdout (each bar's last state), not as widgets: a reader of the docs, or of a notebook whose kernel is
not running, cannot display a widget's state, and a stderr stream looks like an error. Then `nbdev_clean` the
notebook. Usable on its own:
`OMP_NUM_THREADS=1 .venv/bin/python tests/nbstore.py nbs/42_models.resnet.ipynb`."""
import argparse, copy, json, re, sys, time, uuid
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

TEXT_BARS = """
import sys, tqdm.auto, tqdm.autonotebook, tqdm.std
class _TextBar(tqdm.std.tqdm):
    "tqdm.auto's bar as text on stdout, redrawn only at its start and end (the stored output keeps the end)."
    def __init__(self, *args, **kwargs):
        kwargs.setdefault('file', sys.stdout); kwargs['mininterval'] = 1e9
        super().__init__(*args, **kwargs)
tqdm.auto.tqdm = tqdm.autonotebook.tqdm = _TextBar
tqdm.auto.trange = tqdm.autonotebook.trange = lambda *args, **kwargs: _TextBar(range(*args), **kwargs)
"""
WIDGET = 'application/vnd.jupyter.widget-view+json'
BAR = re.compile(r'\d+%\|| \d+/\d+ \[')          # tqdm's text: '37%|' or ' 37/100 ['

def is_progress_widget(output) -> bool:
    "A progress bar stored as a widget (its text fallback is tqdm's first line, e.g. 'train:   0%|  | 0/60')."
    data = output.get('data', {})
    return WIDGET in data and bool(BAR.search(''.join(data.get('text/plain', ''))))

def execute(nb, path: Path, timeout: int, setup: str = '') -> None:
    """Run `nb` in place in a real kernel started in the notebook's folder, after the hidden `setup` code if any.
    Streams are stored as a terminal shows them: one output per stream, each line as last redrawn."""
    if setup: nb.cells.insert(0, nbformat.v4.new_code_cell(setup))
    executor = TimedExecutor(timeout=timeout, kernel_name='python3', coalesce_streams=True)
    executor.preprocess(nb, {'metadata': {'path': str(path.parent.resolve())}})
    if setup: nb.cells.pop(0)

def store_outputs(path: Path, skip: set[str], timeout: int) -> None:
    raw = json.loads(path.read_text())
    for cell in raw['cells']: cell.setdefault('id', uuid.uuid4().hex[:8])   # new cells: ids pair them with their run
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    run = copy.deepcopy(nb)
    run.cells = [c for c in run.cells if not (c.cell_type == 'code' and (     # nbdev's test skips the same cells
        flags(c.source) & skip or {'eval', 'false'} <= flags(c.source) or 'nbdev_export' + '(' in c.source))]
    execute(run, path, timeout, setup=TEXT_BARS)
    split_lines(run)                      # multi-line text as lists of lines, as nbformat writes notebooks
    new = {c.get('id'): c for c in run.cells if c.cell_type == 'code'}
    for cell in raw['cells']:
        if cell['cell_type'] != 'code': continue
        if cell.get('id') in new:
            cell['outputs'] = new[cell['id']].outputs
            cell['execution_count'] = new[cell['id']].execution_count
        else:                             # a skipped cell's old widget bar only ever showed 0%: drop it
            cell['outputs'] = [o for o in cell['outputs'] if not is_progress_widget(o)]
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
