"""The notebook harness itself: a broken notebook must fail the run and the report must name the cell.

These use scratch notebooks written to a temporary folder, never the real lessons."""
import nbformat as nbf
import pytest
from nbrun import run_notebook

def write_nb(folder, *sources):
    "A notebook in `folder` with one code cell per source string."
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_code_cell(s) for s in sources]
    path = folder / 'scratch.ipynb'
    nbf.write(nb, path)
    return path

def test_good_notebook_passes(tmp_path):
    ok, secs, log = run_notebook(write_nb(tmp_path, 'x = 1', 'assert x == 1'))
    assert ok, log
    assert secs > 0

@pytest.mark.parametrize('bad, error', [
    ('def f(:\n    pass', 'SyntaxError'),
    ('assert 1 + 1 == 3, "arithmetic is broken"', 'arithmetic is broken'),
    ('raise RuntimeError("boom")', 'RuntimeError: boom'),
    ('from fastcore.test import test_eq\ntest_eq([1, 2], [1, 3])', 'AssertionError'),
    ('import torchcv_nb.no_such_module', 'ModuleNotFoundError'),
])
def test_broken_notebook_fails_and_names_the_cell(tmp_path, bad, error):
    ok, _, log = run_notebook(write_nb(tmp_path, 'x = 1', bad, 'y = 2'))
    assert not ok
    assert 'Cell #2' in log, log     # nbdev counts cells from 1
    assert error in log, log

def test_flagged_cells_skip_unless_their_flag_is_on(tmp_path):
    nb = write_nb(tmp_path, 'x = 1', '#| slow\nraise RuntimeError("slow cell ran")', '#| cuda\nraise RuntimeError("cuda cell ran")')
    ok, _, log = run_notebook(nb)
    assert ok, log
    ok, _, log = run_notebook(nb, flags=['slow'])
    assert not ok and 'slow cell ran' in log, log
    ok, _, log = run_notebook(nb, flags=['cuda'])
    assert not ok and 'cuda cell ran' in log, log

def test_eval_false_cells_never_run(tmp_path):
    ok, _, log = run_notebook(write_nb(tmp_path, '#| eval: false\nraise RuntimeError("should not run")'), flags=['slow', 'cuda'])
    assert ok, log

def test_timeout_is_a_failure(tmp_path):
    ok, _, log = run_notebook(write_nb(tmp_path, 'import time; time.sleep(60)'), timeout=10)
    assert not ok and 'Timed out' in log, log

def test_notebooks_do_not_share_state(tmp_path):
    (tmp_path / 'a').mkdir(); (tmp_path / 'b').mkdir()
    assert run_notebook(write_nb(tmp_path / 'a', 'import torch; torch.use_deterministic_algorithms(True)'))[0]
    ok, _, log = run_notebook(write_nb(tmp_path / 'b', 'import torch; assert not torch.are_deterministic_algorithms_enabled()'))
    assert ok, log


def test_nbstore_runs_like_jupyterlab_and_keeps_sources(tmp_path):
    """`tests/nbstore.py` runs every cell but the skipped flags in a real kernel, stores the new outputs, and leaves
    the sources and the skipped cells' stored outputs as they were."""
    import json
    from nbstore import store_outputs
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_code_cell('x = 41\nx + 1'), nbf.v4.new_code_cell('#| cuda\nraise RuntimeError("no GPU")'),
                nbf.v4.new_code_cell('#| slow\nprint("slow ran")')]
    nb.cells[1].outputs = [nbf.v4.new_output('stream', name='stdout', text='stored on a GPU machine\n')]
    path = tmp_path / 'scratch.ipynb'
    nbf.write(nb, path)
    before = [c['source'] for c in json.loads(path.read_text())['cells']]
    store_outputs(path, {'cuda', 'cuda_build'}, timeout=120)
    cells = json.loads(path.read_text())['cells']
    assert [c['source'] for c in cells] == before
    text = lambda t: ''.join(t)                  # nbformat stores multi-line text as a list of lines
    assert text(cells[0]['outputs'][0]['data']['text/plain']) == '42'
    assert text(cells[1]['outputs'][0]['text']) == 'stored on a GPU machine\n'
    assert text(cells[2]['outputs'][0]['text']) == 'slow ran\n'


def test_nbstore_stores_progress_bars_as_text(tmp_path):
    """A `tqdm.auto` bar (a widget in a live notebook) is stored as its last state on stdout; a skipped cell's old
    widget bar, which only ever showed 0%, is dropped; its other outputs stay."""
    import json
    from nbstore import WIDGET, store_outputs
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_code_cell('from tqdm.auto import tqdm\nfor _ in tqdm(range(5), desc="steps"): pass'),
                nbf.v4.new_code_cell('#| slow\nprint("trained")')]
    nb.cells[1].outputs = [nbf.v4.new_output('display_data', data={WIDGET: {'model_id': 'x', 'version_major': 2,
                                                                            'version_minor': 0},
                                                                   'text/plain': 'train:   0%|          | 0/60'}),
                           nbf.v4.new_output('stream', name='stdout', text='top1 0.98\n')]
    path = tmp_path / 'scratch.ipynb'
    nbf.write(nb, path)
    store_outputs(path, {'slow'}, timeout=120)
    cells = json.loads(path.read_text())['cells']
    [bar] = cells[0]['outputs']
    assert (bar['output_type'], bar['name']) == ('stream', 'stdout'), bar
    lines = ''.join(bar['text']).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('steps: 100%') and '5/5' in lines[0] and '\r' not in lines[0], lines
    assert [o['output_type'] for o in cells[1]['outputs']] == ['stream']
