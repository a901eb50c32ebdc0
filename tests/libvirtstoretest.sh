#!/bin/bash
# libvirtstoretest.sh: the libvirt backend is a module, loaded only for a libvirt URI,
# as TAP.
#
#   linking          neither virt-defaults nor libvirt-defaults.so needs libvirt.so;
#                    the module vdstore-libvirt.so does, and exports one symbol
#   loading          -c test:///default (libvirt's own test driver, in libvirt.so:
#                    no daemon, no emulator) lists and dumps its domain
#   missing module   a libvirt URI is one clear line and status 1; dir:// stores
#                    never need the module
#
# usage: libvirtstoretest.sh PATH/TO/virt-defaults PATH/TO/libvirt-defaults.so
#                            PATH/TO/vdstore-libvirt.so
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u

VD=${1:?usage: libvirtstoretest.sh VIRT-DEFAULTS LIBRARY MODULE}
LIB=${2:?usage: libvirtstoretest.sh VIRT-DEFAULTS LIBRARY MODULE}
MOD=${3:?usage: libvirtstoretest.sh VIRT-DEFAULTS LIBRARY MODULE}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
ARM=$SRCDIR/vdxml2xmldata/aarch64-virt-minimal.xml

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vd-libvirtstoretest.XXXXXX") || exit 99
trap 'rm -rf "$WORK"' EXIT
# run, ok, not_ok, check, lines, split_stderr
. "$(dirname "$0")/tap.sh"


needs() {
    ldd "$1" 2>/dev/null | grep -q 'libvirt\.so'
}

if command -v ldd >/dev/null; then
    rc=0
    : >"$WORK/out"
    : >"$WORK/err"
    check "virt-defaults does not link libvirt.so" eval '! needs "$VD"'
    check "libvirt-defaults.so does not link libvirt.so" eval '! needs "$LIB"'
    check "the module links libvirt.so" needs "$MOD"
fi
if command -v nm >/dev/null; then
    nm -D --defined-only "$MOD" | awk '$2 == "T" { print $3 }' >"$WORK/out"
    check "the module exports only its entry point" \
        test "$(cat "$WORK/out")" = "vdStoreLibvirtModuleDriver"
fi

# libvirt itself is not under test: its own allocations would be valgrind's findings
if [ -z "${VD_TEST_VALGRIND:-}" ]; then
    run -c test:///default list
    check "a libvirt URI loads the module: list" \
        eval '[ "$rc" -eq 0 ] && grep -q "^ test " "$WORK/out"'
    run -c test:///default dumpxml test
    check "a libvirt URI loads the module: dumpxml" \
        eval '[ "$rc" -eq 0 ] && grep -q "<name>test</name>" "$WORK/out"'
fi

VIRT_DEFAULTS_MODULE_DIR=$WORK/none run -c test:///default list
check "without the module a libvirt URI is one line, status 1" \
    eval '[ "$rc" -eq 1 ] && [ "$(lines "$WORK/err")" -eq 1 ] &&
          grep -q "needs the libvirt backend, which cannot be loaded" "$WORK/err"'

VIRT_DEFAULTS_MODULE_DIR=$WORK/none run -c "dir://$WORK/store" define "$ARM"
check "a dir:// store needs no module" eval '[ "$rc" -eq 0 ]'

echo "1..$n"
[ "$failed" -eq 0 ]
