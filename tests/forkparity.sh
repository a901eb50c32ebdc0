#!/bin/bash
# Generation 1 through the fork equals stock libvirt 9.0: every golden input of ours
# (tests/vdxml2xmldata, with libvirt's goldens *.gen1.xml / *.gen1.err made by real
# libvirt) and the oracle's public corpus are defined through the fork's embedded QEMU
# driver at defaults_generation = 1, with and without defaults_engine_only = 1, and
# compared with what stock stored (../shared/oracle/forkscore.py).  TAP.
#
# usage: tests/forkparity.sh        (a TAP skip of the whole file, when the fork or the oracle is
#                                    missing)

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fbuild=${VD_FORK_DIR:-$top/build-fork}/libvirt/build
oracle=${VD_ORACLE_DIR:-$top/../shared/oracle}
work=${VD_FORKTEST_DIR:-$top/build/tests/forktest}/parity

if [ ! -x "$fbuild/tools/virsh" ]; then
    echo "1..0 # SKIP the fork is not built (build-aux/fork-build.sh)"
    exit 0
fi
if [ ! -f "$oracle/forkscore.py" ]; then
    echo "1..0 # SKIP no oracle at $oracle"
    exit 0
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

# NAME, or NAME@only for a difference of the defaults_engine_only run alone
knownAll=$(grep -v '^#' "$top/tests/forkparity-known.txt" | awk 'NF { print $1 }')

n=0
fails=0
# One forkscore run; it passes when every figure is 100% but for the inputs listed in
# tests/forkparity-known.txt, each of which must still differ.
score() {
    local name=$1
    shift
    local out line differ unexpected fixed known
    n=$((n + 1))
    if [[ " $* " == *" --engine-only "* ]]; then
        known=$(echo "$knownAll" | sed 's/@only$//' | sort)
    else
        known=$(echo "$knownAll" | grep -v '@only$' | sort)
    fi
    out=$(/usr/bin/python3 "$oracle/forkscore.py" --fork-run "$top/build-aux/fork-run" \
        --generation 1 "$@" --show 100000 2>&1)
    line=$(echo "$out" | grep '^FORK-SCORE' | tail -1)
    differ=$(echo "$out" | sed -n 's|^--- .*/inputs/\([^/]*\)\.xml: .*|\1|p' | sort -u)
    unexpected=$(comm -23 <(echo "$differ" | sed '/^$/d') <(echo "$known"))
    fixed=$(comm -13 <(echo "$differ" | sed '/^$/d') <(echo "$known" | grep -Fx -f <(ls "${corpus}/inputs" | sed 's/\.xml$//') || true))
    if [ -n "$line" ] && [ -z "$unexpected" ] && [ -z "$fixed" ]; then
        echo "ok $n - $name: $line; known: $(echo "$differ" | sed '/^$/d' | wc -l)"
    else
        fails=$((fails + 1))
        echo "not ok $n - $name: ${line:-no score}"
        [ -n "$unexpected" ] && echo "$unexpected" | sed 's/^/# differs: /'
        [ -n "$fixed" ] && echo "$fixed" | sed 's/^/# listed as known but no longer differs: /'
        echo "$out" | grep -A12 '^--- ' | head -60 | sed 's/^/# /'
    fi
}

for corpus in "$work/goldens" "$oracle/corpus"; do
    label=$( [ "$corpus" = "$work/goldens" ] && echo "golden inputs" || echo "oracle corpus")
    score "$label, generation 1, engine and libvirt" --corpus "$corpus"
    score "$label, generation 1, engine only" --corpus "$corpus" --engine-only
done
# The control: engine off and libvirt's own defaults off, so nothing adds defaults.
# Definitions must come out incomplete or be refused, never the same as stock's.
n=$((n + 1))
corpus="$oracle/corpus"
out=$(/usr/bin/python3 "$oracle/forkscore.py" --fork-run "$top/build-aux/fork-run" \
    --generation 1 --corpus "$corpus" --engine-off --engine-only 2>&1)
line=$(echo "$out" | grep '^FORK-SCORE' | tail -1)
doc=$(echo "$line" | sed -n 's/.* doc=\([0-9]*\)\.[0-9]*%.*/\1/p')
if [ -n "$doc" ] && [ "$doc" -lt 20 ]; then
    echo "ok $n - control, nothing adds defaults (oracle corpus): $line"
else
    fails=$((fails + 1))
    echo "not ok $n - control, nothing adds defaults: ${line:-no score}"
    echo "$out" | tail -20 | sed 's/^/# /'
fi

echo "1..$n"
[ $fails -eq 0 ]
