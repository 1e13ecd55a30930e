#!/usr/bin/env python
"""Build the documentation site into docs/_site, offline, without Quarto.

    .venv/bin/python docs/build.py            # from the repository root (or anywhere)

`nbdev_docs` needs Quarto, which cannot be installed here, so this script does nbdev's part itself and hands
the processed notebooks to smalldocs, a pure-Python renderer of Quarto website projects:

1. nbdev: write nbs/nbdev.yml from settings.ini, rebuild the library's _modidx.py, and process every notebook
   into _proc/ (directives applied, `show_doc` rendered, the title and summary moved into front matter).
   This is `nbdev.quarto._pre_docs` minus `_ensure_quarto()`, which would try to download Quarto.
2. Apply the Quarto cell option smalldocs leaves out: `#| output: asis` on printed text renders it as Markdown.
3. smalldocs renders _proc/ (nbdev's _quarto.yml + nbdev.yml + sidebar.yml) into docs/_site.
4. KaTeX 0.16.11 goes into the site (site_libs/katex), from docs/_vendor/, filled once by `npm pack` and checked
   against the registry's sha512; pages load it by a relative path, so maths works offline, from file://,
   from a local server and under GitHub Pages' /torchcv_nb/ prefix.
5. Links that nbdev writes to the published site (doc_host + doc_baseurl, e.g. backticked symbols) become
   relative links (a method with no show_doc entry of its own links to its class's entry). nbdev's page names
   (`output-file`, e.g. core.html) get small redirect pages to smalldocs' names (00_core.html), so links into
   the published site keep working. search.js lets the search box work from file:// too.
6. Refuse any page or stylesheet that loads a resource from another host (the theme's Google Fonts import is
   removed first: the theme falls back to the system's sans-serif).

Exits non-zero, saying why, on any error or on a smalldocs warning that is not in BENIGN_WARNINGS.
"""
import hashlib, html, json, os, posixpath, re, shutil, subprocess, sys, tarfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / 'docs' / '_vendor'
KATEX_VERSION = '0.16.11'
KATEX_SHA512 = 'RQrI8rlHY92OLf3rho/Ts8i/XvjgguEjOkO1BEXcU3N8BqPpSzBNwV/G0Ukr+P/l3ivvJUE/Fa/CwbS6HesGNQ=='  # npm dist.integrity
KATEX_CDN = f'https://cdn.jsdelivr.net/npm/katex@{KATEX_VERSION}/dist/'
# smalldocs warnings about Quarto settings it does not need: nbdev's _quarto.yml sets them for Quarto.
BENIGN_WARNINGS = [
    r'^format commonmark is not built',        # nbdev renders the README with it; not part of the site
    r'^format\.html\.keep-md is ignored',
    r'^\S+\.ipynb: output-file is not read',   # step 5 handles nbdev's page names
]

T0 = time.perf_counter()
def say(msg): print(f'[docs {time.perf_counter() - T0:5.1f}s] {msg}', flush=True)
class BuildFailed(Exception): pass


# ---------------------------------------------------------------- 1. nbdev
def nbdev_steps():
    import nbdev.quarto, nbdev.doclinks, nbdev.serve
    from nbdev.config import get_config
    cfg = get_config()
    nbdev.quarto.refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    proc = ROOT / '_proc'
    if proc.exists(): shutil.rmtree(proc)  # no stale pages from renamed or deleted notebooks
    say(f'nbdev: refreshed {Path(cfg.nbs_path, "nbdev.yml").relative_to(ROOT)} and _modidx.py; processing notebooks '
        '(runs the export and show_doc cells)')
    nbdev.serve.proc_nbs(cfg.nbs_path, force=True)
    nbs = sorted(p.relative_to(proc) for p in proc.rglob('*.ipynb') if '_site' not in p.parts)
    if not nbs: raise BuildFailed(f'no notebooks were processed from {cfg.nbs_path}')
    say(f'nbdev: processed {len(nbs)} notebook(s) into _proc/: {", ".join(map(str, nbs))}')
    return cfg, proc


# ---------------------------------------------------------------- 2. Quarto cell options smalldocs lacks
def cell_opts(src):
    import yaml
    lines = []
    for l in src.splitlines():
        if not l.startswith('#|'): break
        lines.append(l[2:].strip())
    try: o = yaml.safe_load('\n'.join(lines)) if lines else {}
    except yaml.YAMLError: o = {}
    return o if isinstance(o, dict) else {}

def apply_asis(proc):
    "`#| output: asis`: Quarto renders a cell's printed text as Markdown; smalldocs would show it in a <pre>."
    n = 0
    for p in proc.rglob('*.ipynb'):
        nb = json.loads(p.read_text(encoding='utf-8'))
        changed = False
        for cell in nb.get('cells', []):
            if cell.get('cell_type') != 'code': continue
            src = cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])
            if cell_opts(src).get('output') != 'asis': continue
            for i, out in enumerate(cell.get('outputs', [])):
                if out.get('output_type') == 'stream' and out.get('name') == 'stdout':
                    text = out['text'] if isinstance(out['text'], str) else ''.join(out['text'])
                    cell['outputs'][i] = {'output_type': 'display_data', 'metadata': {}, 'data': {'text/markdown': text}}
                    changed = True; n += 1
        if changed: p.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding='utf-8')
    if n: say(f'asis: {n} printed output(s) turned into Markdown')


# ---------------------------------------------------------------- 3. smalldocs
def is_benign(w): return any(re.search(p, w) for p in BENIGN_WARNINGS)

def render(proc):
    "Render _proc/ with smalldocs into its output-dir (_proc/_site); the finished site is moved to doc_path last."
    from smalldocs.site import build
    site = build(proc, quiet=True)
    bad = [w for w in site.warnings if not is_benign(w)]
    for w in site.warnings: say(f'smalldocs {"WARNING" if w in bad else "note"}: {w}')
    if bad: raise BuildFailed(f'smalldocs reported {len(bad)} warning(s) that need fixing (listed above)')
    pages = sorted(str(p.out) for p in site.pages.values())
    say(f'smalldocs: rendered {len(pages)} page(s): {", ".join(pages)}')
    return site, Path(site.out)


# ---------------------------------------------------------------- 4. KaTeX, local
def katex_dist():
    "Unpack KaTeX from docs/_vendor (fetched once with `npm pack`, checked against the registry's sha512)."
    tgz, dist = VENDOR / f'katex-{KATEX_VERSION}.tgz', VENDOR / f'katex-{KATEX_VERSION}'
    if (dist / 'katex.min.js').exists(): return dist
    VENDOR.mkdir(parents=True, exist_ok=True)
    if not tgz.exists():
        npm = shutil.which('npm')
        if not npm: raise BuildFailed(f'KaTeX {KATEX_VERSION} is not in {VENDOR} and there is no npm to fetch it: '
                                      f'put katex-{KATEX_VERSION}.tgz (npm pack katex@{KATEX_VERSION}) there')
        say(f'katex: fetching katex@{KATEX_VERSION} with npm pack (once; cached in docs/_vendor/)')
        r = subprocess.run([npm, 'pack', f'katex@{KATEX_VERSION}', '--pack-destination', str(VENDOR), '--silent'],
                           capture_output=True, text=True)
        if r.returncode or not tgz.exists(): raise BuildFailed(f'npm pack katex@{KATEX_VERSION} failed:\n{r.stdout}{r.stderr}')
    import base64
    got = base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
    if got != KATEX_SHA512:
        tgz.unlink()
        raise BuildFailed(f'{tgz.name} does not match the npm registry sha512 (deleted it; run again)')
    tmp = VENDOR / 'tmp-unpack'
    if tmp.exists(): shutil.rmtree(tmp)
    with tarfile.open(tgz) as t: t.extractall(tmp, filter='data')
    if dist.exists(): shutil.rmtree(dist)
    shutil.move(str(tmp / 'package' / 'dist'), str(dist))
    shutil.copy(tmp / 'package' / 'LICENSE', dist / 'LICENSE')
    shutil.rmtree(tmp)
    return dist

def install_katex(site_dir, dist):
    dest = site_dir / 'site_libs' / 'katex'
    dest.mkdir(parents=True, exist_ok=True)
    for f in ['katex.min.css', 'katex.min.js', 'LICENSE', 'contrib/auto-render.min.js']:
        (dest / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(dist / f, dest / f)
    shutil.copytree(dist / 'fonts', dest / 'fonts', dirs_exist_ok=True)
    say(f'katex: {KATEX_VERSION} copied into the site (site_libs/katex)')


# ---------------------------------------------------------------- 5. links and page names
def front_matter(nb_path):
    import yaml
    nb = json.loads(nb_path.read_text(encoding='utf-8'))
    cells = nb.get('cells') or []
    if not cells or cells[0].get('cell_type') != 'raw': return {}
    src = ''.join(cells[0]['source']) if isinstance(cells[0]['source'], list) else cells[0]['source']
    m = re.match(r'\s*---\n(.*?)\n---', src, re.S)
    fm = yaml.safe_load(m.group(1)) if m else {}
    return fm if isinstance(fm, dict) else {}

def page_names(proc, site):
    "nbdev's name of each page (its `output-file`, as Quarto would write it) -> smalldocs' name."
    names = {}
    for page in site.pages.values():
        src = proc / str(page.src)
        of = front_matter(src).get('output-file') if src.suffix == '.ipynb' else None
        if of: names[posixpath.join(posixpath.dirname(str(page.out)), of)] = str(page.out)
    return names

HREF = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)(")', re.I)

def rewrite_pages(site_dir, site, names, cfg):
    """KaTeX from site_libs; links to the published site made relative. nbdev links a backticked method
    (`Registry.list`) to `#registry.list`, which exists only if the notebook calls show_doc on it: such a link
    goes to the nearest documented parent (`#registry`) instead, with a note."""
    pub = (cfg.doc_host.rstrip('/') + '/' + cfg.doc_baseurl.strip('/')).rstrip('/') + '/'
    pub_http = pub.replace('https://', 'http://', 1)
    outs = {str(p.out) for p in site.pages.values()}
    ids = {o: set(re.findall(r'\bid="([^"]*)"', (site_dir / o).read_text(encoding='utf-8'))) for o in outs}
    unknown, notes, n_links = set(), set(), 0
    for out in sorted(outs):
        f = site_dir / out
        text = f.read_text(encoding='utf-8')
        depth = out.count('/')
        offset = '../' * depth
        text = text.replace(KATEX_CDN, f'{offset}site_libs/katex/')

        def fix(m):
            nonlocal n_links
            href = html.unescape(m.group(2))
            for base in (pub, pub_http):
                if href.startswith(base): break
            else: return m.group(0)
            path, _, frag = href[len(base):].partition('#')
            path = path.split('?')[0] or 'index.html'
            if path.endswith('/'): path += 'index.html'
            target = names.get(path, path)
            if target not in outs and not (site_dir / target).is_file():
                unknown.add(href); return m.group(0)
            if frag and target in ids and frag not in ids[target]:
                parts = frag.split('.')
                parent = next(('.'.join(parts[:i]) for i in range(len(parts) - 1, 0, -1) if '.'.join(parts[:i]) in ids[target]), '')
                notes.add(f'{out}: #{frag} is not on {target} (no show_doc for it); linked to '
                          + (f'#{parent}' if parent else 'the top of the page'))
                frag = parent
            n_links += 1
            new = posixpath.relpath(target, posixpath.dirname(out) or '.') + (f'#{frag}' if frag else '')
            return m.group(1) + html.escape(new) + m.group(3)
        text = HREF.sub(fix, text)
        f.write_text(text, encoding='utf-8')
    say(f'links: {n_links} link(s) to {pub} made relative')
    for n in sorted(notes): say(f'links note: {n}')
    for h in sorted(unknown): say(f'links note: {h} names no page of this site; left as an external link')

# Browsers refuse fetch() on file://, so smalldocs' search would find nothing there: on file:// only, its fetch of
# search.json loads search.js (the same index as a script) instead.
FILE_SEARCH = ('<script>if(location.protocol==="file:"){const f=window.fetch;window.fetch=(u,o)=>/search\\.json$/.test(String(u))?'
               'new Promise((ok,no)=>{const s=document.createElement("script");s.src=String(u).replace(/json$/,"js");'
               's.onload=()=>ok(new Response(JSON.stringify(window.smalldocsSearchIndex||[])));s.onerror=no;'
               'document.head.appendChild(s)}):f(u,o)}</script>')

def search_for_file_urls(site_dir, site):
    idx = site_dir / 'search.json'
    if not idx.exists(): return
    (site_dir / 'search.js').write_text('window.smalldocsSearchIndex = ' + idx.read_text(encoding='utf-8') + ';\n', encoding='utf-8')
    for page in site.pages.values():
        f = site_dir / str(page.out)
        t = f.read_text(encoding='utf-8')
        if 'smalldocs.js' in t and FILE_SEARCH not in t:
            f.write_text(t.replace('</head>', FILE_SEARCH + '</head>', 1), encoding='utf-8')
    say('search: search.js written, so search works from file:// too')

REDIRECT = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Redirecting to {t}</title>'
            '<link rel="canonical" href="{t}"><meta http-equiv="refresh" content="0; url={t}">'
            '<script>location.replace({tj} + location.hash)</script></head>'
            '<body><p>This page has moved to <a href="{t}">{t}</a>.</p></body></html>\n')

def write_redirects(site_dir, site, names):
    outs = {str(p.out) for p in site.pages.values()}
    done = []
    for old, new in sorted(names.items()):
        if old == new or old in outs or (site_dir / old).exists(): continue
        t = posixpath.relpath(new, posixpath.dirname(old) or '.')
        (site_dir / old).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / old).write_text(REDIRECT.format(t=html.escape(t), tj=html.escape(json.dumps(t))), encoding='utf-8')
        done.append(f'{old} -> {new}')
    if done: say(f'redirects: {", ".join(done)}')


# ---------------------------------------------------------------- 6. nothing from other hosts
# `@import url("https://...")` or `@import "https://..."`, with media queries; a URL may hold `;` (Google Fonts' do)
EXT_IMPORT = re.compile(r'@import\s+(?:url\(\s*(["\']?)(?:https?:)?//.*?\1\s*\)|(["\'])(?:https?:)?//.*?\2)[^;{}]*;', re.I)
RESOURCE_ATTR = re.compile(r'<(script|link|img|source|iframe|embed|video|audio|track|object|input)\b([^>]*)>', re.I)
ATTR = re.compile(r'\b(src|href|srcset|data|poster)\s*=\s*("([^"]*)"|\'([^\']*)\')', re.I)
CSS_URL = re.compile(r'url\(\s*["\']?((?:https?:)?//[^"\')]+)', re.I)
JS_IMPORT = re.compile(r'\bimport\b[^;]*?["\']((?:https?:)?//[^"\']+)', re.I)

def strip_external_css(site_dir):
    for f in site_dir.rglob('*.css'):
        t = f.read_text(encoding='utf-8', errors='replace')
        t2 = EXT_IMPORT.sub('', t)
        if t2 != t:
            f.write_text(t2, encoding='utf-8')
            say(f'offline: removed an external @import from {f.relative_to(site_dir)}')

def is_external(u): return bool(re.match(r'^(?:https?:)?//', u.strip(), re.I))

def external_resources(site_dir):
    probs = []
    for f in sorted(site_dir.rglob('*.html')):
        t = f.read_text(encoding='utf-8', errors='replace')
        for tag in RESOURCE_ATTR.finditer(t):
            name, attrs = tag.group(1).lower(), tag.group(2)
            rel = re.search(r'\brel\s*=\s*["\']([^"\']*)', attrs, re.I)
            for a in ATTR.finditer(attrs):
                key, val = a.group(1).lower(), a.group(3) if a.group(3) is not None else a.group(4)
                if name == 'link' and key == 'href' and rel and not re.search(r'stylesheet|icon|preload|modulepreload|manifest|prefetch', rel.group(1), re.I):
                    continue  # canonical, license, ...: links, not loads
                urls = [u.strip().split(' ')[0] for u in val.split(',')] if key == 'srcset' else [val]
                probs += [f'{f.relative_to(site_dir)}: <{name} {key}="{u}">' for u in urls if is_external(u)]
        css = [m.group(1) for m in re.finditer(r'<style\b[^>]*>(.*?)</style>', t, re.S | re.I)]
        css += [html.unescape(m.group(2)) for m in re.finditer(r'\bstyle\s*=\s*(["\'])(.*?)\1', t, re.S | re.I)]
        for c in css:
            for m in CSS_URL.finditer(c): probs.append(f'{f.relative_to(site_dir)}: css url({m.group(1)})')
            for m in EXT_IMPORT.finditer(c): probs.append(f'{f.relative_to(site_dir)}: {m.group(0)}')
        for s in re.finditer(r'<script\b[^>]*>(.*?)</script>', t, re.S | re.I):
            for m in JS_IMPORT.finditer(s.group(1)): probs.append(f'{f.relative_to(site_dir)}: script imports {m.group(1)}')
    for f in sorted(site_dir.rglob('*.css')):
        t = f.read_text(encoding='utf-8', errors='replace')
        for m in CSS_URL.finditer(t): probs.append(f'{f.relative_to(site_dir)}: url({m.group(1)})')
    return probs


# ---------------------------------------------------------------- main
def main():
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))  # show_doc imports this checkout's library, not another install
    katex = katex_dist()           # first, so that a missing KaTeX fails before anything is written
    cfg, proc = nbdev_steps()
    apply_asis(proc)
    site, out = render(proc)
    install_katex(out, katex)
    names = page_names(proc, site)
    rewrite_pages(out, site, names, cfg)
    write_redirects(out, site, names)
    search_for_file_urls(out, site)
    (out / '.nojekyll').touch()
    strip_external_css(out)
    probs = external_resources(out)
    for p in probs: say(f'EXTERNAL RESOURCE {p}')
    if probs: raise BuildFailed(f'{len(probs)} reference(s) to resources on other hosts: the site must work offline')
    site_dir = Path(cfg.doc_path).resolve()
    if site_dir.exists(): shutil.rmtree(site_dir)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(out), str(site_dir))
    n_html = len(list(site_dir.rglob('*.html')))
    size = sum(f.stat().st_size for f in site_dir.rglob('*') if f.is_file()) / 1e6
    say(f'done: {len(site.pages)} page(s), {n_html} html file(s), {size:.1f} MB in {site_dir.relative_to(ROOT)} '
        f'in {time.perf_counter() - T0:.1f} s; check it with `.venv/bin/python docs/check_site.py`')

if __name__ == '__main__':  # nbdev's proc_nbs starts worker processes with `spawn`: keep this guard
    try: main()
    except BuildFailed as e:
        print(f'docs build FAILED: {e}', file=sys.stderr); sys.exit(1)
    except Exception as e:
        import traceback; traceback.print_exc()
        msg = str(e).strip().splitlines()
        print(f'docs build FAILED after {time.perf_counter() - T0:.1f} s: {type(e).__name__}: {" | ".join(msg[:3])}', file=sys.stderr)
        sys.exit(1)
