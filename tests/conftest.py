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
    "Call with the seconds a notebook took; the terminal summary lists them all."
    return lambda secs, ok: _times.__setitem__(request.node.callspec.id, (secs, ok))

def pytest_terminal_summary(terminalreporter):
    if not _times: return
    tr = terminalreporter
    flags = tr.config.getoption('--flags') or '(none: fast tier)'
    tr.write_sep('=', f'notebook times, flags: {flags}')
    for name, (secs, ok) in sorted(_times.items(), key=lambda kv: -kv[1][0]):
        tr.write_line(f'{secs:8.1f} s  {"ok  " if ok else "FAIL"}  {name}')
    tr.write_line(f'{sum(s for s, _ in _times.values()):8.1f} s  total')
