import os
import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def pytest_addoption(parser):
    g = parser.getgroup('notebooks')
    g.addoption('--flags', default=os.environ.get('TORCHCV_TEST_FLAGS', ''),
                help='space-separated notebook test flags to run (settings.ini tst_flags: slow cuda cuda_build); '
                     'default: none, the fast tier')
    g.addoption('--nb-timeout', type=float, default=3600, help='seconds one notebook may run (default 3600)')

@pytest.fixture(scope='session')
def nb_flags(request): return request.config.getoption('--flags').split()

@pytest.fixture(scope='session')
def nb_timeout(request): return request.config.getoption('--nb-timeout')

_times = {}

@pytest.fixture
def record_time(request):
    """Call with the seconds a notebook took; the terminal summary lists them all. The time travels in the test's
    report, so it reaches the summary also when pytest-xdist runs the notebooks in worker processes."""
    return lambda secs, ok: request.node.user_properties.append(('notebook_time', (secs, ok)))

def pytest_runtest_logreport(report):
    if report.when != 'call': return
    for key, value in report.user_properties:
        if key == 'notebook_time': _times[report.nodeid.split('[', 1)[-1].rstrip(']')] = tuple(value)

def pytest_collection_modifyitems(config, items):
    """Start the notebooks known to be slow first, so parallel workers finish together (see `SLOW_FIRST`): the
    Makefile hands tests to the workers one at a time in this order (`--dist load --maxschedchunk 1`)."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda it: rank.get(getattr(getattr(it, 'callspec', None), 'id', None), len(rank)))

# The longest notebooks in the full tier (training cells, C++ builds), longest first (measured by the CI run of
# 2026-12-07, classification lessons moved down for their channels-last speed-up); the rest keep their order.
SLOW_FIRST = ['69_models.faster_rcnn_inspect.ipynb', '64_models.ssd.ipynb', '72_models.mask_rcnn_shapes.ipynb',
              '51_models.deeplabv3.ipynb', '65_models.yolov3.ipynb', '68_models.faster_rcnn.ipynb',
              '52_models.pspnet.ipynb', '44_models.shufflenetv1.ipynb', '54_models.ann.ipynb',
              '91_tutorial.digits.ipynb', '45_models.shufflenetv2.ipynb', '53_models.denseaspp.ipynb',
              '41_models.vgg.ipynb', '46_models.dfnet.ipynb', '21_ops.extension.ipynb', '43_models.densenet.ipynb',
              '62_tasks.detection.ipynb', '42_models.resnet.ipynb', '11_data.formats.ipynb', '38b_runner.ipynb',
              '29_ops.ipynb', '33_metrics.detection.ipynb', '71_models.mask_rcnn.ipynb', '39_train.ddp.ipynb',
              '22_ops.nms.ipynb', '67_models.rpn.ipynb', '23_ops.roi.ipynb', '24_ops.deform_conv.ipynb']

def pytest_terminal_summary(terminalreporter):
    if not _times: return
    tr = terminalreporter
    flags = tr.config.getoption('--flags') or '(none: fast tier)'
    tr.write_sep('=', f'notebook times, flags: {flags}')
    for name, (secs, ok) in sorted(_times.items(), key=lambda kv: -kv[1][0]):
        tr.write_line(f'{secs:8.1f} s  {"ok  " if ok else "FAIL"}  {name}')
    tr.write_line(f'{sum(s for s, _ in _times.values()):8.1f} s  total (notebook seconds, summed over workers)')
