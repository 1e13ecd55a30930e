"""A real browser: the transform explorer of lesson 17 in JupyterLab, in Chromium, the way a student meets it.

A scratch notebook draws a circle and opens `transform_explorer` on it; JupyterLab runs it in a real kernel;
Chromium (driven by Playwright, as in `docs/check_site.py`) must show the sliders and the picture as widgets, not
their `HBox(children=...)` text, with the picture undistorted (a circle stays round: the image's box has the PNG's
aspect ratio), and the picture must change when the flip box is clicked (the kernel redraws it)."""
import json, os, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import nbformat
import pytest
from nbrun import ROOT

sys.path.insert(0, str(ROOT / 'docs'))
from check_site import LAUNCH_ARGS, find_chromium

CELL = """\
import torch
from torchcv_nb.transforms import transform_explorer
yy, xx = torch.meshgrid(torch.arange(128.), torch.arange(128.), indexing='ij')
disk = ((yy - 64) ** 2 + (xx - 40) ** 2 <= 30 ** 2)                   # off-centre, so a flip moves it
image = (disk * 255).to(torch.uint8).expand(3, -1, -1).clone()
target = {'boxes': torch.tensor([[10., 34., 70., 94.]]), 'labels': torch.tensor([0])}
explorer = transform_explorer(image, target, class_names=['circle'], figsize=(2, 2))   # shorter than the sliders
explorer"""

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

@pytest.fixture
def lab(tmp_path):
    "A JupyterLab server on a free port, serving a folder with the scratch notebook; yields its URL."
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    nbformat.write(nb, tmp_path / 'explorer.ipynb')
    port, token = free_port(), 'torchcv-nb-test'
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(tmp_path / '.cfg'), 'JUPYTER_RUNTIME_DIR': str(tmp_path / '.rt'),
           'OMP_NUM_THREADS': '1'}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
           f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={tmp_path}', '--LabApp.expose_app_in_browser=True',
           '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    if hasattr(os, 'geteuid') and os.geteuid() == 0: cmd.append('--allow-root')
    log = open(tmp_path / 'lab.log', 'w')
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=2); break
            except OSError:
                if server.poll() is not None: break
                time.sleep(0.5)
        else: pytest.fail('JupyterLab did not answer in 60 s:\n' + (tmp_path / 'lab.log').read_text()[-3000:])
        assert server.poll() is None, 'JupyterLab exited:\n' + (tmp_path / 'lab.log').read_text()[-3000:]
        yield f'{base}/lab/tree/explorer.ipynb?token={token}'
    finally:
        server.terminate()
        try: server.wait(20)
        except subprocess.TimeoutExpired: server.kill()
        log.close()

def test_transform_explorer_in_jupyterlab(lab):
    exe = find_chromium()
    if not exe: pytest.skip('no Chromium here: `make ensure-chromium` installs Debian\'s (make test does it first)')
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={'width': 1280, 'height': 900})
        page.goto(lab)
        page.wait_for_function('window.jupyterapp && document.querySelector(".jp-Notebook .jp-Cell")', timeout=90_000)
        page.wait_for_function("""() => {                            // the notebook is open and its kernel idle
            const w = window.jupyterapp.shell.currentWidget, s = w && w.sessionContext && w.sessionContext.session;
            return w && w.context && w.context.isReady && s && s.kernel && s.kernel.status === 'idle'; }""",
                               timeout=90_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        img = page.wait_for_selector('.jp-OutputArea-output img.widget-image', timeout=120_000)
        page.wait_for_function('img => img.complete && img.naturalWidth > 0', arg=img, timeout=30_000)
        shown = img.evaluate("""img => { const r = img.getBoundingClientRect();
            return {w: r.width, h: r.height, nw: img.naturalWidth, nh: img.naturalHeight, src: img.src}; }""")
        sliders = page.query_selector_all('.jp-OutputArea-output .widget-slider')
        text = page.inner_text('.jp-OutputArea')
        flip = page.wait_for_selector('.jp-OutputArea-output .widget-checkbox input[type=checkbox]')
        flip.click()
        page.wait_for_function('([img, before]) => img.src !== before', arg=[img, shown['src']], timeout=30_000)
        browser.close()
    assert len(sliders) == 8, f'{len(sliders)} sliders shown: the explorer has 8 (crop x3, scale, 4 colour)'
    assert 'HBox(children' not in text, text[:300]
    ratio, natural = shown['w'] / shown['h'], shown['nw'] / shown['nh']
    assert abs(ratio / natural - 1) < 0.02, f"the picture is drawn {shown['w']:.0f}x{shown['h']:.0f} for a " \
                                            f"{shown['nw']}x{shown['nh']} PNG: stretched out of shape"
