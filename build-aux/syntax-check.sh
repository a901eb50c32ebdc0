#!/bin/bash
# syntax-check: the project's source rules, each runnable on its own.
#
# usage: build-aux/syntax-check.sh [RULE|all|--list] [TOPDIR]
#
# meson registers every rule as its own test in suite 'syntax-check'
# (build-aux/meson.build), so `meson test -C build --suite syntax-check` runs them
# all and names the one that failed. A failing rule prints each offender as
# FILE:LINE: what is wrong, and exits 1.
#
# Rules (STYLE.md items in brackets):
#   banned-apis           libc allocation and string functions GLib replaces [10]
#   unmarked-diagnostics  user-visible messages in src/ go through _() [9, 29]
#   gettext-literal       the argument of _() is whole string literals, or no literal [29]
#   no-gettext-in-tests   tests never use _() or N_() [21]
#   enum-last             every VD_ENUM_IMPL is sized by a _LAST value [12]
#   layering              lower layers never include higher ones [3]
#   potfiles              po/POTFILES.in lists every src/ file with _() or N_() [29]
#   trailing-whitespace   no trailing blanks in sources, build files and docs [5]
#   no-tabs               no tabs in C [5]
#   docs-settings         docs/formatdefaults.rst documents exactly the table's settings
#   clang-format          files .clang-format would change (reported, not gating yet:
#                         set VD_CLANG_FORMAT_GATE=1 to make it fail) [5, 26]

set -uo pipefail

rules="banned-apis unmarked-diagnostics gettext-literal no-gettext-in-tests enum-last layering
       potfiles trailing-whitespace no-tabs docs-settings clang-format"

rule=${1:-all}
top=${2:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 99

# Files are listed with find, not git, so that the rules also run on a release tarball
# and see files not committed yet.
c_files() {
    local d
    for d in "$@"; do
        if [ -d "$d" ]; then
            find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print
        fi
    done | LC_ALL=C sort
}

# The perl helpers shared by the rules: strip() blanks comments and, with $keep_strings
# false, the contents of string and character literals, keeping every newline so that
# line numbers stay right.
perl_common='
use strict;
use warnings;
sub slurp { my ($f) = @_; open(my $fh, "<", $f) or die "$f: $!\n"; local $/; my $s = <$fh>; close $fh; return $s; }
sub blank { my ($t) = @_; $t =~ s/[^\n]/ /g; return $t; }
sub strip {
    my ($s, $keep_strings) = @_;
    $s =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'"'"'(?:\\.|[^'"'"'\\\n])*'"'"')}{
        my $m = $1;
        if ($m =~ m{^/}) { blank($m) }
        elsif ($keep_strings) { $m }
        else { substr($m, 0, 1) . blank(substr($m, 1, -1)) . substr($m, -1) }
    }gse;
    return $s;
}
sub lineno { my ($s, $pos) = @_; return 1 + (substr($s, 0, $pos) =~ tr/\n//); }
my $bad = 0;
sub report { my ($f, $l, $msg) = @_; print "$f:$l: $msg\n"; $bad++; }
'

check_banned_apis() {
    # Whole words only: g_free, xmlFree, g_strdup and g_strcmp0 are what we want.
    # Exceptions, as libvirt's syntax-check has them, per file and API:
    #   src/store/vdstorelibvirt.c free(): libvirt's public API hands out memory
    #       (virDomainGetXMLDesc, virConnectListAllDomains) that must be freed with free().
    c_files src tests | xargs -r perl -e "$perl_common"'
        my %allowed = ("src/store/vdstorelibvirt.c" => { free => 1 });
        for my $f (@ARGV) {
            my $s = strip(slurp($f), 0);
            while ($s =~ /(?<![A-Za-z0-9_])(malloc|calloc|realloc|free|strdup|strndup|sprintf|vsprintf|strcmp|atoi|atol|xmlGetProp)\s*\(/g) {
                next if $allowed{$f} && $allowed{$f}{$1};
                report($f, lineno($s, $-[0]), "banned API $1(): use the GLib or vdXML equivalent (STYLE.md 10, 14)");
            }
        }
        exit($bad ? 1 : 0);'
}

check_unmarked_diagnostics() {
    # The message argument of g_set_error() and friends, g_printerr() and
    # fprintf(stderr, ...) must be _(...) when it is a literal with words in it.
    # A literal that is only conversions and punctuation ("%s", "virt-defaults: %s\n")
    # has nothing to translate.
    c_files src | xargs -r perl -e "$perl_common"'
        my %argidx = (g_set_error => 3, g_set_error_literal => 3, g_prefix_error => 1,
                      g_printerr => 0, g_print => 0, fprintf => 1);
        for my $f (@ARGV) {
            my $s = strip(slurp($f), 1);
            while ($s =~ /(?<![A-Za-z0-9_])(g_set_error|g_set_error_literal|g_prefix_error|g_printerr|fprintf)\s*\(/g) {
                my ($fn, $start, $i) = ($1, $-[0], pos($s));
                my ($depth, $cur, @args) = (1, "");
                while ($i < length($s) && $depth > 0) {
                    my $c = substr($s, $i, 1);
                    if ($c eq "\"" || $c eq "\x27") {
                        my $rest = substr($s, $i);
                        $rest =~ /^(["\x27])(?:\\.|(?!\1)[^\\\n])*\1/ or last;
                        $cur .= $&; $i += length($&); next;
                    }
                    if ($c eq "(") { $depth++; }
                    elsif ($c eq ")") { $depth--; last if $depth == 0; }
                    elsif ($c eq "," && $depth == 1) { push @args, $cur; $cur = ""; $i++; next; }
                    $cur .= $c; $i++;
                }
                push @args, $cur;
                s/^\s+|\s+$//g for @args;
                my $idx = $argidx{$fn};
                next if $fn eq "fprintf" && $args[0] ne "stderr";
                my $msg = $args[$idx] // "";
                next unless $msg =~ /^"/;
                my $text = join("", $msg =~ /"((?:\\.|[^"\\])*)"/g);
                $text =~ s/\\[nt]//g;
                $text =~ s/%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcspn%]//g;
                $text =~ s/virt-defaults//g;
                next unless $text =~ /[A-Za-z]{2,}/;
                report($f, lineno($s, $start), "$fn() message not marked for translation: wrap it in _() (STYLE.md 9)");
            }
        }
        exit($bad ? 1 : 0);'
}

check_gettext_literal() {
    # xgettext only sees string literals: _("a %" G_GSIZE_FORMAT " b") puts a truncated
    # msgid in the catalog that never matches the string looked up at run time.
    # _(variable) is fine (the literal is marked with N_() where it is defined).
    c_files src | xargs -r perl -e "$perl_common"'
        for my $f (@ARGV) {
            my $s = strip(slurp($f), 1);
            while ($s =~ /(?<![A-Za-z0-9_])(N?_)\s*\(/g) {
                my ($fn, $start, $i, $depth, $arg) = ($1, $-[0], pos($s), 1, "");
                while ($i < length($s)) {
                    my $c = substr($s, $i, 1);
                    if ($c eq "\"") {
                        my $rest = substr($s, $i);
                        $rest =~ /^"(?:\\.|[^"\\\n])*"/ or last;
                        $arg .= $&; $i += length($&); next;
                    }
                    $depth++ if $c eq "(";
                    $depth-- if $c eq ")";
                    last if $depth == 0;
                    $arg .= $c; $i++;
                }
                next unless $arg =~ /"/;
                next if $arg =~ /^\s*(?:"(?:\\.|[^"\\])*"\s*)+$/;
                report($f, lineno($s, $start), "$fn() argument mixes string literals with other tokens: xgettext cannot see the whole message (STYLE.md 9, 29)");
            }
        }
        exit($bad ? 1 : 0);'
}

check_no_gettext_in_tests() {
    c_files tests | xargs -r perl -e "$perl_common"'
        for my $f (@ARGV) {
            my $s = strip(slurp($f), 0);
            while ($s =~ /(?<![A-Za-z0-9_])(N?_)\s*\(/g) {
                report($f, lineno($s, $-[0]), "$1() in a test: tests compare untranslated text, use a plain string (STYLE.md 21)");
            }
        }
        exit($bad ? 1 : 0);'
}

check_enum_last() {
    c_files src tests | xargs -r perl -e "$perl_common"'
        for my $f (@ARGV) {
            my $s = strip(slurp($f), 0);
            while ($s =~ /(?<![A-Za-z0-9_#])VD_ENUM_IMPL\s*\(\s*(\w+)\s*,\s*([^,\s)]*)/g) {
                my ($name, $last) = ($1, $2);
                my $at = $-[0];
                next if substr($s, 0, $at) =~ /#\s*define\s+$/;
                report($f, lineno($s, $at), "VD_ENUM_IMPL($name, $last, ...) must be sized by a ..._LAST value (STYLE.md 12)")
                    unless $last =~ /^[A-Z0-9_]+_LAST$/;
            }
        }
        exit($bad ? 1 : 0);'
}

check_layering() {
    local layer banned
    local status=0
    while read -r layer banned; do
        [ -d "src/$layer" ] || continue
        c_files "src/$layer" | xargs -r perl -e "$perl_common"'
            my ($layer, $banned) = (shift @ARGV, shift @ARGV);
            for my $f (@ARGV) {
                my $s = strip(slurp($f), 1);
                while ($s =~ /^[ \t]*#[ \t]*include[ \t]*[<"](?:\.\.\/)*(?:src\/)?($banned)\/([^">]*)[">]/mg) {
                    report($f, lineno($s, $-[0]), "src/$layer must not include $1/$2: lower layers never include higher ones (STYLE.md 3)");
                }
            }
            exit($bad ? 1 : 0);' "$layer" "$banned" || status=1
    done <<'EOF'
util conf|defaults|engine|guard|store|cli
conf defaults|engine|guard|store|cli
defaults engine|guard|store|cli
engine guard|store|cli
EOF
    return $status
}

check_potfiles() {
    [ -f po/POTFILES.in ] || { echo "po/POTFILES.in: missing"; return 1; }
    c_files src | xargs -r perl -e "$perl_common"'
        my %listed;
        open(my $fh, "<", "po/POTFILES.in") or die "po/POTFILES.in: $!\n";
        while (my $l = <$fh>) {
            chomp $l;
            $l =~ s/^\s+|\s+$//g;
            next if $l eq "" || $l =~ /^#/;
            $listed{$l} = $.;
            report("po/POTFILES.in", $., "lists $l, which does not exist") unless -f $l;
        }
        close $fh;
        for my $f (@ARGV) {
            my $s = strip(slurp($f), 0);
            next unless $s =~ /(?<![A-Za-z0-9_])N?_\s*\(/;
            report($f, lineno($s, $-[0]), "marks strings for translation but is not listed in po/POTFILES.in")
                unless $listed{$f};
        }
        exit($bad ? 1 : 0);'
}

check_trailing_whitespace() {
    {
        c_files src tests
        for d in src tests docs po build-aux .ci; do
            if [ -d "$d" ]; then
                find "$d" -type f \( -name meson.build -o -name '*.rst' -o -name POTFILES.in \
                    -o -name '*.sh' -o -name '*.py' -o -path .ci/run \) -print
            fi
        done
        for f in meson.build meson_options.txt README.rst AUTHORS .clang-format; do
            if [ -f "$f" ]; then
                echo "$f"
            fi
        done
    } | LC_ALL=C sort -u | xargs -r perl -e "$perl_common"'
        for my $f (@ARGV) {
            open(my $fh, "<", $f) or die "$f: $!\n";
            while (my $l = <$fh>) {
                $l =~ s/\r?\n\z//;
                report($f, $., "trailing whitespace") if $l =~ /[ \t]\z/;
            }
            close $fh;
        }
        exit($bad ? 1 : 0);'
}

check_no_tabs() {
    c_files src tests | xargs -r perl -e "$perl_common"'
        for my $f (@ARGV) {
            open(my $fh, "<", $f) or die "$f: $!\n";
            while (my $l = <$fh>) {
                report($f, $., "tab character: indent with 4 spaces (STYLE.md 5)") if $l =~ /\t/;
            }
            close $fh;
        }
        exit($bad ? 1 : 0);'
}

check_docs_settings() {
    local table=src/defaults/vdtable.c doc=docs/formatdefaults.rst
    [ -f "$table" ] || { echo "$table: missing"; return 1; }
    [ -f "$doc" ] || { echo "$doc: missing"; return 1; }
    perl -e "$perl_common"'
        my ($table, $doc) = @ARGV;
        my $s = strip(slurp($table), 1);
        $s =~ /vdSettings\[\w*\]\s*=\s*\{(.*?)\n\};/s or do { report($table, 1, "no vdSettings array found"); exit 1; };
        my %known;
        my $base = $-[1];
        my $body = $1;
        while ($body =~ /\{\s*"([^"]+)"\s*,\s*VD_SETTING_/g) {
            $known{$1} = lineno($s, $base + $-[0]);
        }
        my %documented;
        open(my $fh, "<", $doc) or die "$doc: $!\n";
        while (my $l = <$fh>) {
            $documented{$1} = $. if $l =~ /^``([a-z0-9][a-z0-9.\-]*)``\s*$/;
        }
        close $fh;
        for my $k (sort keys %known) {
            report($table, $known{$k}, "setting $k is not documented in $doc") unless $documented{$k};
        }
        for my $k (sort keys %documented) {
            report($doc, $documented{$k}, "documents setting $k, which $table does not define") unless $known{$k};
        }
        exit($bad ? 1 : 0);' "$table" "$doc"
}

check_clang_format() {
    local cf n=0 total=0 f
    cf=$(command -v clang-format-14 || command -v clang-format) || {
        echo "clang-format not found: skipped"
        return 77
    }
    [ -f .clang-format ] || { echo ".clang-format: missing"; return 1; }
    while read -r f; do
        total=$((total + 1))
        if ! "$cf" --style=file "$f" | cmp -s - "$f"; then
            echo "$f: would be reformatted by clang-format"
            n=$((n + 1))
        fi
    done < <(c_files src tests)
    echo "clang-format: $n of $total files would change"
    if [ "$n" -gt 0 ] && [ "${VD_CLANG_FORMAT_GATE:-0}" = 1 ]; then
        return 1
    fi
    return 0
}

run_rule() {
    case "$1" in
        banned-apis) check_banned_apis ;;
        unmarked-diagnostics) check_unmarked_diagnostics ;;
        gettext-literal) check_gettext_literal ;;
        no-gettext-in-tests) check_no_gettext_in_tests ;;
        enum-last) check_enum_last ;;
        layering) check_layering ;;
        potfiles) check_potfiles ;;
        trailing-whitespace) check_trailing_whitespace ;;
        no-tabs) check_no_tabs ;;
        docs-settings) check_docs_settings ;;
        clang-format) check_clang_format ;;
        *) echo "syntax-check: unknown rule '$1' (rules: $(echo $rules))" >&2; return 99 ;;
    esac
}

case "$rule" in
    --list)
        printf '%s\n' $rules
        ;;
    all)
        failed=""
        for r in $rules; do
            run_rule "$r"
            rc=$?
            if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
                failed="$failed $r"
            fi
        done
        if [ -n "$failed" ]; then
            echo "syntax-check: failed:$failed"
            exit 1
        fi
        echo "syntax-check: all rules pass"
        ;;
    *)
        run_rule "$rule"
        rc=$?
        # xargs reports a failing child as 123: meson only needs fail (1) or skip (77).
        if [ $rc -ne 0 ] && [ $rc -ne 77 ] && [ $rc -ne 99 ]; then
            rc=1
        fi
        exit $rc
        ;;
esac
