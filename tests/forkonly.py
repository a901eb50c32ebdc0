#!/usr/bin/env python3
# libvirt's own test programs on the fork with the engine in charge: under
# VIR_TEST_DEFAULTS_ENGINE=only the engine completes every definition at generation 1
# with libvirt's own default-adding code off and no stamp, so that libvirt's expected
# files, untouched, measure the engine.  Every case must pass, except those listed
# with their reason in tests/forkonly-known.txt; a listed case that passes must leave
# the list.  The control, VIR_TEST_DEFAULTS_ENGINE=none (neither adds defaults), is
# run too and reported.  TAP, with the pass counts per kind of case as comments.
#
# usage: tests/forkonly.py [--list]    (--list: print the failing cases, one a line,
#                                       in the form of the known-failures file)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORK = os.environ.get("VD_FORK_DIR", os.path.join(TOP, "build-fork"))
PROGRAMS = ("qemuxml2xmltest", "qemuxml2argvtest")
KINDS = ("CAPS_LATEST", "ARCH_LATEST", "CAPS_VER", "hand-picked", "no capabilities")

HEADER = re.compile(r"^ *\d+\) QEMU XML-2-(?:XML-(?:in)?active|ARGV) (\S+)")
INVOCATION = re.compile(r'\b(DO_TEST\w*)\s*\(\s*"([^"]+)"')
SUFFIX = re.compile(r"\.([a-z0-9_]+)-(latest|\d+\.\d+\.\d+)$")


def run(program, mode):
    """The cases of @program under @mode: an ordered list of (name, passed)."""
    env = dict(os.environ, VIR_TEST_DEFAULTS_ENGINE=mode, VIR_TEST_DEBUG="1")
    # set outside fork-run: the test program re-executes itself by its full path to
    # preload its mocks
    out = subprocess.run([os.path.join(TOP, "build-aux", "fork-run"), program],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         check=False).stdout.decode(errors="replace")
    cases = []
    for line in out.splitlines():
        m = HEADER.match(line)
        if m:
            cases.append([m.group(1), None])
            line = line[m.end():]
        if cases and cases[-1][1] is None:
            if line.rstrip().endswith("OK"):
                cases[-1][1] = True
            elif line.strip() == "FAILED" or line.rstrip().endswith("FAILED"):
                cases[-1][1] = False
    return [(name, bool(passed)) for name, passed in cases]


def source_kinds(program):
    """The kind of capabilities each test name of @program's source is run with."""
    path = os.path.join(FORK, "libvirt", "tests", program + ".c")
    kinds = {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for m in INVOCATION.finditer(text):
        macro, name = m.group(1), m.group(2)
        if "NOCAPS" in macro:
            kind = "no capabilities"
        elif "CAPS_ARCH_LATEST" in macro:
            kind = "ARCH_LATEST"
        elif "CAPS_LATEST" in macro:
            kind = "CAPS_LATEST"
        elif "CAPS_VER" in macro or "ARCH_VER" in macro:
            kind = "CAPS_VER"
        else:
            kind = "hand-picked"
        kinds.setdefault(name, kind)
    return kinds


def kind_of(name, kinds):
    m = SUFFIX.search(name)
    if m:
        if m.group(2) != "latest":
            return "CAPS_VER"
        return "CAPS_LATEST" if m.group(1) == "x86_64" else "ARCH_LATEST"
    return kinds.get(name, "hand-picked")


def read_known():
    """(program, name) -> reason, from tests/forkonly-known.txt."""
    known = {}
    reason = None
    with open(os.path.join(TOP, "tests", "forkonly-known.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("["):
                reason = line.strip("[] ")
                continue
            program, name = line.split()
            known[(program, name)] = reason
    return known


def main():
    listing = "--list" in sys.argv[1:]
    if not os.access(os.path.join(FORK, "libvirt", "build", "tests", PROGRAMS[0]), os.X_OK):
        print("1..0 # SKIP the fork is not built (build-aux/fork-build.sh)")
        return 0
    known = read_known()
    n = 0
    failed = 0

    def tap(ok, text):
        nonlocal n, failed
        n += 1
        failed += not ok
        print("%s %d - %s" % ("ok" if ok else "not ok", n, text))

    for program in PROGRAMS:
        kinds = source_kinds(program)
        cases = run(program, "only")
        control = run(program, "none")
        if listing:
            for name in sorted({name for name, ok in cases if not ok}):
                print(program, name)
            continue
        counts = collections.OrderedDict((k, [0, 0]) for k in KINDS)
        failing = set()
        for name, ok in cases:
            counts[kind_of(name, kinds)][0] += ok
            counts[kind_of(name, kinds)][1] += 1
            if not ok:
                failing.add(name)
        passed = sum(ok for _, ok in cases)
        print("# %s, VIR_TEST_DEFAULTS_ENGINE=only: %d/%d pass" % (program, passed, len(cases)))
        for kind, (good, total) in counts.items():
            print("#   %-16s %4d/%d" % (kind, good, total))
        print("# %s, VIR_TEST_DEFAULTS_ENGINE=none (control): %d/%d pass" %
              (program, sum(ok for _, ok in control), len(control)))
        tap(len(cases) > 0, "%s runs its cases under the engine alone (%d)" % (program, len(cases)))
        listed = {name for (prog, name) in known if prog == program}
        for name in sorted(failing - listed):
            tap(False, "%s %s fails under the engine alone and is not a known failure" %
                (program, name))
        for name in sorted(listed - failing):
            tap(False, "%s %s is listed as a known failure but passes: take it off the list" %
                (program, name))
        for name in sorted(failing & listed):
            # TAP's expected failure
            n += 1
            print("not ok %d - %s %s # TODO %s" % (n, program, name, known[(program, name)]))
        tap(not (failing - listed), "%s: every failure under the engine alone is a known one "
            "(%d known)" % (program, len(failing & listed)))
    if not listing:
        print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
