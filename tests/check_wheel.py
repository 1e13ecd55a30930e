"Run inside a fresh venv that installed only the built wheel (`make check-wheel`): the library must import and work."
import importlib, importlib.util, pkgutil
import torch
import torchcv_nb

dev = [m for m in ['nbdev', 'fastcore', 'execnb', 'jupyterlab', 'jupyter_core', 'nbconvert', 'pytest'] if importlib.util.find_spec(m)]
assert not dev, f'the wheel pulled in development tools: {dev}'
assert 'site-packages' in torchcv_nb.__file__, f'imported from {torchcv_nb.__file__}, not the installed wheel'
mods = [m.name for m in pkgutil.walk_packages(torchcv_nb.__path__, 'torchcv_nb.')]  # submodules too
for m in mods: importlib.import_module(m)
from torchcv_nb.core import create_model, list_models, default_device
assert str(default_device()) in ('cpu', 'cuda')
# the console script is installed next to the venv's python and runs
import subprocess, sys, tempfile
from pathlib import Path
script = Path(sys.executable).parent / 'torchcv_nb'
with tempfile.TemporaryDirectory() as d:
    subprocess.run([str(script), 'data', 'shapes', '--out', d, '--n', '4', '--size', '48', '--formats', 'coco', '--quiet'], check=True)
    assert (Path(d) / 'coco' / 'annotations' / 'instances_train.json').exists()
print(f'wheel ok: torchcv_nb {torchcv_nb.__version__}, modules {mods}, torch {torch.__version__}')
