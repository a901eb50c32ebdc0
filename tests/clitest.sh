#!/bin/bash
# clitest.sh: the command-line contract of virt-defaults (DESIGN.md section 5), as TAP.
#
#   apply on a good file     exit 0, the completed XML on stdout, nothing on stderr
#   apply on a refused file  exit 1, one line on stderr, nothing on stdout
#   usage errors             exit 2
#   table --arch --machine   lists the rules that apply
#   '-' reads standard input
#
# usage: clitest.sh PATH/TO/virt-defaults
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u

VD=${1:?usage: clitest.sh PATH/TO/virt-defaults}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
DATA=$SRCDIR/vdxml2xmldata
GOOD=$DATA/x86_64-pc-minimal.xml
REFUSED=$DATA/x86_64-pc-usb-none-tablet.xml
HOSTILE=$SRCDIR/hostiledata

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vd-clitest.XXXXXX") || exit 99
trap 'rm -rf "$WORK"' EXIT
# run, ok, not_ok, check, lines, split_stderr
. "$(dirname "$0")/tap.sh"


# run_stdin FILE ARGS...
run_stdin() {
    local file=$1
    shift
    "$VD" "$@" >"$WORK/out" 2>"$WORK/err.raw" <"$file"
    rc=$?
    split_stderr
}

is_domain() {
    head -n 1 "$1" | grep -q "^<domain " && tail -n 1 "$1" | grep -q "^</domain>$"
}

for f in "$GOOD" "$REFUSED"; do
    if [ ! -f "$f" ]; then
        echo "Bail out! missing test data $f"
        exit 99
    fi
done

# --- apply, accepted ------------------------------------------------------------
run apply --generation 1 "$GOOD"
check "apply: a good definition exits 0" test "$rc" -eq 0
check "apply: the completed XML is on stdout" is_domain "$WORK/out"
check "apply: the output has the implicit devices" \
    grep -q "<controller type='usb' index='0' model='piix3-uhci'>" "$WORK/out"
check "apply: nothing on stderr" test ! -s "$WORK/err"
cp "$WORK/out" "$WORK/good.out"

run apply --generation 1 "$WORK/good.out"
check "apply: applying to the output changes nothing" cmp -s "$WORK/out" "$WORK/good.out"

run apply "$GOOD"
check "apply: without --generation, the current generation (exit 0)" test "$rc" -eq 0

run apply --generation latest "$GOOD"
check "apply: --generation latest (exit 0)" test "$rc" -eq 0

# --- apply, standard input --------------------------------------------------------
run_stdin "$GOOD" apply --generation 1 -
check "apply -: reads standard input (exit 0)" test "$rc" -eq 0
check "apply -: the same output as from the file" cmp -s "$WORK/out" "$WORK/good.out"

run_stdin "$GOOD" apply --generation 1
check "apply: no file argument reads standard input" cmp -s "$WORK/out" "$WORK/good.out"

run_stdin "$REFUSED" apply --generation 1 -
check "apply -: a refused definition on stdin exits 1" test "$rc" -eq 1
check "apply -: nothing on stdout when refused" test ! -s "$WORK/out"

# --- apply, streams (issue 10, item 4) ---------------------------------------------
run apply --generation 1 <(cat "$GOOD")
check "apply <(cat FILE): process substitution is read as a stream" \
    cmp -s "$WORK/out" "$WORK/good.out"

run_stdin "$GOOD" apply --generation 1 /dev/stdin
check "apply /dev/stdin: reads standard input (exit 0)" test "$rc" -eq 0
check "apply /dev/stdin: the same output as from the file" cmp -s "$WORK/out" "$WORK/good.out"

cat "$GOOD" | "$VD" apply --generation 1 /dev/stdin >"$WORK/out" 2>"$WORK/err.raw"
rc=$?
split_stderr
check "apply /dev/stdin from a pipe: the same output as from the file" \
    cmp -s "$WORK/out" "$WORK/good.out"

# ../shared/findings/base.xml: a small valid guest whose output cannot be written
cat >"$WORK/base.xml" <<'EOF'
<domain type='qemu'>
  <name>base</name>
  <memory unit='MiB'>1024</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <interface type='user'/>
  </devices>
</domain>
EOF
if [ -w /dev/full ]; then
    "$VD" apply "$WORK/base.xml" >/dev/full 2>"$WORK/err.raw" </dev/null
    rc=$?
    split_stderr
    check "findings/base.xml: apply > /dev/full exits 1 with one line" \
        test "$rc" -eq 1 -a "$(lines "$WORK/err")" -eq 1
    check "findings/base.xml: the message says why" \
        grep -q "cannot write to standard output: No space left on device" "$WORK/err"
else
    ok "# SKIP /dev/full is not writable"
    ok "# SKIP /dev/full is not writable"
fi

if [ -w /dev/full ]; then
    "$VD" apply --generation 1 "$GOOD" >/dev/full 2>"$WORK/err.raw" </dev/null
    rc=$?
    split_stderr
    check "apply > /dev/full: exits 1" test "$rc" -eq 1
    check "apply > /dev/full: one line naming standard output" \
        test "$(lines "$WORK/err")" -eq 1 -a -n "$(grep 'standard output' "$WORK/err")"
    "$VD" table >/dev/full 2>"$WORK/err.raw" </dev/null
    rc=$?
    split_stderr
    check "table > /dev/full: exits 1" test "$rc" -eq 1
else
    ok "# SKIP /dev/full is not writable"
    ok "# SKIP /dev/full is not writable"
    ok "# SKIP /dev/full is not writable"
fi

# a file truncated and rewritten while it is read: an error or a good result, never a
# signal (a memory-mapped input died of SIGBUS)
{
    cat "$GOOD" | sed '$d'
    printf '  <!--'
    head -c 4000000 /dev/zero | tr '\0' 'x'
    printf -- '-->\n</domain>\n'
} >"$WORK/big.xml"
cp "$WORK/big.xml" "$WORK/shrinking.xml"
( while :; do : >"$WORK/shrinking.xml"; cp "$WORK/big.xml" "$WORK/shrinking.xml"; done ) &
shrinker=$!
worst=0
for i in $(seq 1 30); do
    "$VD" apply --generation 1 "$WORK/shrinking.xml" >/dev/null 2>"$WORK/err.raw" </dev/null
    rc=$?
    [ "$rc" -gt "$worst" ] && worst=$rc
done
kill "$shrinker" 2>/dev/null
wait "$shrinker" 2>/dev/null
rc=$worst
check "apply: a file truncated while being read is refused, never a signal" test "$worst" -le 1

# malformed input: one line naming the first error and its line, as xmllint does
printf '<domain>\n  <name>m</name>\n  <b></c>\n</x>\n<' >"$WORK/mismatch.xml"
run apply "$WORK/mismatch.xml"
check "apply: malformed XML names the first error and its line" \
    grep -q "mismatch.xml:3: malformed XML: Opening and ending tag mismatch: b line 3 and c" \
    "$WORK/err"
check "apply: malformed XML is one line" test "$(lines "$WORK/err")" -eq 1

sed 's|<name>\([^<]*\)</name>|<name>\1\xff\xfe</name>|' "$GOOD" >"$WORK/utf8.xml"
run apply "$WORK/utf8.xml"
check "apply: invalid UTF-8 is refused in one line" \
    test "$rc" -eq 1 -a ! -s "$WORK/out" -a "$(lines "$WORK/err")" -eq 1

{ cat "$GOOD"; printf '\0<junk/>junk'; } >"$WORK/nul.xml"
run apply "$WORK/nul.xml"
check "apply: a NUL byte and junk after </domain> is refused in one line" \
    test "$rc" -eq 1 -a ! -s "$WORK/out" -a "$(lines "$WORK/err")" -eq 1
check "apply: the NUL byte's line is named" grep -q "nul.xml:$(($(lines "$GOOD") + 1)): " "$WORK/err"

run apply "$WORK"
check "apply: a directory is refused in one line" \
    test "$rc" -eq 1 -a "$(lines "$WORK/err")" -eq 1

# --- apply, refused -------------------------------------------------------------
run apply --generation 1 "$REFUSED"
check "apply: a refused definition exits 1" test "$rc" -eq 1
check "apply: nothing on stdout when refused" test ! -s "$WORK/out"
check "apply: exactly one line on stderr when refused" test "$(lines "$WORK/err")" -eq 1
check "apply: the message names the tool" grep -q "^virt-defaults: " "$WORK/err"

for f in "$HOSTILE"/malformed-unclosed.xml "$HOSTILE"/entity-billion-laughs.xml \
         "$HOSTILE"/empty.xml "$HOSTILE"/not-a-domain.xml; do
    base=$(basename "$f")
    run apply --generation 1 "$f"
    check "apply: $base exits 1 with one line and no output" \
        test "$rc" -eq 1 -a ! -s "$WORK/out" -a "$(lines "$WORK/err")" -eq 1
done

run apply --generation 1 "$WORK/no-such-file.xml"
check "apply: a missing file exits 1 with one line" \
    test "$rc" -eq 1 -a ! -s "$WORK/out" -a "$(lines "$WORK/err")" -eq 1

# --- usage errors -----------------------------------------------------------------
run apply --no-such-option "$GOOD"
check "apply: an unknown option exits 2" test "$rc" -eq 2
check "apply: nothing on stdout on a usage error" test ! -s "$WORK/out"

run --no-such-option
check "an unknown global option exits 2" test "$rc" -eq 2

run no-such-command
check "an unknown command exits 2" test "$rc" -eq 2
check "an unknown command is one line naming it" \
    test "$(lines "$WORK/err")" -eq 1 -a -n "$(grep "'no-such-command'" "$WORK/err")"

run
check "no command exits 2" test "$rc" -eq 2

run apply --context bogus "$GOOD"
check "apply: an unknown context exits 2" test "$rc" -eq 2
check "apply: an unknown context is named" grep -q "'bogus'" "$WORK/err"

run apply --generation 999 "$GOOD"
check "apply: an unknown generation exits 2" test "$rc" -eq 2

run apply --generation 1 "$GOOD" "$GOOD"
check "apply: two files exit 2" test "$rc" -eq 2

run --help
check "--help exits 0 and prints usage" test "$rc" -eq 0 -a -s "$WORK/out"

run --version
check "--version exits 0" test "$rc" -eq 0
check "--version prints the version" grep -q "^virt-defaults [0-9]" "$WORK/out"

# --- table --------------------------------------------------------------------------
run table --arch x86_64 --machine q35
check "table --arch x86_64 --machine q35 exits 0" test "$rc" -eq 0
check "table: lists the q35 root controller rule" grep -q "x86.q35.pci.root" "$WORK/out"
check "table: lists no i440fx rule for q35" test -z "$(grep 'x86.i440fx' "$WORK/out")"
check "table: more than a header" test "$(lines "$WORK/out")" -gt 5

run table --arch x86_64 --machine q35 --generation 1 --format xml
check "table --format xml exits 0" test "$rc" -eq 0
check "table --format xml is one <rules> document" \
    grep -q "^<rules generation='1' arch='x86_64' machine='pc-q35-" "$WORK/out"

run table --machine q35
check "table: --machine without --arch exits 2" test "$rc" -eq 2

run table --arch vax
check "table: an unknown architecture exits 2" test "$rc" -eq 2

run table --format yaml
check "table: an unknown format exits 2" test "$rc" -eq 2

# --- --caps ---------------------------------------------------------------------------
# a profile where 'pc' stands for pc-i440fx-7.1: the alias follows the profile
sed -e "s/name='pc-i440fx-7.2' maxCpus='255' alias='pc'/name='pc-i440fx-7.2' maxCpus='255'/" \
    -e "s/name='pc-i440fx-7.1' maxCpus='255'/name='pc-i440fx-7.1' maxCpus='255' alias='pc'/" \
    "$SRCDIR/../src/defaults/caps/qemu-7.2.xml" > "$WORK/caps71.xml"
run apply --caps "$WORK/caps71.xml" --generation 1 "$GOOD"
check "apply --caps: exits 0" test "$rc" -eq 0
check "apply --caps: 'pc' becomes the profile's pc-i440fx-7.1" \
    grep -q "machine='pc-i440fx-7.1'" "$WORK/out"

run apply --caps "$WORK/no-such-profile.xml" --generation 1 "$GOOD"
check "apply --caps: a missing profile exits 1" test "$rc" -eq 1
check "apply --caps: nothing on stdout" test ! -s "$WORK/out"

# --- the store: define, list, dumpxml, edit, upgrade, undefine -------------------------
STORE="dir://$WORK/store"
ARM=$DATA/aarch64-virt-minimal.xml

run -c "$STORE" define --generation 1 "$ARM"
check "define: a new domain exits 0" test "$rc" -eq 0
check "define: says the generation and the context" grep -q "(generation 1, new)" "$WORK/out"
check "define: the store holds one file" test -f "$WORK/store/aarch64-virt-minimal.xml"

run -c "$STORE" list
check "list: names the domain and its generation" \
    grep -q "aarch64-virt-minimal *1$" "$WORK/out"

run -c "$STORE" dumpxml aarch64-virt-minimal
check "dumpxml: prints the stored definition" cmp -s "$WORK/out" "$WORK/store/aarch64-virt-minimal.xml"
check "dumpxml: generation 1 gave no balloon" test -z "$(grep '<memballoon' "$WORK/out")"

run -c "$STORE" define --generation 2 "$ARM"
check "define: an existing domain's generation cannot be chosen again (exit 1)" test "$rc" -eq 1

run -c "$STORE" upgrade aarch64-virt-minimal --to 2 --dry-run
check "upgrade --dry-run: exits 0 and shows a diff" grep -q "^+.*<memballoon" "$WORK/out"
check "upgrade --dry-run: the store is unchanged" \
    test -z "$(grep '<memballoon' "$WORK/store/aarch64-virt-minimal.xml")"

run -c "$STORE" upgrade aarch64-virt-minimal --to 2
check "upgrade: without --yes and no terminal, refuses (exit 2)" test "$rc" -eq 2

run -c "$STORE" upgrade aarch64-virt-minimal --to 2 --yes
check "upgrade --yes: exits 0" test "$rc" -eq 0
check "upgrade --yes: the stored definition is generation 2" \
    grep -q "generation='2'" "$WORK/store/aarch64-virt-minimal.xml"

run -c "$STORE" upgrade aarch64-virt-minimal --to 1 --yes
check "upgrade: a downgrade is refused (exit 1)" test "$rc" -eq 1

EDITOR="sed -i s/1024/2048/" run -c "$STORE" edit aarch64-virt-minimal
check "edit: exits 0" test "$rc" -eq 0
check "edit: the change is stored" grep -q ">2048<" "$WORK/store/aarch64-virt-minimal.xml"

run -c "$STORE" dumpxml ../../etc/passwd
check "dumpxml: a name outside the store is refused (exit 1)" test "$rc" -eq 1

run -c "$STORE" undefine aarch64-virt-minimal
check "undefine: exits 0 and removes the file" \
    test "$rc" -eq 0 -a ! -e "$WORK/store/aarch64-virt-minimal.xml"

run -c "$STORE" dumpxml aarch64-virt-minimal
check "dumpxml: an unknown domain exits 1" test "$rc" -eq 1

echo "1..$n"
[ "$failed" -eq 0 ]
