"""Run All, the way a student runs a lesson in JupyterLab on a CPU-only laptop: a real kernel, every cell in order
(test flags mean nothing there, so `slow`, `cuda` and `cuda_build` cells run too), no GPU and no CUDA target
configured. GPU and CUDA-build cells must skip themselves with a message instead of failing."""
import pytest
import nbformat
from nbrun import ROOT
from nbstore import execute, flags

# The detection-transforms lesson (GPU cells) and the NMS lesson (a CUDA build cell besides its GPU cells); the
# transform explorer's widget is run in a real kernel and browser by tests/test_widget_browser.py
LESSONS = ['16_transforms.detection.ipynb', '22_ops.nms.ipynb']

def shown(cell) -> str:
    "Everything a cell printed or returned, as text."
    return ''.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/plain', '')) for o in cell.outputs)

@pytest.mark.parametrize('name', LESSONS, ids=LESSONS)
def test_run_all_on_a_cpu_only_laptop(name, nb_flags, monkeypatch):
    if 'slow' not in nb_flags: pytest.skip('runs every cell of a lesson, slow ones included: full tier only')
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')              # no GPU, even on a machine that has one
    monkeypatch.delenv('TORCH_CUDA_ARCH_LIST', raising=False)   # no CUDA target, as on a laptop
    path = ROOT / 'nbs' / name
    nb = nbformat.read(path, as_version=4)
    # the closing nbdev_export() would rewrite the library under the other tests: the one cell left out
    nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and 'nbdev_export' + '(' in c.source)]
    execute(nb, path, timeout=1800)                             # an error stops it, naming the cell
    gpu = [c for c in nb.cells if c.cell_type == 'code' and flags(c.source) & {'cuda', 'cuda_build'}]
    assert gpu, f'{name} has no GPU cells: pick a lesson that does'
    for c in gpu:
        assert 'skipped' in shown(c), f'{name}: a GPU cell ran without a GPU and said nothing:\n{c.source[:200]}'
