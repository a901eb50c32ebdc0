#!/usr/bin/python3
# Check or regenerate the generation-1 goldens against real libvirt.
#
# Every tests/vdxml2xmldata/<case>.xml is defined on real libvirt 9.0 (the
# embedded QEMU driver, via ../shared/oracle/lvoracle.py) and what libvirt
# stored, or its error, is compared with tests/vdxml2xmloutdata/<case>.gen1.xml
# or <case>.gen1.err.
#
# usage: tests/oracle-goldens.py [CASE...]
#
#   without VD_TEST_REGENERATE_ORACLE=1: report every golden that differs from
#       what libvirt says now; exit 1 if any differs, 0 if all agree
#   with VD_TEST_REGENERATE_ORACLE=1: rewrite the goldens that differ (removing
#       a stale .gen1.xml/.gen1.err when the kind changed) and print a unified
#       diff of every changed golden
#
# Exit 77 (skip) when the oracle directory or python3-libvirt/lxml is missing,
# 99 when the oracle itself fails.
#
# Environment:
#   VD_ORACLE_DIR     directory holding lvoracle.py (default: ../shared/oracle
#                     relative to the top of the repository)
#   VD_ORACLE_ROOT    embedded libvirt root (default:
#                     ${XDG_CACHE_HOME:-~/.cache}/lvoracle); the first run on a
#                     new root probes every emulator, which takes about a minute
#   VD_TEST_REGENERATE_ORACLE=1   rewrite the goldens

import difflib
import os
import subprocess
import sys
import tempfile

from goldenfiles import read, write

SKIP = 77
HARD_ERROR = 99

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
TOP_DIR = os.path.dirname(TESTS_DIR)
IN_DIR = os.path.join(TESTS_DIR, 'vdxml2xmldata')
OUT_DIR = os.path.join(TESTS_DIR, 'vdxml2xmloutdata')
GEN = 'gen1'
KINDS = ('xml', 'err')


def golden(case, kind):
    return os.path.join(OUT_DIR, '%s.%s.%s' % (case, GEN, kind))


def rel(path):
    return os.path.relpath(path, TOP_DIR)


def udiff(path, old, new):
    a = [] if old is None else old.splitlines(keepends=True)
    b = [] if new is None else new.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(a, b,
                                     'a/' + rel(path) if old is not None else '/dev/null',
                                     'b/' + rel(path) if new is not None else '/dev/null'):
        out.append(line if line.endswith('\n') else line + '\n\\ No newline at end of file\n')
    return ''.join(out)


def find_oracle():
    d = os.environ.get('VD_ORACLE_DIR') or os.path.join(TOP_DIR, '..', 'shared', 'oracle')
    d = os.path.abspath(d)
    script = os.path.join(d, 'lvoracle.py')
    return script if os.path.isfile(script) else None


def oracle_root():
    root = os.environ.get('VD_ORACLE_ROOT')
    if root:
        return os.path.abspath(root)
    cache = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(cache, 'lvoracle')


def list_cases():
    return sorted(f[:-4] for f in os.listdir(IN_DIR) if f.endswith('.xml'))


def golden_cases():
    suffixes = tuple('.%s.%s' % (GEN, k) for k in KINDS)
    out = set()
    for f in os.listdir(OUT_DIR):
        for s in suffixes:
            if f.endswith(s):
                out.add(f[:-len(s)])
    return out


def run_oracle(script, root, cases, tmp):
    inputs = [os.path.join(IN_DIR, c + '.xml') for c in cases]
    os.makedirs(root, exist_ok=True)
    p = subprocess.run([sys.executable, script, '--root', root, '--out', tmp] + inputs,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        if "Failed to parse user 'libvirt-qemu'" in p.stderr:
            sys.stderr.write("hint: useradd --system --no-create-home --user-group libvirt-qemu\n")
        sys.stderr.write('oracle-goldens: %s failed (exit %d)\n' % (script, p.returncode))
        sys.exit(HARD_ERROR)
    results = {}
    for c in cases:
        got = {k: read(os.path.join(tmp, '%s.%s' % (c, k))) for k in KINDS}
        present = [k for k in KINDS if got[k] is not None]
        if len(present) != 1:
            sys.stderr.write('oracle-goldens: the oracle wrote no single result for %s\n' % c)
            sys.exit(HARD_ERROR)
        results[c] = (present[0], got[present[0]])
    return results


def main(argv):
    regenerate = os.environ.get('VD_TEST_REGENERATE_ORACLE') == '1'

    script = find_oracle()
    if script is None:
        print('oracle-goldens: SKIP: no lvoracle.py (set VD_ORACLE_DIR)', file=sys.stderr)
        return SKIP
    try:
        import libvirt  # noqa: F401
        import lxml.etree  # noqa: F401
    except ImportError as e:
        print('oracle-goldens: SKIP: %s (python3-libvirt and python3-lxml are needed; '
              'run with /usr/bin/python3)' % e, file=sys.stderr)
        return SKIP

    all_cases = list_cases()
    if argv:
        cases = []
        for a in argv:
            c = os.path.basename(a)
            for suffix in ('.xml', '.%s.xml' % GEN, '.%s.err' % GEN):
                if c.endswith(suffix):
                    c = c[:-len(suffix)]
                    break
            if c not in all_cases:
                print('oracle-goldens: no such case: %s' % a, file=sys.stderr)
                return 2
            if c not in cases:
                cases.append(c)
        orphans = []
    else:
        cases = all_cases
        orphans = sorted(golden_cases() - set(all_cases))

    with tempfile.TemporaryDirectory(prefix='vd-oracle-') as tmp:
        results = run_oracle(script, oracle_root(), cases, tmp)

    differ = []
    for c in cases:
        kind, text = results[c]
        other = [k for k in KINDS if k != kind and os.path.exists(golden(c, k))]
        if read(golden(c, kind)) != text or other:
            differ.append(c)

    for c in orphans:
        print('stale golden(s) without input: %s' % c)
        if regenerate:
            for k in KINDS:
                path = golden(c, k)
                old = read(path)
                if old is not None:
                    sys.stdout.write(udiff(path, old, None))
                    os.unlink(path)

    for c in differ:
        kind, text = results[c]
        if not regenerate:
            old = {k: os.path.exists(golden(c, k)) for k in KINDS}
            if not any(old.values()):
                why = 'no golden'
            elif not old[kind]:
                why = 'libvirt now %s it' % ('accepts' if kind == 'xml' else 'refuses')
            else:
                why = 'golden differs'
            print('DIFFERS %s: %s' % (c, why))
            continue
        for k in KINDS:
            path = golden(c, k)
            old = read(path)
            new = text if k == kind else None
            if old == new:
                continue
            sys.stdout.write(udiff(path, old, new))
            if new is None:
                os.unlink(path)
            else:
                write(path, new)

    n = len(differ) + len(orphans)
    if regenerate:
        print('oracle-goldens: %d case(s) checked, %d golden set(s) rewritten' % (len(cases), n),
              file=sys.stderr)
        return 0
    if n:
        print('oracle-goldens: %d of %d case(s) differ from libvirt; regenerate with '
              'VD_TEST_REGENERATE_ORACLE=1 %s' % (n, len(cases), rel(os.path.abspath(__file__))),
              file=sys.stderr)
        return 1
    print('oracle-goldens: all %d case(s) agree with libvirt' % len(cases), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
