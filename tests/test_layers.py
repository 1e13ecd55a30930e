"""The library's layers, as issue 12 defines them: each module imports only modules of its own layer or below.

core (registry, device, seed) <- ops <- data, transforms <- models, metrics <- train (trainer, distributed, config)
<- tasks <- runner <- configs (presets) <- cli. `plotting` and `benchmark` sit beside core: anything may import them,
they import only core. Imports inside functions and `import_module('torchcv_nb.x')` calls count too."""
import ast, subprocess, sys
import pytest
from nbrun import ROOT

LIB = ROOT / 'torchcv_nb'
LAYERS = {'core': 0, 'plotting': 0, 'benchmark': 0, 'ops': 1, 'data': 2, 'transforms': 2, 'models': 3, 'metrics': 3,
          'train': 4, 'tasks': 5, 'runner': 6, 'configs': 7, 'cli': 8}

def module_name(path):
    parts = path.relative_to(LIB).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)

def layer(mod: str) -> int:
    top = mod.split('.')[0]
    if top not in LAYERS: raise KeyError(f'torchcv_nb.{mod} has no layer: add its top-level name to LAYERS in tests/test_layers.py')
    return LAYERS[top]

def imported(path):
    "The torchcv_nb modules (relative to the package) that the file at `path` imports, anywhere in the file."
    tree, here = ast.parse(path.read_text()), module_name(path)
    pkg = here.split('.') if path.name == '__init__.py' else here.split('.')[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - node.level + 1]
                if node.module: yield '.'.join(base + [node.module])
                else: yield from ('.'.join(base + [a.name]) for a in node.names)
            elif node.module and node.module.startswith('torchcv_nb.'): yield node.module[len('torchcv_nb.'):]
            elif node.module == 'torchcv_nb': yield from (a.name for a in node.names)
        elif isinstance(node, ast.Import):
            yield from (a.name[len('torchcv_nb.'):] for a in node.names if a.name.startswith('torchcv_nb.'))
        elif isinstance(node, ast.Call) and getattr(node.func, 'id', getattr(node.func, 'attr', None)) == 'import_module':
            if node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).startswith('torchcv_nb.'):
                yield node.args[0].value[len('torchcv_nb.'):]

FILES = sorted(p for p in LIB.rglob('*.py') if p.name != '_modidx.py' and p != LIB / '__init__.py')

@pytest.mark.parametrize('path', FILES, ids=[str(p.relative_to(LIB)) for p in FILES])
def test_no_module_imports_a_layer_above_it(path):
    here = module_name(path)
    up = [m for m in imported(path) if m and m != '__version__' and layer(m) > layer(here)]
    assert not up, f'torchcv_nb.{here} (layer {layer(here)}) imports {up} from a layer above it'

def test_plotting_and_benchmark_import_only_core():
    for name in ('plotting', 'benchmark'):
        bad = [m for m in imported(LIB / f'{name}.py') if m.split('.')[0] not in ('core', name)]
        assert not bad, f'torchcv_nb.{name} imports {bad}: it sits beside core and may import only core'

def test_models_load_neither_training_code_nor_matplotlib():
    probe = ("import sys, torchcv_nb.data, torchcv_nb.data.datasets, torchcv_nb.transforms, torchcv_nb.metrics, "
             "torchcv_nb.models as m; m.create_model('resnet18', num_classes=3); "
             "print(sorted(k for k in sys.modules if k.startswith(('torchcv_nb.train', 'torchcv_nb.tasks', "
             "'torchcv_nb.runner', 'torchcv_nb.configs', 'matplotlib'))))")
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]', out.stdout
