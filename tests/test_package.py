"The library imports without the development tools, and without initialising CUDA."
import configparser, subprocess, sys
from nbrun import ROOT

DEV_ONLY = ['nbdev', 'fastcore', 'execnb', 'jupyterlab', 'nbconvert', 'pytest', 'smalldocs', 'playwright']

def test_import_pulls_in_no_dev_tool():
    lib = ROOT / 'torchcv_nb'
    mods = ['torchcv_nb.' + '.'.join(p.relative_to(lib).with_suffix('').parts) for p in lib.rglob('[!_]*.py')]
    code = (f'import sys, torch, importlib\nfor m in {mods!r}: importlib.import_module(m)\n'
            f'bad = [m for m in {DEV_ONLY!r} if m in sys.modules]\nassert not bad, bad\n'
            'assert not torch.cuda.is_initialized()\nprint("ok")')
    p = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0 and 'ok' in p.stdout, p.stderr

def test_runtime_requirements_exclude_dev_tools():
    cfg = configparser.ConfigParser(delimiters=['=']); cfg.read(ROOT / 'settings.ini')
    runtime = cfg['DEFAULT']['requirements'].lower()
    assert not [m for m in DEV_ONLY + ['jupyter'] if m in runtime], runtime
