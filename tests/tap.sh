# tap.sh: TAP helpers sourced by clitest.sh, storetest.sh and libvirtstoretest.sh.
#
# The caller sets WORK (a scratch directory) and VD (the program under test), and
# runs it with run, or its own function that leaves stdout in $WORK/out, stderr in
# $WORK/err.raw and the exit status in rc, then calls split_stderr.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# Under `meson test --setup valgrind` the program runs in valgrind, which writes its
# report ("==PID== ...") to stderr: pass that on to our stderr, for the log, and keep
# only what the program itself wrote in $WORK/err.  A valgrind error still shows:
# valgrind makes the program exit with status 1.
split_stderr() {
    grep '^==[0-9]*==' "$WORK/err.raw" >&2
    grep -v '^==[0-9]*==' "$WORK/err.raw" >"$WORK/err"
}

n=0
failed=0

# run ARGS...: runs $VD, keeping rc, stdout and stderr
run() {
    "$VD" "$@" >"$WORK/out" 2>"$WORK/err.raw" </dev/null
    rc=$?
    split_stderr
}

ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}

not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    echo "# exit status: $rc"
    sed 's/^/# stdout: /' "$WORK/out" | head -n 10
    sed 's/^/# stderr: /' "$WORK/err" | head -n 10
}

# check DESCRIPTION CONDITION...: one TAP line
check() {
    local what=$1
    shift
    if "$@"; then
        ok "$what"
    else
        not_ok "$what"
    fi
}

lines() {
    wc -l <"$1" | tr -d ' '
}
