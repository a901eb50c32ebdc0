#!/bin/bash
# storetest.sh: the directory store keeps libvirt's promises (issue 10, items 5 and 6), as TAP.
#
#   read-only commands      list, dumpxml, define --print-diff, upgrade --dry-run and an
#                           unchanged edit create and remove nothing
#   UUIDs and names         a UUID is generated; names and UUIDs are unique, with
#                           libvirt's messages; names libvirt refuses are refused
#   symbolic links          nothing in the store is followed
#   killed writers          no torn file; their temporary files go with the next write
#   concurrency             defines of one name serialise: exactly one is 'new', every
#                           other one an 'update' of what was stored before it
#   edit                    a 0600 copy; a rename as virsh edit does it; a refused edit
#                           kept, and offered again on a terminal
#   diffs                   define/edit --print-diff; upgrade's header names generations
#
# usage: storetest.sh PATH/TO/virt-defaults
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -u

VD=${1:?usage: storetest.sh PATH/TO/virt-defaults}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
ARM=$SRCDIR/vdxml2xmldata/aarch64-virt-minimal.xml
NAME=aarch64-virt-minimal
UUID=ef65d72b-e1b1-5059-a839-b5e679c87047

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vd-storetest.XXXXXX") || exit 99
trap 'rm -rf "$WORK"' EXIT
# run, ok, not_ok, check, lines, split_stderr
. "$(dirname "$0")/tap.sh"
# edit's copies go there, where the test can look for them
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"

# as in clitest.sh: valgrind's report goes to our stderr, the rest is kept
# run ARGS...: virt-defaults on the test store, keeping rc, stdout and stderr
run() {
    "$VD" -c "dir://$STORE" "$@" >"$WORK/out" 2>"$WORK/err.raw" </dev/null
    rc=$?
    split_stderr
}

one_line_refusal() {
    [ "$rc" -eq 1 ] && [ "$(lines "$WORK/err")" -eq 1 ]
}

# everything about a tree that a write would change
snapshot() {
    find "$1" -printf '%p %y %s %m %T@\n' 2>/dev/null | LC_ALL=C sort
}

fresh_store() {
    STORE=$WORK/$1
    rm -rf "$STORE"
}

# an editor for `edit`: a script running sed with the given expressions on the copy
editor() {
    local script=$WORK/editor-$1.sh
    shift
    {
        echo '#!/bin/sh'
        printf 'sed -i'
        printf " -e '%s'" "$@"
        echo ' "$1"'
    } >"$script"
    chmod +x "$script"
    echo "$script"
}

rc=0
if [ ! -f "$ARM" ]; then
    echo "Bail out! missing test data $ARM"
    exit 99
fi

# --- read-only commands create nothing ------------------------------------------------
fresh_store missing
run list
check "list: a missing store lists nothing (exit 0)" test "$rc" -eq 0
run dumpxml "$NAME"
check "dumpxml: a missing store has no such domain (exit 1)" test "$rc" -eq 1
run define --print-diff "$ARM"
check "define --print-diff: exits 0 on a missing store" test "$rc" -eq 0
check "read-only commands do not create a missing store" test ! -e "$STORE"

fresh_store ro
run define --generation 1 "$ARM"
check "define: a new domain (exit 0)" test "$rc" -eq 0
# a killed writer's leftover, which only a write may remove
printf '<domain>half' >"$STORE/.vd-tmp-999999-deadbeef"
before=$(snapshot "$STORE")
run list
run dumpxml "$NAME"
run define --print-diff "$ARM"
run upgrade --dry-run --to 2 "$NAME"
EDITOR=true run edit "$NAME"
check "edit: an unchanged definition says so" grep -q "not changed" "$WORK/out"
after=$(snapshot "$STORE")
check "list, dumpxml, --print-diff, --dry-run, an unchanged edit: the store is untouched" \
    test "$before" = "$after"
check "edit: no copy is left behind when nothing changed" test -z "$(ls -A "$TMPDIR")"

# --- killed writers ---------------------------------------------------------------------
run define "$ARM"
check "define: an update of the domain (exit 0)" test "$rc" -eq 0
check "a write removes a killed writer's temporary file" \
    test ! -e "$STORE/.vd-tmp-999999-deadbeef"

# kill -9 at random points of defines of a big definition: what is stored is always a
# whole definition, and the next write leaves no temporary file
fresh_store killed
{
    sed '$d' "$ARM"
    printf '  <!--'
    head -c 3000000 /dev/zero | tr '\0' 'x'
    printf -- '-->\n</domain>\n'
} >"$WORK/big.xml"
torn=0
for i in $(seq 1 15); do
    "$VD" -c "dir://$STORE" define "$WORK/big.xml" >/dev/null 2>&1 </dev/null &
    pid=$!
    sleep "0.0$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -e "$STORE/$NAME.xml" ] && [ "$(tail -n 1 "$STORE/$NAME.xml")" != "</domain>" ]; then
        torn=$((torn + 1))
    fi
done
rc=$torn
check "kill -9 during define: never a torn definition" test "$torn" -eq 0
sed "s/<name>$NAME</<name>other</; /<uuid>/d" "$ARM" >"$WORK/other.xml"
run define "$WORK/other.xml"
check "kill -9 during define: the next write leaves no temporary file" \
    test -z "$(find "$STORE" -name '.vd-tmp-*')"

# --- UUIDs --------------------------------------------------------------------------------
fresh_store uuid
sed '/<uuid>/d' "$ARM" >"$WORK/nouuid.xml"
run define "$WORK/nouuid.xml"
check "define without a UUID: exit 0" test "$rc" -eq 0
check "define without a UUID: one is generated and stored after <name>" \
    grep -A1 "<name>$NAME</name>" "$STORE/$NAME.xml" | \
    grep -Eq '^  <uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}</uuid>$'
gen=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "$STORE/$NAME.xml")

run define "$WORK/nouuid.xml"
check "define of an existing name without a UUID is refused, as libvirt does" \
    grep -q "^virt-defaults: domain '$NAME' already exists with uuid $gen$" "$WORK/err"

sed "s|<memory unit='MiB'>1024|<uuid>$gen</uuid><memory unit='MiB'>2048|" "$WORK/nouuid.xml" \
    >"$WORK/same.xml"
run define "$WORK/same.xml"
check "define of an existing name with its UUID: an update" grep -q ", update)" "$WORK/out"

sed "s|<memory unit='MiB'>1024|<uuid>00000000-0000-4000-8000-000000000001</uuid><memory unit='MiB'>1024|" \
    "$WORK/nouuid.xml" >"$WORK/otheruuid.xml"
run define "$WORK/otheruuid.xml"
check "define of an existing name with another UUID is refused, as libvirt does" \
    grep -q "^virt-defaults: domain '$NAME' already exists with uuid $gen$" "$WORK/err"

sed "s|<name>$NAME</name>|<name>second</name>|" "$WORK/same.xml" >"$WORK/second.xml"
run define "$WORK/second.xml"
check "define of a second name with a used UUID is refused, as libvirt does" \
    grep -q "^virt-defaults: domain '$NAME' is already defined with uuid $gen$" "$WORK/err"
check "the refused name is not stored" test ! -e "$STORE/second.xml"

upper=$(echo "$gen" | tr 'a-f' 'A-F' | tr -d '-')
sed "s|<uuid>$gen</uuid>|<uuid>$upper</uuid>|" "$WORK/same.xml" >"$WORK/upper.xml"
run define "$WORK/upper.xml"
check "a UUID in another spelling is the same UUID (exit 0)" test "$rc" -eq 0
check "the stored UUID is in libvirt's canonical form" grep -q "<uuid>$gen</uuid>" "$STORE/$NAME.xml"

sed "s|<uuid>$gen</uuid>|<uuid>not-a-uuid</uuid>|" "$WORK/same.xml" >"$WORK/baduuid.xml"
run define "$WORK/baduuid.xml"
check "a malformed UUID is refused in one line" one_line_refusal

# --- names --------------------------------------------------------------------------------
fresh_store names
printf '<domain type="qemu"><name>a\nb</name><memory>1</memory><os><type arch="aarch64" machine="virt">hvm</type></os></domain>\n' \
    >"$WORK/newline.xml"
sed 's|<name>a$|<name>a/b</name><!--|; s|^b</name>|-->|' "$WORK/newline.xml" >"$WORK/slash.xml"
sed "s|<name>$NAME</name>|<name></name>|" "$ARM" >"$WORK/empty.xml"
sed "s|<name>$NAME</name>|<name>.hidden</name>|" "$ARM" >"$WORK/dot.xml"
for f in newline slash empty dot; do
    run define "$WORK/$f.xml"
    check "define: a name libvirt or the store refuses ($f) is refused in one line" one_line_refusal
done
check "refused names store nothing" test ! -e "$STORE"

# --- symbolic links ---------------------------------------------------------------------
fresh_store links
run define "$ARM"
ln -s /etc/passwd "$STORE/passwd.xml"
run dumpxml passwd
check "dumpxml of a symbolic link to /etc/passwd is refused in one line" one_line_refusal
check "dumpxml of a symbolic link prints nothing" test ! -s "$WORK/out"
run list
check "list shows no symbolic link" test -z "$(grep passwd "$WORK/out")"
run undefine passwd
check "undefine of a symbolic link is refused" test "$rc" -eq 1 -a -L "$STORE/passwd.xml"
sed "s|<name>$NAME</name>|<name>passwd</name>|; /<uuid>/d" "$ARM" >"$WORK/passwd-dom.xml"
run define "$WORK/passwd-dom.xml"
check "define over a symbolic link is refused and leaves it" \
    test "$rc" -eq 1 -a -L "$STORE/passwd.xml"
rm -f "$STORE/.lock"
ln -s "$WORK/victim" "$STORE/.lock"
run define "$ARM"
check "a symbolic link as the lock file is refused, its target not created" \
    test "$rc" -eq 1 -a ! -e "$WORK/victim"

# --- concurrency --------------------------------------------------------------------------
# 20 defines of one new name at once, each with another memory size: one creates it and
# every other one is an update of what was stored when it ran
fresh_store parallel
pids=
for i in $(seq 1 20); do
    sed "s|<memory unit='MiB'>1024|<memory unit='MiB'>$((1024 + i))|" "$ARM" >"$WORK/par$i.xml"
done
for i in $(seq 1 20); do
    "$VD" -c "dir://$STORE" define "$WORK/par$i.xml" >"$WORK/par$i.out" 2>&1 </dev/null &
    pids="$pids $!"
done
bad=0
for p in $pids; do
    wait "$p" || bad=$((bad + 1))
done
rc=$bad
check "20 concurrent defines of one name all succeed" test "$bad" -eq 0
new=$(cat "$WORK"/par*.out | grep -c ", new)$")
updates=$(cat "$WORK"/par*.out | grep -c ", update)$")
rc=$new
check "20 concurrent defines: exactly one is new, 19 are updates (no lost update)" \
    test "$new" -eq 1 -a "$updates" -eq 19
run dumpxml "$NAME"
cp "$WORK/out" "$WORK/final.xml"
"$VD" apply --context load "$WORK/final.xml" >"$WORK/out" 2>"$WORK/err.raw" </dev/null
rc=$?
split_stderr
check "20 concurrent defines: the result is a complete definition (load changes nothing)" \
    cmp -s "$WORK/out" "$WORK/final.xml"
check "20 concurrent defines: the result is one of the definitions given" \
    grep -Eq "<memory unit='MiB'>10(2[5-9]|3[0-9]|4[0-4])</memory>" "$WORK/final.xml"

# 20 defines of a new name pinned to generation 1: only one may create it
fresh_store pinned
pids=
for i in $(seq 1 20); do
    "$VD" -c "dir://$STORE" define --generation 1 "$ARM" >"$WORK/pin$i.out" 2>&1 </dev/null &
    pids="$pids $!"
done
good=0
for p in $pids; do
    wait "$p" && good=$((good + 1))
done
rc=$good
check "20 concurrent defines --generation 1 of a new name: exactly one succeeds" test "$good" -eq 1

# a define waits for the lock, then computes its update against what is stored then
if command -v flock >/dev/null; then
    fresh_store locked
    run define --generation 1 "$ARM"
    flock -x "$STORE/.lock" -c "sleep 1; sed -i s/\>1024\</\>4096\</ '$STORE/$NAME.xml'" &
    holder=$!
    sleep 0.3
    start=$(date +%s%N)
    sed "s|<vcpu>1</vcpu>|<vcpu>2</vcpu>|" "$ARM" >"$WORK/vcpu.xml"
    run define "$WORK/vcpu.xml"
    end=$(date +%s%N)
    wait "$holder"
    check "define waits for the store's lock" test $(((end - start) / 1000000)) -ge 500
    check "define after the lock: an update of what was stored meanwhile (generation 1)" \
        grep -q "(generation 1, update)" "$WORK/out"
else
    ok "# SKIP flock(1) is not installed"
    ok "# SKIP flock(1) is not installed"
fi

# --- edit ---------------------------------------------------------------------------------
fresh_store edit
run define --generation 1 "$ARM"
cat >"$WORK/editor-mode.sh" <<EOF
#!/bin/sh
stat -c %a "\$1" >"$WORK/mode"
sed -i 's/>1024</>2048</' "\$1"
EOF
chmod +x "$WORK/editor-mode.sh"
EDITOR=$WORK/editor-mode.sh run edit "$NAME"
check "edit: the copy handed to the editor is mode 0600" test "$(cat "$WORK/mode")" = 600
check "edit: the change is stored" grep -q ">2048<" "$STORE/$NAME.xml"
check "edit: the copy is removed" test -z "$(ls -A "$TMPDIR")"

# a rename keeping the UUID: refused as libvirt refuses it, the edits kept
before=$(snapshot "$STORE")
EDITOR=$(editor rename "s/<name>$NAME</<name>renamed</") run edit "$NAME"
check "edit renaming with the same UUID is refused, naming the domain that has it" \
    grep -q "domain '$NAME' is already defined with uuid $UUID" "$WORK/err"
check "edit refused without a terminal: one line saying where the edits are kept" \
    test "$rc" -eq 1 -a "$(lines "$WORK/err")" -eq 1 -a -n "$(grep 'kept in' "$WORK/err")"
copy=$(sed -n "s/.*kept in '\(.*\)'$/\1/p" "$WORK/err")
check "edit refused: the kept copy has the owner's edits" grep -q "<name>renamed</name>" "$copy"
rm -f "$copy"
check "edit refused: the store is untouched" test "$before" = "$(snapshot "$STORE")"

# a rename without the UUID: a new domain, the old one stays (virsh edit does the same)
EDITOR=$(editor rename2 "s/<name>$NAME</<name>renamed</" "/<uuid>/d") run edit "$NAME"
check "edit renaming without the UUID defines a new domain" \
    grep -q "Domain 'renamed' defined" "$WORK/out"
check "edit renaming: the old domain stays" test -f "$STORE/$NAME.xml"
check "edit renaming: the new domain has a UUID of its own" \
    test -z "$(grep "$UUID" "$STORE/renamed.xml")" -a -n "$(grep '<uuid>' "$STORE/renamed.xml")"

# someone else stores a change while the editor runs
cat >"$WORK/editor-race.sh" <<EOF
#!/bin/sh
sed 's/<vcpu>1</<vcpu>3</' "$ARM" >"$WORK/race.xml"
"$VD" -c "dir://$STORE" define "$WORK/race.xml" >/dev/null
sed -i 's/<vcpu[^>]*>1</<vcpu placement="static">4</' "\$1"
EOF
chmod +x "$WORK/editor-race.sh"
EDITOR=$WORK/editor-race.sh run edit "$NAME"
check "edit: a change stored by someone else meanwhile is not overwritten" \
    test "$rc" -eq 1 -a -n "$(grep '>3</vcpu>' "$STORE/$NAME.xml")"
check "edit: ... and the edits are kept" grep -q "kept in" "$WORK/err"
rm -f "$TMPDIR"/*

# on a terminal: 'Failed. Try again? [y,n,i,f,?]:' as virsh edit asks it
PY=$(command -v python3 || true)
if [ -n "$PY" ] && "$PY" -c 'import pty' 2>/dev/null; then
    cat >"$WORK/edit-tty.py" <<'EOF'
import os, pty, select, sys
# edit-tty.py ANSWERS CMD...: run CMD on a terminal, answering each of edit's questions
answers = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out = b""
asked = 0
while True:
    try:
        r, _, _ = select.select([fd], [], [], 20)
        data = os.read(fd, 4096) if r else b""
    except OSError:
        data = b""
    if not data:
        break
    out += data
    if out.count(b"[y,n,i,f,?]: ") > asked and asked < len(answers):
        os.write(fd, answers[asked].encode() + b"\n")
        asked += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
    # the first run of the editor makes a definition the store refuses, the second fixes it
    cat >"$WORK/editor-twice.sh" <<EOF
#!/bin/sh
if [ ! -e "$WORK/edited-once" ]; then
    touch "$WORK/edited-once"
    sed -i 's/<name>$NAME</<name>renamed</' "\$1"
else
    sed -i -e 's/<name>renamed</<name>$NAME</' -e 's|>[0-9]*</memory>|>3072</memory>|' "\$1"
fi
EOF
    chmod +x "$WORK/editor-twice.sh"
    rm -f "$WORK/edited-once"
    EDITOR=$WORK/editor-twice.sh "$PY" "$WORK/edit-tty.py" "?y" "$VD" -c "dir://$STORE" edit "$NAME" \
        >"$WORK/out" 2>&1
    rc=$?
    check "edit on a terminal: asks 'Failed. Try again? [y,n,i,f,?]:'" \
        grep -q "Failed. Try again? \[y,n,i,f,?\]: " "$WORK/out"
    check "edit on a terminal: '?' explains the answers" grep -q "^y - yes" "$WORK/out"
    check "edit on a terminal: 'y' edits again, and the fixed definition is stored" \
        test "$rc" -eq 0 -a -n "$(grep '>3072<' "$STORE/$NAME.xml")"

    rm -f "$WORK/edited-once"
    EDITOR=$WORK/editor-twice.sh "$PY" "$WORK/edit-tty.py" "fin" "$VD" -c "dir://$STORE" edit "$NAME" \
        >"$WORK/out" 2>&1
    rc=$?
    check "edit on a terminal: 'f' and 'i' say why they cannot help" \
        grep -q "Forcing cannot help" "$WORK/out"
    check "edit on a terminal: 'n' throws the edits away (exit 1, no copy left)" \
        test "$rc" -eq 1 -a -z "$(ls -A "$TMPDIR")"
else
    for i in 1 2 3 4 5; do
        ok "# SKIP python3 with pty is not available"
    done
fi

# --- diffs --------------------------------------------------------------------------------
fresh_store diffs
run define --generation 1 "$ARM"
before=$(snapshot "$STORE")
sed 's|</devices>|<disk type="file" device="disk"><source file="/d.img"/><target dev="sda" bus="scsi"/></disk></devices>|' \
    "$STORE/$NAME.xml" >"$WORK/scsi.xml"
run define --print-diff "$WORK/scsi.xml"
check "define --print-diff: a unified diff of what the engine adds" \
    grep -q "^+.*<controller type='scsi'" "$WORK/out"
check "define --print-diff: headers name the input and the update" \
    test -n "$(grep "^--- .*scsi.xml (as given)$" "$WORK/out")" \
         -a -n "$(grep "^+++ $NAME (generation 1, update, not stored)$" "$WORK/out")"
EDITOR=$(editor scsi 's|</devices>|<disk type="file" device="disk"><source file="/d.img"/><target dev="sda" bus="scsi"/></disk></devices>|') \
    run edit --print-diff "$NAME"
check "edit --print-diff: a unified diff of what the engine adds" \
    grep -q "^+.*<controller type='scsi'" "$WORK/out"
check "edit --print-diff: says where the edits are kept" grep -q "kept in" "$WORK/err"
check "define and edit --print-diff store nothing" test "$before" = "$(snapshot "$STORE")"
rm -f "$TMPDIR"/*

run upgrade --dry-run --to 2 "$NAME"
check "upgrade: the diff header names both generations" \
    test "$(head -n 2 "$WORK/out")" = "$(printf -- '--- %s (generation 1)\n+++ %s (generation 2)' "$NAME" "$NAME")"

echo "1..$n"
[ "$failed" -eq 0 ]
