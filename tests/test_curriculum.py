"The course's structure: names, sidebar, curriculum map, and the shape of a lesson (see ../shared/STYLE.md)."
import json, re
import pytest
import yaml
from nbrun import ROOT, lesson_notebooks
from nbstore import WIDGET

NBS = ROOT / 'nbs'
NOTEBOOKS = lesson_notebooks()
NAME = re.compile(r'^(\d\d[a-z]?)_([a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*)\.ipynb$')
LESSONS = [p for p in NOTEBOOKS if p.name != 'index.ipynb']

def cells(path): return json.loads(path.read_text())['cells']
def source(cell): return ''.join(cell['source'])

def sidebar_entries(contents):
    for item in contents:
        if isinstance(item, dict): yield from sidebar_entries(item.get('contents', []))
        else: yield item

def test_every_notebook_is_in_the_sidebar_once():
    entries = list(sidebar_entries(yaml.safe_load((NBS / 'sidebar.yml').read_text())['website']['sidebar']['contents']))
    assert sorted(entries) == sorted(str(p.relative_to(NBS)) for p in NOTEBOOKS), \
        'nbs/sidebar.yml must list every notebook exactly once (and nothing else)'

def test_every_lesson_is_linked_from_the_curriculum_map():
    index = '\n'.join(source(c) for c in cells(NBS / 'index.ipynb'))
    missing = [p.name for p in LESSONS if f']({p.relative_to(NBS)})' not in index]
    assert not missing, f'add these to the curriculum map in nbs/index.ipynb: {missing}'

@pytest.mark.parametrize('nb', LESSONS, ids=[p.name for p in LESSONS])
def test_lesson_shape(nb):
    m = NAME.match(nb.name)
    assert m, f'{nb.name}: name it NN_area.module.ipynb (STYLE.md)'
    cs = cells(nb)
    exp = [re.search(r'^#\|\s*default_exp\s+(\S+)', source(c), re.M) for c in cs if c['cell_type'] == 'code']
    exp = [e.group(1) for e in exp if e]
    module = m.group(2)
    if (ROOT / 'torchcv_nb' / module.replace('.', '/')).is_dir(): module += '.__init__'  # `29_ops` is the ops package
    if module.startswith('tutorial.'): assert not exp, f'{nb.name}: tutorials export nothing'
    else: assert exp == [module], f'{nb.name}: expected `#| default_exp {module}`, found {exp}'
    md = [source(c) for c in cs if c['cell_type'] == 'markdown']
    assert re.match(r'# \S.*\n+> \S', md[0]), f'{nb.name}: the first markdown cell must be `# Title` then `> one-line summary`'
    headings = [l for s in md for l in s.splitlines() if l.startswith('## ')]
    assert headings[-2:] == ['## Summary', '## Exercises'], f'{nb.name}: end with ## Summary and ## Exercises'

IMPORT = re.compile(r"^\s*(?:from\s+torchcv_nb\.([\w.]+)\s+import|import\s+torchcv_nb\.([\w.]+))|import_module\(['\"]torchcv_nb\.([\w.]+)['\"]",
                    re.M)

def map_order() -> list[str]:
    "The lessons in the order the curriculum map lists them (the reading order the home page promises)."
    index = '\n'.join(source(c) for c in cells(NBS / 'index.ipynb'))
    return list(dict.fromkeys(re.findall(r'\]\((\w[\w.]*\.ipynb)\)', index.split('### Lessons', 1)[1])))

def test_reading_order_is_dependency_order():
    """The home page says every lesson uses only what the lessons above it built: no lesson imports (at the top of a
    cell, inside a function, or through `import_module`) a module first exported by a lesson below it in the map.
    The quickstart, a tour of the finished library placed first, is the exception."""
    order = [n for n in map_order() if not n.startswith('90_')]
    built = {}                                   # module -> the first lesson (in reading order) that exports to it
    for i, name in enumerate(order):
        for c in cells(NBS / name):
            m = re.match(r'#\|\s*(?:default_exp\s+(\S+)|export\s+(\S+))', source(c)) if c['cell_type'] == 'code' else None
            if m and (mod := m.group(1) or m.group(2)): built.setdefault(mod, i)
    late = []
    for i, name in enumerate(order):
        for k, c in enumerate(cells(NBS / name)):
            if c['cell_type'] != 'code': continue
            for m in IMPORT.finditer(source(c)):
                mod = next(g for g in m.groups() if g)
                while mod and mod not in built: mod = mod.rpartition('.')[0]
                if mod and built[mod] > i: late.append(f'{name} cell {k} imports torchcv_nb.{mod} ({order[built[mod]]})')
    assert not late, 'a lesson imports a module built later: move the code or renumber the lessons\n' + '\n'.join(late)


@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_stored_outputs_show_without_a_kernel(nb):
    """The docs site, and a notebook opened without running it, cannot show a widget's state: a stored widget output
    must carry a picture of itself (`image/png`), and progress bars are stored as text (tests/nbstore.py does both)."""
    bad = [f'cell {i}: {"".join(o["data"].get("text/plain", ""))[:60]!r}' for i, c in enumerate(cells(nb))
           for o in c.get('outputs', []) if WIDGET in o.get('data', {}) and 'image/png' not in o['data']]
    assert not bad, f'{nb.name}: widget outputs with no picture (re-store them with tests/nbstore.py): {bad}'

def png_dpi(png: bytes) -> int | None:
    "The resolution matplotlib writes in a PNG's pHYs chunk (pixels per metre), in dots per inch; None without one."
    i = 8
    while i + 8 <= len(png):
        n, kind = int.from_bytes(png[i:i + 4], 'big'), png[i + 4:i + 8]
        if kind == b'pHYs':
            x, unit = int.from_bytes(png[i + 8:i + 12], 'big'), png[i + 16]
            return round(x * 0.0254) if unit == 1 else None
        if kind == b'IDAT': return None
        i += 12 + n
    return None

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_figures_are_stored_at_100_dpi_or_more(nb):
    "Figures readable on the docs site: every stored matplotlib figure was drawn at 100 dpi or more."
    import base64
    low = [(i, d) for i, c in enumerate(cells(nb)) for o in c.get('outputs', [])
           if 'image/png' in o.get('data', {})
           and (d := png_dpi(base64.b64decode(''.join(o['data']['image/png'])))) is not None and d < 100]
    assert not low, f'{nb.name}: figures below 100 dpi (cell, dpi): {low}; draw at dpi=100 and re-store the outputs'
