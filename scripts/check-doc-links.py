#!/usr/bin/env python3
"""Checks the links of the repository's Markdown: every relative link's file exists, and every #anchor names a
heading of its target (GitHub's rule: lowercase, punctuation dropped, spaces to '-', repeats get -1, -2...).
Usage: scripts/check-doc-links.py [files...]   (default: README.md, docs/*.md, bench/results/*.md, src/*/README.md)"""
import glob, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
files = sys.argv[1:] or (['README.md'] + sorted(glob.glob('docs/*.md')) + sorted(glob.glob('bench/results/*.md'))
                         + sorted(glob.glob('src/*/README.md')))

def prose(path):
    """The file's lines outside fenced code blocks."""
    out, fence = [], False
    for n, line in enumerate(open(path, encoding='utf-8'), 1):
        if line.startswith('```'):
            fence = not fence
        elif not fence:
            out.append((n, line))
    return out

def anchors(path):
    seen, result = {}, set()
    for _, line in prose(path):
        m = re.match(r'^#{1,6} +(.*?) *#* *$', line)
        if not m:
            continue
        slug = re.sub(r'[^\w\- ]', '', m.group(1).strip().lower()).replace(' ', '-')
        k = seen.get(slug, 0)
        seen[slug] = k + 1
        result.add(slug if k == 0 else f'{slug}-{k}')
    return result

bad = checked = 0
for f in files:
    for n, line in prose(f):
        for target in re.findall(r'\]\(([^)\s]+)\)', line):
            if re.match(r'^[a-z]+:', target):
                continue
            checked += 1
            path, _, frag = target.partition('#')
            dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
            if not os.path.exists(dest):
                print(f'{f}:{n}: {target}: no such file {dest}'); bad += 1
            elif frag and (not dest.endswith('.md') or frag not in anchors(dest)):
                print(f'{f}:{n}: {target}: no heading #{frag} in {dest}'); bad += 1
print(f'{checked} links checked in {len(files)} files, {bad} broken')
sys.exit(1 if bad else 0)
