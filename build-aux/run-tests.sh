#!/bin/bash
# The whole test suite, as CI runs it (.ci/run): install what is missing, build, run
# `meson test` in ./build, build the libvirt fork (build-aux/fork-build.sh) and run the
# fork's suite (scenarios with its real virsh, libvirt's own qemuxml2xmltest and
# qemuxml2argvtest, parity with stock libvirt 9.0), then build again with
# AddressSanitizer and UBSan in ./build-asan and run the tests that exercise compiled
# code there too, the thread test once more under ThreadSanitizer, and a short run of
# every fuzzer.
#
# usage: build-aux/run-tests.sh
#
# Works from a fresh clone on Debian bookworm (run it as root, or with sudo available, the
# first time: build-aux/install-deps.sh installs packages with apt-get). VD_BUILDDIR and
# VD_ASAN_BUILDDIR override the two build trees. The last line is the summary,
# "N passed, M failed", over both runs; the exit status is non-zero if anything failed.

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
builddir=${VD_BUILDDIR:-build}
asandir=${VD_ASAN_BUILDDIR:-build-asan}

build-aux/install-deps.sh || exit 1

passed=0
failed=0
notes=()

# Configure (or reconfigure) and build one tree; a failure counts as one failed test.
build() {
    local dir=$1
    shift
    if [ -f "$dir/meson-private/coredata.dat" ]; then
        meson setup --reconfigure "$dir" "$@" || return 1
    else
        meson setup "$dir" "$@" || return 1
    fi
    ninja -C "$dir"
}

# Add the results of the last `meson test` in $1 to the totals (meson-logs/testlog.json:
# one JSON object per test).
count() {
    local dir=$1 label=$2 counts p f s
    counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = skip = 0
try:
    with open(sys.argv[1], encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line).get('result')
            if r in ('OK', 'EXPECTEDFAIL'):
                ok += 1
            elif r == 'SKIP':
                skip += 1
            else:
                bad += 1
except FileNotFoundError:
    bad = 1
print(ok, bad, skip)
PY
    ) || counts="0 1 0"
    read -r p f s <<<"$counts"
    passed=$((passed + p))
    failed=$((failed + f))
    notes+=("$label: $p passed, $f failed, $s skipped (log: $top/$dir/meson-logs/testlog.txt)")
}

# 1. The ordinary build and every suite but the fork's.
if build "$builddir"; then
    rm -f "$builddir/meson-logs/testlog.json"
    meson test -C "$builddir" --print-errorlogs --no-suite fork
    count "$builddir" "$builddir"
else
    failed=$((failed + 1))
    notes+=("$builddir: the build failed")
fi

# 2. The libvirt fork, built against ./build, and its suite.
fork_start=$SECONDS
if VD_BUILDDIR=$builddir build-aux/fork-build.sh --quiet; then
    notes+=("fork: built in $((SECONDS - fork_start)) s")
    rm -f "$builddir/meson-logs/testlog.json"
    meson test -C "$builddir" --print-errorlogs --suite fork
    count "$builddir" "fork suite"
    notes+=("fork: built and tested in $((SECONDS - fork_start)) s")
else
    failed=$((failed + 1))
    notes+=("fork: the build failed")
fi

# 3. ASan + UBSan. The syntax-check, docs, oracle and fork suites read sources or drive
# real libvirt and run no compiled code of ours that the other suites don't, so they run
# only once, above. Sanitized code runs a few times slower, hence the timeout multiplier.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if build "$asandir" -Db_sanitize=address,undefined; then
    rm -f "$asandir/meson-logs/testlog.json"
    meson test -C "$asandir" --print-errorlogs --timeout-multiplier 3 \
        --no-suite syntax-check --no-suite docs --no-suite oracle --no-suite fork
    count "$asandir" "$asandir (address,undefined)"
else
    failed=$((failed + 1))
    notes+=("$asandir: the build failed")
fi

# 4. ThreadSanitizer: the library as a daemon uses it, from eight threads at once
# (tests/vdthreadtest.c); only what that test needs is built.
tsandir=${VD_TSAN_BUILDDIR:-build-tsan}
if { [ -f "$tsandir/build.ninja" ] ||
     meson setup "$tsandir" -Db_sanitize=thread -Dlibvirt=disabled -Ddocs=disabled; } &&
   ninja -C "$tsandir" tests/vdthreadtest; then
    # GLib's slice allocator hands out memory TSan never sees allocated: without
    # G_SLICE=always-malloc every reuse across threads looks like a race
    if G_SLICE=always-malloc TSAN_OPTIONS=halt_on_error=1 "$tsandir/tests/vdthreadtest" --tap; then
        passed=$((passed + 1))
        notes+=("$tsandir (thread): vdthreadtest passed")
    else
        failed=$((failed + 1))
        notes+=("$tsandir (thread): vdthreadtest failed")
    fi
else
    failed=$((failed + 1))
    notes+=("$tsandir: the build failed")
fi

# 5. A short fuzz run: each libFuzzer target for 20 s, with -timeout=1 so that a slow
# path is a finding like a crash (suite fuzz-smoke; clang, ASan and UBSan).
fuzzdir=${VD_FUZZ_BUILDDIR:-build-fuzz}
if { [ -f "$fuzzdir/build.ninja" ] ||
     CC=clang meson setup "$fuzzdir" -Dfuzzing=enabled -Db_lundef=false \
         -Dlibvirt=disabled -Ddocs=disabled; } &&
   ninja -C "$fuzzdir"; then
    rm -f "$fuzzdir/meson-logs/testlog.json"
    meson test -C "$fuzzdir" --print-errorlogs --suite fuzz-smoke
    count "$fuzzdir" "$fuzzdir (fuzz smoke)"
else
    failed=$((failed + 1))
    notes+=("$fuzzdir: the build failed")
fi

echo
for n in "${notes[@]}"; do
    echo "$n"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
