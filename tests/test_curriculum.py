"The course's structure: names, sidebar, curriculum map, and the shape of a lesson (see ../shared/STYLE.md)."
import json, re
import pytest
import yaml
from nbrun import ROOT, lesson_notebooks

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
