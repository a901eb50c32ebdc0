#!/bin/bash
# libvirt's own test programs on the fork, with the engine off (its default in libvirt's
# tests, VIR_TEST_DEFAULTS_ENGINE unset): they must pass unmodified.  Also the augeas
# test of qemu.conf, which checks the settings the fork added.  TAP.
#
# usage: tests/forksuites.sh        (a TAP skip of the whole file, when the fork is not built)

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fbuild=${VD_FORK_DIR:-$top/build-fork}/libvirt/build

if [ ! -x "$fbuild/tests/qemuxml2xmltest" ]; then
    echo "1..0 # SKIP the fork is not built (build-aux/fork-build.sh)"
    exit 0
fi

n=0
fails=0
check() {
    local name=$1
    shift
    local out rc
    n=$((n + 1))
    out=$(env -u VIR_TEST_DEFAULTS_ENGINE "$@" 2>&1)
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "ok $n - $name: $(echo "$out" | grep -Eo '[0-9]+ +(OK|FAIL)$' | tail -1 | tr -s ' ')"
    else
        fails=$((fails + 1))
        echo "not ok $n - $name (exit $rc)"
        echo "$out" | grep -E 'FAILED|^[0-9]+\) .*FAIL' | head -20 | sed 's/^/# /'
    fi
}

check "qemuxml2xmltest, engine off" "$top/build-aux/fork-run" qemuxml2xmltest
check "qemuxml2argvtest, engine off" "$top/build-aux/fork-run" qemuxml2argvtest
if command -v augparse >/dev/null; then
    check "qemu.conf augeas lens and test" \
        meson test -C "$fbuild" --no-rebuild test_libvirtd_qemu.aug
fi
echo "1..$n"
[ $fails -eq 0 ]
