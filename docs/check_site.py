#!/usr/bin/env python
"""Check the built docs site (docs/_site) in headless Chromium, offline.

    .venv/bin/python docs/build.py && .venv/bin/python docs/check_site.py

Serves docs/_site on 127.0.0.1 (random free port, in a thread) under settings.ini's doc_baseurl (/torchcv_nb/), as
GitHub Pages will, and opens every page with Playwright driving the system's Chromium (`chromium`,
`chromium-browser` or `google-chrome` on PATH; $CHROMIUM overrides; Playwright's own browsers are never
downloaded, so `playwright install` is not needed). Checks:

  pages       every notebook in nbs/ (not starting with _ or .) has a page, served with HTTP 200
  theme       the theme's stylesheet applied (Bootstrap variables set, navbar coloured)
  title       the page's h1 is the notebook's `# Title`, and its `> summary` is the description under it
  quarto      no front matter printed as text; no `#|` cell options left in code (echo: false etc. honoured)
  images      every <img> loaded (naturalWidth > 0)
  math        pages whose notebook has $...$ maths show KaTeX output, with no KaTeX errors and no raw maths left
  api         every function and class in a module's __all__ has its show_doc entry (heading + signature) on its
              notebook's page
  links       every same-site link resolves (HTTP 200), and its #anchor exists on the target page
  offline     no request leaves 127.0.0.1 (all are blocked and reported), no failed local request
  console     no console errors or uncaught exceptions
  sidebar     the sidebar lists the pages in the order of nbs/sidebar.yml, and lists every page
  search      search.json covers every page; typing a word found in one lesson only into the search box
              shows that lesson as the top result (served over http, and opened from file://)

Saves screenshots to docs/_artifacts/ (home.png and one lesson). Prints a report; exits 1 on any failure.
"""
import ast, functools, http.server, json, os, re, shutil, sys, threading, time, urllib.error, urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, unquote

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / 'docs' / '_artifacts'
LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
               '--disable-component-update', '--disable-sync']
T0 = time.perf_counter()

# ---------------------------------------------------------------- report
class Report:
    def __init__(self): self.results = {}  # check -> list of (ok, msg)
    def ok(self, check, msg=''): self.results.setdefault(check, []).append((True, msg))
    def fail(self, check, msg): self.results.setdefault(check, []).append((False, msg))
    def check(self, check, cond, msg):
        (self.ok if cond else self.fail)(check, msg)
        return cond
    def failures(self): return [(c, m) for c, rs in self.results.items() for ok, m in rs if not ok]
    def print(self):
        print('\n== docs site check ==')
        for c, rs in self.results.items():
            bad = [m for ok, m in rs if not ok]
            print(f'{"FAIL" if bad else "ok  "}  {c:8s} {len(rs) - len(bad)}/{len(rs)} passed')
            for m in bad: print(f'        - {m}')

# ---------------------------------------------------------------- the sources: notebooks, sidebar, library
MATH = re.compile(r'\$\$.+?\$\$|(?<![\\$])\$(?=\S)[^$\n]*?(?<=[^\s\\])\$(?!\d)|\\\(.+?\\\)|\\\[.+?\\\]', re.S)

def strip_code(md):
    md = re.sub(r'^(```|~~~).*?^\1', '', md, flags=re.S | re.M)
    return re.sub(r'`[^`\n]*`', '', md)

def cell_src(c): return c['source'] if isinstance(c['source'], str) else ''.join(c['source'])

def read_notebook(path):
    nb = json.loads(path.read_text(encoding='utf-8'))
    title = summary = None
    md = [cell_src(c) for c in nb.get('cells', []) if c.get('cell_type') == 'markdown']
    for s in md:
        m = re.search(r'^#\s+(.+?)\s*$', s, re.M)
        if m:
            title = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', m.group(1)).replace('`', '').replace('**', '').strip()
            rest = s[m.end():].lstrip('\n')
            sm = re.match(r'>\s*(.+)', rest)
            summary = sm.group(1).strip() if sm else None
            break
    has_math = any(MATH.search(strip_code(s)) for s in md)
    return dict(title=title, summary=summary, has_math=has_math)

def page_of(src):
    "A source path in nbs/ (notebook, qmd, md) -> its page's path in the site."
    return re.sub(r'\.(ipynb|qmd|md)$', '.html', str(src))

def sidebar_order(nbs):
    import yaml
    f = nbs / 'sidebar.yml'
    if not f.exists(): return None
    y = yaml.safe_load(f.read_text(encoding='utf-8')) or {}
    sb = (y.get('website') or {}).get('sidebar') or {}
    if isinstance(sb, list): sb = sb[0] if sb else {}
    out = []
    def walk(items):
        for it in items or []:
            if isinstance(it, str): out.append(page_of(it))
            elif isinstance(it, dict):
                if it.get('href') or it.get('file'): out.append(page_of(it.get('href') or it.get('file')))
                walk(it.get('contents'))
    walk(sb.get('contents'))
    return out

def api_symbols(lib, nbs):
    """Notebook (relative to nbs/) -> the functions and classes in its module's __all__: what nbdev gives a show_doc
    entry of its own (exported variables, such as a registry instance, get none unless the notebook asks)."""
    res = {}
    for py in sorted(lib.rglob('*.py')):
        if any(p.startswith('_') for p in py.relative_to(lib).parts): continue
        text = py.read_text(encoding='utf-8')
        m = re.search(r'File to edit: (\S+?\.ipynb)', text[:500])
        if not m: continue
        nb = (py.parent / m.group(1)).resolve()
        try: nb_rel = nb.relative_to(nbs.resolve())
        except ValueError: continue
        body = ast.parse(text).body
        names = []
        for node in body:
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '__all__' for t in node.targets):
                try: names = list(ast.literal_eval(node.value))
                except ValueError: pass
        defs = {n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        names = [n for n in names if n in defs]
        if names: res.setdefault(str(nb_rel), []).extend(names)
    return res

# ---------------------------------------------------------------- the server
class QuietHandler(http.server.SimpleHTTPRequestHandler):
    prefix = '/'
    def log_message(self, *a): pass
    def translate_path(self, path):
        "Serve the site under `prefix` only, as GitHub Pages does under /<repo>/: a root-absolute link then fails."
        if not path.startswith(self.prefix): return str(Path(self.directory) / '.no-such-file')
        return super().translate_path('/' + path[len(self.prefix):])

def serve(site, prefix='/'):
    "Serve `site` at http://127.0.0.1:<free port><prefix>, in a thread."
    prefix = '/' + prefix.strip('/') + '/' if prefix.strip('/') else '/'
    handler = type('Handler', (QuietHandler,), {'prefix': prefix})
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f'http://127.0.0.1:{srv.server_address[1]}{prefix}'

class IdParser(HTMLParser):
    def __init__(self):
        super().__init__(); self.ids = set()
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k == 'id' or (tag == 'a' and k == 'name'): self.ids.add(v)

@functools.lru_cache(maxsize=None)
def fetch(url):
    "(status, ids in the page)"
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            body, status = r.read(), r.status
    except urllib.error.HTTPError as e: return e.code, frozenset()
    except Exception as e: return str(e), frozenset()
    if not url.split('#')[0].split('?')[0].endswith(('.html', '/')): return status, frozenset()
    p = IdParser(); p.feed(body.decode('utf-8', 'replace'))
    return status, frozenset(p.ids)

def find_chromium():
    exe = os.environ.get('CHROMIUM')
    if exe: return exe if (Path(exe).exists() or shutil.which(exe)) else None
    for n in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(n): return shutil.which(n)
    return None

# ---------------------------------------------------------------- in the page
PAGE_STATE = r"""async () => {
  const imgs = Array.from(document.images);
  imgs.forEach(i => { i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); setTimeout(r, 5000); })));
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, .katex, script, style').forEach(e => e.remove());
  const norm = s => (s || '').replace(/\s+/g, ' ').trim();
  return {
    h1: Array.from(document.querySelectorAll('h1')).map(h => norm(h.innerText)),
    description: norm((document.querySelector('.description') || {}).innerText),
    badImgs: imgs.filter(i => !(i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0, 80)),
    nImgs: imgs.length,
    katex: document.querySelectorAll('.katex').length,
    katexErrors: Array.from(document.querySelectorAll('.katex-error')).map(e => norm(e.textContent).slice(0, 80)),
    mathUnrendered: Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('.katex')).map(e => norm(e.textContent).slice(0, 80)),
    text: clone.innerText,
    codeWithOptions: Array.from(document.querySelectorAll('pre code')).map(c => c.innerText).filter(t => /^\s*#\|/.test(t)).map(t => t.slice(0, 60)),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
    sidebar: Array.from(document.querySelectorAll('#quarto-sidebar a.sidebar-link[href]')).map(a => a.href),
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    primary: getComputedStyle(document.documentElement).getPropertyValue('--bs-primary').trim(),
    navbarBg: (document.querySelector('nav.navbar') ? getComputedStyle(document.querySelector('nav.navbar')).backgroundColor : 'no navbar'),
  };
}"""

API_STATE = r"""(names) => names.map(n => {
  // show_doc's heading reads exactly the name; its id may carry a suffix (`resize-1`) when a prose heading or a
  // name differing only in case (`Resize` / `resize`) took the plain slug first
  const hs = Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'));
  const h = hs.find(h => h.id && h.textContent.trim() === n) || hs.find(h => h.id === n.toLowerCase() || h.id === n);
  if (!h) return [n, 'no heading reading ' + n];
  const box = h.closest('.cell-output, .cell, section') || h.parentElement;
  const sig = Array.from(box.querySelectorAll('pre')).some(p => p.innerText.includes(n));
  return [n, sig ? '' : 'heading but no signature block naming it'];
})"""

# ---------------------------------------------------------------- main
def main():
    os.chdir(ROOT)
    from nbdev.config import get_config
    cfg = get_config()
    nbs, site, lib = Path(cfg.nbs_path), Path(cfg.doc_path), Path(cfg.lib_path)
    rep = Report()
    if not (site / 'index.html').exists():
        print(f'FAIL: {site} has no index.html: run `.venv/bin/python docs/build.py` first'); return 1
    exe = find_chromium()
    if not exe:
        print('FAIL: no Chromium: install Debian `chromium` (or set CHROMIUM=/path/to/chrome); '
              'Playwright\'s own browsers are not used'); return 1

    notebooks = sorted(p.relative_to(nbs) for p in nbs.rglob('*.ipynb')
                       if not any(part.startswith(('_', '.')) for part in p.relative_to(nbs).parts))
    info = {str(n): read_notebook(nbs / n) for n in notebooks}
    pages = {page_of(n): str(n) for n in notebooks}
    api = api_symbols(lib, nbs)
    lesson = next((p for p in pages if Path(p).stem.startswith('00_core')), None) or \
             next((p for p in pages if p != 'index.html'), 'index.html')

    srv, base = serve(site, str(cfg.get('doc_baseurl', '/')))  # as on GitHub Pages: /torchcv_nb/
    print(f'serving {site.relative_to(ROOT)} at {base}')
    from playwright.sync_api import sync_playwright
    external, local_bad, console = [], [], []
    page_states = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=True, args=LAUNCH_ARGS)
        ctx = browser.new_context(viewport={'width': 1280, 'height': 900}, service_workers='block')
        host = urlsplit(base).netloc

        def open_page(label):
            "A fresh tab whose blocked requests, failed local requests and console errors are filed under `label`."
            p = ctx.new_page()
            def route(r):
                sp = urlsplit(r.request.url)
                if sp.scheme in ('http', 'https', 'ws', 'wss') and sp.netloc != host:
                    external.append((label, r.request.url)); return r.abort()
                return r.continue_()
            p.route('**/*', route)
            # network failures are reported by the two handlers below, so their console echo is left out
            p.on('console', lambda m: m.type == 'error' and not m.text.startswith('Failed to load resource')
                 and console.append((label, m.text)))
            p.on('pageerror', lambda e: console.append((label, f'uncaught: {e}')))
            p.on('response', lambda r: r.status >= 400 and r.url.startswith(base)
                 and local_bad.append((label, f'HTTP {r.status}', r.url)))
            p.on('requestfailed', lambda r: r.url.startswith(base) and not r.response()
                 and local_bad.append((label, r.failure, r.url)))
            return p

        # -------- every page
        for pth, src in sorted(pages.items()):
            nb = info[src]
            if not (site / pth).exists():
                rep.fail('pages', f'{src}: no page {pth} in {site}'); continue
            pg = open_page(pth)
            resp = pg.goto(base + pth, wait_until='load')
            if not rep.check('pages', resp is not None and resp.status == 200, f'{pth}: HTTP {resp and resp.status}'):
                pg.close(); continue
            s = pg.evaluate(PAGE_STATE)
            page_states[pth] = s
            # title + description
            if nb['title'] is None: rep.fail('title', f'{src}: the notebook has no `# Title` heading')
            else: rep.check('title', nb['title'] in s['h1'], f'{pth}: no h1 "{nb["title"]}" (h1s: {s["h1"]})')
            if nb['summary']:
                want = set(re.findall(r'\w+', nb['summary'].lower())); got = set(re.findall(r'\w+', s['description'].lower()))
                rep.check('title', want <= got, f'{pth}: the description under the title is "{s["description"][:80]}", not the summary "{nb["summary"][:80]}"')
            # Quarto semantics
            rep.check('quarto', not re.search(r'output-file:|^---\s*$\s*^(title|description):', s['text'], re.M),
                      f'{pth}: front matter printed as text')
            rep.check('quarto', not s['codeWithOptions'], f'{pth}: code shows `#|` cell options: {s["codeWithOptions"][:3]}')
            # the theme's stylesheet applied (a broken one leaves Bootstrap's variables unset)
            rep.check('theme', bool(s['primary']) and s['navbarBg'] not in ('rgba(0, 0, 0, 0)', 'transparent', 'no navbar'),
                      f'{pth}: the theme did not apply (--bs-primary "{s["primary"]}", navbar background {s["navbarBg"]})')
            # images
            rep.check('images', not s['badImgs'], f'{pth}: {len(s["badImgs"])} of {s["nImgs"]} image(s) did not load: {s["badImgs"][:3]}')
            # math
            if nb['has_math']:
                rep.check('math', s['katex'] > 0, f'{pth}: the notebook has $ maths but the page has no KaTeX output')
            if s['katexErrors']: rep.fail('math', f'{pth}: KaTeX errors: {s["katexErrors"][:3]}')
            if s['mathUnrendered']: rep.fail('math', f'{pth}: maths left unrendered: {s["mathUnrendered"][:3]}')
            raw = MATH.findall(s['text'])
            if nb['has_math'] or raw: rep.check('math', not raw, f'{pth}: raw maths in the text: {[r[:60] for r in raw[:3]]}')
            # api
            names = api.get(src, [])
            if names:
                for n, prob in pg.evaluate(API_STATE, names):
                    rep.check('api', not prob, f'{pth}: `{n}`: {prob}')
            # links
            here = set(s['ids'])
            for href in sorted(set(s['links'])):
                if not href.startswith(base): continue
                path, _, frag = href[len(base):].partition('#')
                path = unquote(path.split('?')[0])
                frag = unquote(frag)
                if path == pth:  # an anchor on this page: look in the live page
                    rep.check('links', not frag or frag in here, f'{pth}: link #{frag}: no such id on the page'); continue
                status, ids = fetch(base + (path or ''))
                if status != 200: rep.fail('links', f'{pth}: link {path or "/"}: HTTP {status}'); continue
                rep.check('links', not frag or frag in ids, f'{pth}: link {path}#{frag}: no such id on {path}')
            pg.close()

        # -------- sidebar order (read on the home page)
        order = sidebar_order(nbs)
        home = page_states.get('index.html')
        if order is None: rep.fail('sidebar', 'nbs/sidebar.yml is missing')
        elif home is None: rep.fail('sidebar', 'no home page to read the sidebar from')
        else:
            shown = [h[len(base):].split('#')[0] for h in home['sidebar'] if h.startswith(base)]
            rep.check('sidebar', shown == order, f'the sidebar lists {shown}, nbs/sidebar.yml says {order}')
            for p in order:
                rep.check('sidebar', p in pages, f'nbs/sidebar.yml lists {p}, which is no notebook in nbs/')
            for p in pages:
                rep.check('sidebar', p in shown, f'{p} is not in the sidebar (add it to nbs/sidebar.yml)')

        # -------- search
        try: index = json.loads((site / 'search.json').read_text(encoding='utf-8'))
        except Exception as e: index = None; rep.fail('search', f'search.json unreadable: {e}')
        if index is not None:
            covered = {e['href'].split('#')[0] for e in index}
            for p in pages: rep.check('search', p in covered, f'search.json has no entry for {p}')
            def words(entries): return set(re.findall(r'[A-Za-z]{6,}', ' '.join(f'{e["title"]} {e["section"]} {e["text"]}' for e in entries).lower()))
            mine = words(e for e in index if e['href'].split('#')[0] == lesson)
            others = ' '.join(f'{e["title"]} {e["section"]} {e["text"]}' for e in index if e['href'].split('#')[0] != lesson).lower()
            unique = sorted((w for w in mine if w not in others), key=lambda w: (-len(w), w))
            if not unique: rep.fail('search', f'no word appears in {lesson} only; cannot test search')
            else:
                word = unique[0]
                for label, url in [('search', base + 'index.html'), ('search from file://', (site / 'index.html').resolve().as_uri())]:
                    pg = open_page(label)
                    pg.goto(url, wait_until='load')
                    pg.fill('#quarto-search input, .smalldocs-search input', word)
                    try:
                        pg.wait_for_selector('.smalldocs-search-results a.search-result', timeout=5000)
                        hits = pg.eval_on_selector_all('.smalldocs-search-results a.search-result', 'as => as.map(a => a.href)')
                        top = urlsplit(hits[0]).path.rsplit('/', 1)[-1] if hits else None
                        rep.check('search', top == Path(lesson).name, f'{label}: "{word}" (only in {lesson}): top result is {top}, all: {hits[:5]}')
                        if label == 'search':
                            ARTIFACTS.mkdir(parents=True, exist_ok=True)
                            pg.screenshot(path=str(ARTIFACTS / 'search.png'))
                    except Exception as e:
                        rep.fail('search', f'{label}: typing "{word}" (only in {lesson}) into the search box showed no results ({type(e).__name__})')
                    pg.close()

        # -------- screenshots
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shots = []
        for name, pth in [('home', 'index.html'), (Path(lesson).stem, lesson)]:
            if (site / pth).exists():
                pg = open_page(f'screenshot of {pth}')
                pg.goto(base + pth, wait_until='load')
                out = ARTIFACTS / f'{name}.png'
                pg.screenshot(path=str(out), full_page=True)
                pg.close()
                shots.append(str(out.relative_to(ROOT)))
        browser.close()
    srv.shutdown()

    uniq = lambda xs: list(dict.fromkeys(xs))
    for p, u in uniq(external): rep.fail('offline', f'{p}: request to another host blocked: {u}')
    for p, st, u in uniq(local_bad): rep.fail('offline', f'{p}: local request failed ({st}): {u[len(base):]}')
    if not external and not local_bad: rep.ok('offline')
    for p, m in uniq(console): rep.fail('console', f'{p}: {m[:200]}')
    if not console: rep.ok('console')

    rep.print()
    print(f'screenshots: {", ".join(shots) or "none"}')
    fails = rep.failures()
    print(f'{len(pages)} page(s) checked in {time.perf_counter() - T0:.1f} s: '
          f'{"FAILED, " + str(len(fails)) + " problem(s)" if fails else "all checks passed"}')
    return 1 if fails else 0

if __name__ == '__main__':
    sys.exit(main())
