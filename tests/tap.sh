# tap.sh: the TAP helpers of the shell tests (clitest.sh, storetest.sh), sourced.
#
# The caller sets WORK (a scratch directory), n=0 and failed=0, and runs the
# program under test with stdout in $WORK/out and stderr in $WORK/err.raw, its exit
# status in rc, then calls split_stderr.
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
