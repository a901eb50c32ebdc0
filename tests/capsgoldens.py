#!/usr/bin/python3
# `virt-defaults apply --caps` against what libvirt 9.0 stores under other QEMU versions.
#
# The goldens tests/capsgoldens/<version>.<arch>/<case>.xml (or .err) are what the QEMU
# driver of libvirt 9.0, the engine off, stores when tests/vdxml2xmldata/<case>.xml is
# defined on an emulator with the capabilities of libvirt's test file
# caps_<version>.<arch>.xml (or the error it refuses it with).  They come from the fork's
# tests/qemuxml2stored (fork/patches/0009), which fakes that emulator the way libvirt's
# qemuxml2xmltest does.  The capability files are copied into tests/capsdata/, so that
# the check needs no fork.
#
# The check (the default; TAP) runs, for every golden,
#   virt-defaults apply --generation 1 --context new --caps tests/capsdata/caps_V.A.xml IN
# and compares it with the golden as tests/vdxml2xmltest.c compares with the 7.2
# goldens (shared/oracle/devcmp.py L3): the same os/type arch and machine, and every
# device but <emulator> equal in full and in order, canonicalised (attribute order,
# whitespace, comments, <alias>); the stamp lives in <metadata> and is not compared.  A
# golden .err needs a refusal (exit status 1), with any wording.
#
# tests/capsgoldens-known.txt lists the cases the engine gets wrong today, with the
# reason; they report as TAP TODO.  A listed case that agrees is reported with a notice
# asking for its removal; a listed case that does not exist fails.
#
# usage: tests/capsgoldens.py [VIRT_DEFAULTS]
#
# Environment:
#   VD_TEST_REGENERATE_CAPS=1  rewrite tests/capsdata/ and tests/capsgoldens/ from the
#                              fork (build-aux/fork-build.sh first), then check
#   VD_FORK_DIR                the fork's directory (default: build-fork/)
#   VD_TEST_DEBUG=1            show the first differing device of TODO cases too
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from goldenfiles import read, write

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
TOP_DIR = os.path.dirname(TESTS_DIR)
IN_DIR = os.path.join(TESTS_DIR, 'vdxml2xmldata')
CAPS_DIR = os.path.join(TESTS_DIR, 'capsdata')
GOLDEN_DIR = os.path.join(TESTS_DIR, 'capsgoldens')
KNOWN = os.path.join(TESTS_DIR, 'capsgoldens-known.txt')

# The emulators: (QEMU version, libvirt's name of its architecture).  Versions libvirt
# 9.0 ships capabilities for, other than 7.2, which tests/vdxml2xmltest.c covers with
# real libvirt's goldens.
SETS = [
    ('4.2.0', 'x86_64'),
    ('6.2.0', 'x86_64'),
    ('8.0.0', 'x86_64'),
    ('4.2.0', 'aarch64'),
    ('6.2.0', 'aarch64'),
    ('7.0.0', 'aarch64'),
    ('4.2.0', 'ppc64'),
    ('6.2.0', 'ppc64'),
    ('7.1.0', 'ppc64'),
    ('4.2.0', 's390x'),
    ('5.2.0', 's390x'),
    ('6.0.0', 's390x'),
    ('5.0.0', 'riscv64'),
    ('5.2.0', 'riscv64'),
]

# The guests each emulator runs: libvirt runs ppc64le guests on qemu-system-ppc64.
GUEST_ARCHS = {
    'x86_64': ('x86_64',),
    'aarch64': ('aarch64',),
    'ppc64': ('ppc64', 'ppc64le'),
    's390x': ('s390x',),
    'riscv64': ('riscv64',),
}


def set_name(version, arch):
    return '%s.%s' % (version, arch)


def caps_file(version, arch):
    return os.path.join(CAPS_DIR, 'caps_%s.%s.xml' % (version, arch))


def inputs_for(arch):
    """The cases of tests/vdxml2xmldata whose guest runs on @arch's emulator."""
    return sorted(f[:-4] for f in os.listdir(IN_DIR)
                  if f.endswith('.xml') and f.split('-')[0] in GUEST_ARCHS[arch])


def goldens_of(version, arch):
    """{case: 'xml'|'err'} of the goldens stored for one emulator."""
    d = os.path.join(GOLDEN_DIR, set_name(version, arch))
    out = {}
    if os.path.isdir(d):
        for f in os.listdir(d):
            case, _, kind = f.rpartition('.')
            if kind in ('xml', 'err'):
                out[case] = kind
    return out


# ---- the canonical form of tests/vdxml2xmltest.c (devcmp.py L3) -----------------------

def canon(el, drop_mac=False):
    attrs = ''.join(' %s="%s"' % (k, v) for k, v in sorted(el.attrib.items()))
    parts = ['<%s%s>' % (el.tag, attrs)]
    if el.text and el.text.strip():
        parts.append(el.text)
    for c in el:
        if not isinstance(c.tag, str):
            continue
        if c.tag != 'alias' and not (drop_mac and c.tag == 'mac'):
            parts.append(canon(c))
        if c.tail and c.tail.strip():
            parts.append(c.tail)
    parts.append('</%s>' % el.tag)
    return ''.join(parts)


def devices(root, macless):
    devs = root.find('devices')
    if devs is None:
        return []
    return [canon(d, macless and d.tag == 'interface')
            for d in devs if isinstance(d.tag, str) and d.tag != 'emulator']


def os_type(root, attr):
    t = root.find('os/type')
    return None if t is None else t.get(attr)


def compare(input_xml, golden_xml, actual_xml):
    """(True, []) when @actual_xml agrees with @golden_xml, else (False, reasons)."""
    inp = ET.fromstring(input_xml)
    exp = ET.fromstring(golden_xml)
    act = ET.fromstring(actual_xml)
    why = []
    for attr in ('arch', 'machine'):
        e, a = os_type(exp, attr), os_type(act, attr)
        if e != a:
            why.append("os/type/@%s is '%s', libvirt has '%s'" % (attr, a, e))
    macless = not any(i.find('mac') is not None for i in inp.iter('interface'))
    ed, ad = devices(exp, macless), devices(act, macless)
    for i in range(max(len(ed), len(ad))):
        e = ed[i] if i < len(ed) else '(none)'
        a = ad[i] if i < len(ad) else '(none)'
        if e != a:
            why.append('device %d of %d differs from libvirt\'s (L3)\n'
                       '  libvirt: %s\n  engine:  %s' % (i + 1, len(ed), e, a))
            break
    if len(ed) != len(ad):
        why.append('%d devices, libvirt has %d' % (len(ad), len(ed)))
    return not why, why


# ---- the engine --------------------------------------------------------------------

def apply(vd, caps, infile):
    p = subprocess.run([vd, 'apply', '--generation', '1', '--context', 'new',
                        '--caps', caps, infile],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stdout, p.stderr.strip()


def check_case(vd, version, arch, case, kind):
    """(ok, reasons) for one golden."""
    infile = os.path.join(IN_DIR, case + '.xml')
    golden = os.path.join(GOLDEN_DIR, set_name(version, arch), '%s.%s' % (case, kind))
    if not os.path.exists(infile):
        return False, ['the golden has no input %s: regenerate' % os.path.relpath(infile, TOP_DIR)]
    rc, out, err = apply(vd, caps_file(version, arch), infile)
    if rc not in (0, 1):
        return False, ['virt-defaults exited with status %d: %s' % (rc, err)]
    libvirt = read(golden)
    if kind == 'err':
        if rc == 0:
            return False, ['libvirt refuses it (%s), the engine accepted it' % libvirt.strip()]
        return True, []
    if rc != 0:
        return False, ['libvirt accepts it, the engine refused it: %s' % err]
    return compare(read(infile), libvirt, out)


def load_known():
    """{'<version>.<arch>/<case>': reason} from tests/capsgoldens-known.txt."""
    known = {}
    for line in (read(KNOWN) or '').splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            name, _, reason = line.partition(' ')
            known[name] = reason.strip() or '?'
    return known


def run_check(vd):
    known = load_known()
    debug = os.environ.get('VD_TEST_DEBUG', '0') not in ('', '0')
    n = bad = 0
    seen = set()
    lines = []
    summary = []

    def tap(ok, name, why, todo=None):
        nonlocal n
        n += 1
        lines.append('%s %d - %s%s' % ('ok' if ok else 'not ok', n, name,
                                        ' # TODO %s' % todo if todo else ''))
        if why and (todo is None or debug):
            lines.extend('# ' + w for r in why for w in r.split('\n'))

    for version, arch in SETS:
        sname = set_name(version, arch)
        goldens = goldens_of(version, arch)
        cases = inputs_for(arch)
        agree = {'xml': 0, 'err': 0}
        listed = 0
        if not os.path.exists(caps_file(version, arch)):
            bad += 1
            tap(False, '%s: capabilities' % sname,
                ['no %s: regenerate with VD_TEST_REGENERATE_CAPS=1' %
                 os.path.relpath(caps_file(version, arch), TOP_DIR)])
            continue
        for case in sorted(set(cases) | set(goldens)):
            name = '%s/%s' % (sname, case)
            seen.add(name)
            if case not in goldens:
                bad += 1
                tap(False, name, ['no golden: regenerate with VD_TEST_REGENERATE_CAPS=1'])
                continue
            ok, why = check_case(vd, version, arch, case, goldens[case])
            if ok:
                agree[goldens[case]] += 1
                tap(True, name, [])
                if name in known:
                    lines.append('# NOTICE: %s now agrees with libvirt: remove it from '
                                 'tests/capsgoldens-known.txt' % name)
            elif name in known:
                listed += 1
                tap(False, name, why, known[name])
            else:
                bad += 1
                tap(False, name, why)
        total = len(goldens)
        summary.append('# %-14s %3d/%-3d agree (%d stored, %d refused); %d differ, %d of them '
                       'known' % (sname, agree['xml'] + agree['err'], total, agree['xml'],
                                  agree['err'], total - agree['xml'] - agree['err'], listed))

    for name in sorted(set(known) - seen):
        bad += 1
        tap(False, 'known list', ['tests/capsgoldens-known.txt names %s, which is not a case'
                                  % name])

    print('1..%d' % n)
    print('\n'.join(lines))
    print('\n'.join(summary))
    return 1 if bad else 0


# ---- regeneration from the fork --------------------------------------------------------

def regenerate():
    fork = os.environ.get('VD_FORK_DIR') or os.path.join(TOP_DIR, 'build-fork')
    prog = os.path.join(fork, 'libvirt', 'build', 'tests', 'qemuxml2stored')
    capsdata = os.path.join(fork, 'libvirt', 'tests', 'qemucapabilitiesdata')
    if not os.access(prog, os.X_OK):
        print('capsgoldens: no %s: build the fork (build-aux/fork-build.sh)' % prog,
              file=sys.stderr)
        return False
    env = dict(os.environ, VIR_TEST_DEFAULTS_ENGINE='off')
    os.makedirs(CAPS_DIR, exist_ok=True)
    changed = 0
    for version, arch in SETS:
        src = os.path.join(capsdata, 'caps_%s.%s.xml' % (version, arch))
        if read(src) != read(caps_file(version, arch)):
            shutil.copyfile(src, caps_file(version, arch))
            changed += 1
        d = os.path.join(GOLDEN_DIR, set_name(version, arch))
        os.makedirs(d, exist_ok=True)
        cases = inputs_for(arch)
        for case, kind in goldens_of(version, arch).items():
            if case not in cases:
                os.unlink(os.path.join(d, '%s.%s' % (case, kind)))
                changed += 1
        for case in cases:
            p = subprocess.run([prog, arch, version, os.path.join(IN_DIR, case + '.xml')],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
            if p.returncode == 0:
                kind, text = 'xml', p.stdout
            elif p.returncode == 1 and p.stderr.strip():
                kind, text = 'err', p.stderr.strip().splitlines()[-1] + '\n'
            else:
                print('capsgoldens: %s %s %s: exit %d\n%s' % (prog, arch, version, case,
                                                              p.returncode, p.stderr),
                      file=sys.stderr)
                return False
            path = os.path.join(d, '%s.%s' % (case, kind))
            other = os.path.join(d, '%s.%s' % (case, 'err' if kind == 'xml' else 'xml'))
            if os.path.exists(other):
                os.unlink(other)
                changed += 1
            if read(path) != text:
                write(path, text)
                changed += 1
    print('capsgoldens: %d file(s) rewritten' % changed, file=sys.stderr)
    return True


def main(argv):
    vd = argv[0] if argv else os.path.join(TOP_DIR, 'build', 'src', 'virt-defaults')
    if os.environ.get('VD_TEST_REGENERATE_CAPS') == '1' and not regenerate():
        return 1
    return run_check(vd)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
