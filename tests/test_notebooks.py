"Every notebook in nbs/ is one test: it runs top to bottom, skipping cells whose flags are not turned on."
import pytest
from pathlib import Path
from nbrun import ROOT, lesson_notebooks, run_notebook

NOTEBOOKS = lesson_notebooks()

@pytest.mark.parametrize('nb', NOTEBOOKS, ids=[str(p.relative_to(ROOT / 'nbs')) for p in NOTEBOOKS])
def test_notebook(nb, nb_flags, nb_timeout, record_time):
    ok, secs, log = run_notebook(nb, nb_flags, timeout=nb_timeout)
    record_time(secs, ok)
    assert ok, f'{nb.relative_to(ROOT)} failed:\n{log}'
