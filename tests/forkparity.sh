#!/bin/bash
# Generation 1 through the fork equals stock libvirt 9.0: every golden input of ours
# (tests/vdxml2xmldata, with libvirt's goldens *.gen1.xml / *.gen1.err made by real
# libvirt) and the oracle's public corpus are defined through the fork's embedded QEMU
# driver at defaults_generation = 1, with and without defaults_engine_only = 1, and
# compared with what stock stored (../shared/oracle/forkscore.py).  TAP.
#
# usage: tests/forkparity.sh        (exit 77, skipped, when the fork or the oracle is
#                                    missing)

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fbuild=${VD_FORK_DIR:-$top/build-fork}/libvirt/build
oracle=${VD_ORACLE_DIR:-$top/../shared/oracle}
work=${VD_FORKTEST_DIR:-$top/build/tests/forktest}/parity

if [ ! -x "$fbuild/tools/virsh" ]; then
    echo "1..0 # SKIP the fork is not built (build-aux/fork-build.sh)"
    exit 77
fi
if [ ! -f "$oracle/forkscore.py" ]; then
    echo "1..0 # SKIP no oracle at $oracle"
    exit 77
fi

# our goldens as a corpus: inputs/NAME.xml, expected/NAME.xml or NAME.err
rm -rf "$work"
mkdir -p "$work/goldens/inputs" "$work/goldens/expected"
for f in "$top"/tests/vdxml2xmldata/*.xml; do
    name=$(basename "$f" .xml)
    for ext in xml err; do
        if [ -f "$top/tests/vdxml2xmloutdata/$name.gen1.$ext" ]; then
            ln -s "$f" "$work/goldens/inputs/$name.xml"
            ln -s "$top/tests/vdxml2xmloutdata/$name.gen1.$ext" "$work/goldens/expected/$name.$ext"
        fi
    done
done

n=0
fails=0
score() {
    local name=$1
    shift
    local out line
    n=$((n + 1))
    out=$(/usr/bin/python3 "$oracle/forkscore.py" --fork-run "$top/build-aux/fork-run" \
        --generation 1 "$@" --show 3 2>&1)
    line=$(echo "$out" | grep '^FORK-SCORE' | tail -1)
    if echo "$line" | grep -q 'doc=100.0% L3=100.0% refusals=100.0%'; then
        echo "ok $n - $name: $line"
    else
        fails=$((fails + 1))
        echo "not ok $n - $name: ${line:-no score}"
        echo "$out" | tail -40 | sed 's/^/# /'
    fi
}

for corpus in "$work/goldens" "$oracle/corpus"; do
    label=$( [ "$corpus" = "$work/goldens" ] && echo "golden inputs" || echo "oracle corpus")
    score "$label, generation 1, engine and libvirt" --corpus "$corpus"
    score "$label, generation 1, engine only" --corpus "$corpus" --engine-only
done
echo "1..$n"
[ $fails -eq 0 ]
