"""Every user mistake ends in one line: a table of mistakes walked through the real console script.

Each row is the argv of one `torchcv_nb` command (after a setup that makes the bad file or folder); the command
must exit with status 2 and print exactly one line on stderr, containing the row's key phrase: what is wrong and
how to fix it, with no traceback. Besides the table: a bug inside the library still prints its traceback (so the
one-line treatment hides no bug); `test --images` with a corrupt image among good ones predicts the good ones,
names the bad one and exits with status 1; Ctrl-C during training saves a checkpoint and exits with status 130 and
one line saying how to resume."""
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import pytest

EXE = Path(sys.executable).parent / 'torchcv_nb'
TINY = ['solver.max_iters=2', 'data.num_train=32', 'data.num_val=16', 'data.image_size=32', 'data.batch_size=16']


def cli(*argv, env=None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *map(str, argv)], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={**os.environ, 'OMP_NUM_THREADS': '1', **(env or {})})


@pytest.fixture(scope='module')
def world(tmp_path_factory) -> Path:
    """Two tiny real runs of the Shapes ResNet-18 preset (`ok`: width 16, `narrow`: width 8, so their checkpoints do
    not fit each other), trained at once; a copy of `ok` whose checkpoints are all truncated; broken data sets."""
    w = tmp_path_factory.mktemp('mistakes')
    runs = {name: subprocess.Popen([str(EXE), 'train', 'cls/shapes_resnet18', '--out', str(w / name), '--quiet',
                                    '--set', *TINY, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, 'OMP_NUM_THREADS': '1'})
            for name, extra in {'ok': [], 'narrow': ['model.kwargs.width=8']}.items()}
    for name, p in runs.items():
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, f'training the {name} run failed:\n{err}'
    shutil.copytree(w / 'ok', w / 'trunc')
    for ckpt in (w / 'trunc' / 'checkpoints').glob('*.pt'): ckpt.write_bytes(ckpt.read_bytes()[:1000])
    (w / 'empty').mkdir()
    (w / 'file.txt').write_text('not a folder')
    (w / 'empty.pt').write_bytes(b'')
    (w / 'bad.json').write_text('{"images": [')       # also malformed: classification refuses --coco first
    # Pascal VOC with one malformed XML file (a non-numeric coordinate)
    voc = w / 'voc' / 'VOCdevkit' / 'VOC2007'
    for sub in ('Annotations', 'JPEGImages', 'ImageSets/Main'): (voc / sub).mkdir(parents=True)
    (voc / 'ImageSets' / 'Main' / 'trainval.txt').write_text('000001\n')
    (voc / 'ImageSets' / 'Main' / 'test.txt').write_text('000001\n')
    shutil.copy(w / 'ok' / 'figures' / 'loss.png', voc / 'JPEGImages' / '000001.jpg')
    (voc / 'Annotations' / '000001.xml').write_text(
        '<annotation><size><width>64</width><height>64</height><depth>3</depth></size><object><name>dog</name>'
        '<bndbox><xmin>1</xmin><ymin>two</ymin><xmax>30</xmax><ymax>30</ymax></bndbox></object></annotation>')
    # COCO with two images sharing one id
    coco = w / 'coco'
    for split in ('train', 'val'):
        (coco / split).mkdir(parents=True); (coco / 'annotations').mkdir(exist_ok=True)
        images = [{'id': 1, 'file_name': 'a.png', 'width': 64, 'height': 64},
                  {'id': 1, 'file_name': 'b.png', 'width': 64, 'height': 64}]
        (coco / 'annotations' / f'instances_{split}.json').write_text(json.dumps(
            {'images': images, 'categories': [{'id': 1, 'name': 'circle'}],
             'annotations': [{'id': 1, 'image_id': 1, 'category_id': 1, 'bbox': [1, 1, 10, 10], 'area': 100, 'iscrowd': 0}]}))
    return w


ROWS = {   # id: (argv with {w} for the world folder, key phrase of the one line)
    'data: unwritable --out':     (['data', 'shapes', '--out', '/sys/torchcv_nb_test', '--n', '4'], 'cannot write in'),
    'data: huge --size':          (['data', 'shapes', '--out', '{w}/d', '--size', '100000'], '4096'),
    'data: huge --n':             (['data', 'shapes', '--out', '{w}/d', '--n', '100000000'], 'at most 1,000,000 scenes'),
    'data: --workers 0':          (['data', 'shapes', '--out', '{w}/d', '--workers', '0'], 'workers=0: use an int >= 1'),
    'data: --workers -1':         (['data', 'shapes', '--out', '{w}/d', '--workers', '-1'], 'workers=-1: use an int >= 1'),
    'data: --splits twice':       (['data', 'shapes', '--out', '{w}/d', '--splits', 'train=0.5', 'train=0.5'], "'train' is given twice"),
    'train: unknown preset':      (['train', 'cls/shapes_resnet', '--out', '{w}/t0'], 'Did you mean: cls/shapes_resnet18'),
    'train: bad --set key':       (['train', 'cls/shapes_resnet18', '--out', '{w}/t1', '--set', 'solver.lrr=0.1'], 'Did you mean: solver.lr?'),
    'train: negative lr':         (['train', 'cls/shapes_resnet18', '--out', '{w}/t2', '--set', 'solver.lr=-0.1'], 'solver.lr must be > 0'),
    'train: zero epochs':         (['train', 'cls/shapes_resnet18', '--out', '{w}/t3', '--set', 'solver.epochs=0'], 'solver.epochs'),
    'train: diverging loss':      (['train', 'cls/shapes_resnet18', '--out', '{w}/t4', '--quiet', '--set', *TINY, 'solver.lr=1e30'], 'a lower learning rate (solver.lr'),
    'train: unwritable --out':    (['train', 'cls/shapes_resnet18', '--out', '/sys/torchcv_nb_run', '--set', *TINY], 'Cannot create the run folder'),
    'train: run exists':          (['train', 'cls/shapes_resnet18', '--out', '{w}/ok', '--set', *TINY], 'already holds a run'),
    'train: folder in use':       (['train', 'cls/shapes_resnet18', '--out', '{w}/busy', '--overwrite', '--set', *TINY], 'is in use by process'),
    'train: malformed VOC XML':   (['train', 'det/voc_ssd300', '--out', '{w}/t5', '--set', 'data.root={w}/voc/VOCdevkit/VOC2007', 'data.num_workers=0'], '000001.xml'),
    'train: COCO duplicate ids':  (['train', 'det/coco_yolov3', '--out', '{w}/t6', '--set', 'data.root={w}/coco', 'data.num_workers=0'], 'instances_train.json'),
    'resume: no run':             (['resume', '{w}/nowhere'], 'has no config.yaml'),
    'resume: truncated only':     (['resume', '{w}/trunc'], 'can be read'),
    'resume: other model':        (['resume', '{w}/ok', '--checkpoint', '{w}/narrow/checkpoints/latest.pt'], 'in the checkpoint and'),
    'val: no run':                (['val', '{w}/nowhere'], 'has no config.yaml'),
    'val: other model':           (['val', '{w}/ok', '--checkpoint', '{w}/narrow/checkpoints/latest.pt'], 'in the checkpoint and'),
    'val: no such checkpoint':    (['val', '{w}/ok', '--checkpoint', '{w}/ok/checkpoints/nope.pt'], 'No checkpoint at'),
    'val: zero-byte checkpoint':  (['val', '{w}/ok', '--checkpoint', '{w}/empty.pt'], 'empty.pt'),
    'test: --images not a folder': (['test', '{w}/ok', '--images', '{w}/file.txt'], 'give a folder of images'),
    'test: --images empty':       (['test', '{w}/ok', '--images', '{w}/empty'], 'holds no images'),
    'test: --coco, classification': (['test', '{w}/ok', '--images', '{w}/ok/figures', '--coco', '{w}/bad.json'], 'drop --coco'),
}


def run_row(world: Path, row: str) -> str | None:
    "Run one row of the table; None if it behaved, else what went wrong."
    argv, phrase = ROWS[row]
    argv = [a.replace('{w}', str(world)) for a in argv]
    holder = None
    if row == 'train: folder in use':      # a real live process holding the run folder's lock
        holder = subprocess.Popen([sys.executable, '-c', 'import sys, time\nfrom torchcv_nb.runner import run_lock\n'
                                   'with run_lock(sys.argv[1]):\n    print("held", flush=True); time.sleep(300)',
                                   str(world / 'busy')], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == 'held'
    try: r = cli(*argv)
    finally:
        if holder: holder.kill(); holder.wait()
    lines = r.stderr.strip().splitlines()     # when no checkpoint loads, the one error line names the skipped ones
    if (r.returncode, len(lines)) != (2, 1): return f'exit status {r.returncode}, stderr:\n{r.stderr}'
    if not (lines[0].startswith('torchcv_nb ') and phrase in lines[0]): return f'{lines[0]!r} lacks {phrase!r}'
    if holder and f'process {holder.pid}' not in lines[0]: return f'{lines[0]!r} does not name the holder {holder.pid}'
    fresh = row.startswith(('train: negative', 'train: zero', 'train: diverging', 'train: malformed', 'train: COCO'))
    if fresh and Path(argv[argv.index('--out') + 1]).exists():      # each row has its own --out
        return 'a failed start left its run folder behind'
    return None


def batch_keeps_going(world: Path) -> str | None:
    "`test --images` with a corrupt file among good ones: predictions for the good ones, the bad one named, status 1."
    images, out = world / 'mixed', world / 'mixed_out'
    images.mkdir()
    for k, src in enumerate(sorted((world / 'ok' / 'figures').glob('*.png'))): shutil.copy(src, images / f'good{k}.png')
    (images / 'bad.png').write_bytes((images / 'good0.png').read_bytes()[:300])
    r = cli('test', world / 'ok', '--images', images, '--out', out)
    if r.returncode != 1 or 'bad.png' not in r.stderr or 'Traceback' in r.stderr:
        return f'exit status {r.returncode}, stderr:\n{r.stderr}'
    failed = json.loads((out / 'failures.json').read_text())
    preds = json.loads((out / 'predictions.json').read_text())
    if [f['file'] for f in failed] != ['bad.png'] or not failed[0]['reason']: return f'failures.json: {failed}'
    if sorted(p['file'] for p in preds) != ['good0.png', 'good1.png']: return f'predictions of {[p["file"] for p in preds]}'
    return None


def ctrl_c_saves(world: Path) -> str | None:
    "Ctrl-C (SIGINT) during training: a checkpoint at the current step, one line saying how to resume, status 130."
    run = world / 'interrupted'
    p = subprocess.Popen([str(EXE), 'train', 'cls/shapes_resnet18', '--out', str(run), '--quiet', '--set', *TINY[1:],
                          'solver.max_iters=100000', 'train.log_every=1'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    while p.poll() is None and not (run / 'log.csv').exists(): time.sleep(0.05)   # training has begun
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=300)
    lines = err.strip().splitlines()     # the trainer acknowledges the first Ctrl-C at once, then finishes the step
    if (p.returncode != 130 or 'Traceback' in err or not lines[-1].startswith('torchcv_nb train: Interrupted')
            or f'torchcv_nb resume {run}' not in lines[-1]):
        return f'exit status {p.returncode}, stderr:\n{err}'
    if not (run / 'checkpoints' / 'latest.pt').is_file() or (run / '.lock').exists():
        return f'after Ctrl-C the folder holds {sorted(str(f.relative_to(run)) for f in run.rglob("*"))}'
    return None


def test_each_mistake_is_one_line(world):
    """Every row of the table, through the console script, a few at a time (most of each is the start-up of a
    Python process that imports torch and every model), the batch check (exit status 1) and Ctrl-C (exit status
    130). Reports every row that misbehaves, not only the first."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        batch, ctrl_c = pool.submit(batch_keeps_going, world), pool.submit(ctrl_c_saves, world)
        problems = dict(zip(ROWS, pool.map(lambda row: run_row(world, row), ROWS)))
        problems['test: a corrupt image among good ones (exit 1)'] = batch.result()
        problems['train: Ctrl-C (exit 130)'] = ctrl_c.result()
    bad = {row: p for row, p in problems.items() if p}
    assert not bad, '\n'.join(f'{row}: {p}' for row, p in bad.items())
    # the refused commands changed nothing in the runs they named
    assert not (world / 'ok' / '.lock').exists() and not (world / 'd').exists()
    assert json.loads((world / 'ok' / 'metrics.json').read_text())['iterations'] == 2


def test_library_bug_keeps_its_traceback(tmp_path):
    """A bug (here a KeyError planted in the runner through a sitecustomize module) is not a user mistake: the
    console script shows the traceback, with the usual exit status of an uncaught exception, 1."""
    (tmp_path / 'sitecustomize.py').write_text(
        'import torchcv_nb.runner as r\n'
        'def validate(run_dir, **kwargs): return {}["top1"]\n'
        'r.validate = validate\n')
    r = cli('val', tmp_path / 'nowhere', env={'PYTHONPATH': str(tmp_path)})
    assert r.returncode == 1 and 'Traceback (most recent call last)' in r.stderr and "KeyError: 'top1'" in r.stderr, r.stderr
