/*
 * vddiff.c: line-oriented unified diffs
 *
 * Domain definitions are a few hundred lines, so a quadratic longest-common-
 * subsequence table is fine and keeps this short.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdbool.h>

#include "util/vddiff.h"

typedef struct {
    char op;        /* ' ', '-', '+' */
    const char *line;
    guint a;        /* line number in a (1-based, of the next a line) */
    guint b;
} vdDiffLine;


static void
vdDiffHunk(GString *out,
           GArray *ops,
           guint start,
           guint end)
{
    guint i;
    guint aStart = g_array_index(ops, vdDiffLine, start).a;
    guint bStart = g_array_index(ops, vdDiffLine, start).b;
    guint aLen = 0;
    guint bLen = 0;

    for (i = start; i < end; i++) {
        char op = g_array_index(ops, vdDiffLine, i).op;

        aLen += op != '+';
        bLen += op != '-';
    }
    g_string_append_printf(out, "@@ -%u,%u +%u,%u @@\n", aLen ? aStart : aStart - 1, aLen,
                           bLen ? bStart : bStart - 1, bLen);
    for (i = start; i < end; i++) {
        vdDiffLine *l = &g_array_index(ops, vdDiffLine, i);

        g_string_append_printf(out, "%c%s\n", l->op, l->line);
    }
}


/* Returns NULL when the texts are equal. */
char *
vdDiffUnified(const char *a,
              const char *b,
              const char *nameA,
              const char *nameB,
              unsigned int context)
{
    g_auto(GStrv) la = g_strsplit(a, "\n", -1);
    g_auto(GStrv) lb = g_strsplit(b, "\n", -1);
    guint na = g_strv_length(la);
    guint nb = g_strv_length(lb);
    g_autofree guint *lcs = NULL;
    g_autoptr(GArray) ops = g_array_new(FALSE, FALSE, sizeof(vdDiffLine));
    GString *out;
    guint i = 0;
    guint j = 0;
    guint k;
    bool changed = false;

    /* a trailing newline leaves one empty last element */
    if (na && !*la[na - 1])
        na--;
    if (nb && !*lb[nb - 1])
        nb--;

    lcs = g_new0(guint, (gsize)(na + 1) * (nb + 1));
#define L(x, y) lcs[(gsize)(x) * (nb + 1) + (y)]
    for (i = na; i-- > 0;) {
        for (j = nb; j-- > 0;) {
            if (g_str_equal(la[i], lb[j]))
                L(i, j) = L(i + 1, j + 1) + 1;
            else
                L(i, j) = MAX(L(i + 1, j), L(i, j + 1));
        }
    }
    i = j = 0;
    while (i < na || j < nb) {
        vdDiffLine l = { .a = i + 1, .b = j + 1 };

        if (i < na && j < nb && g_str_equal(la[i], lb[j])) {
            l.op = ' ';
            l.line = la[i++];
            j++;
        } else if (j < nb && (i == na || L(i, j + 1) > L(i + 1, j))) {
            l.op = '+';
            l.line = lb[j++];
            changed = true;
        } else {
            l.op = '-';
            l.line = la[i++];
            changed = true;
        }
        g_array_append_val(ops, l);
    }
#undef L
    if (!changed)
        return NULL;

    out = g_string_new(NULL);
    g_string_append_printf(out, "--- %s\n+++ %s\n", nameA, nameB);
    for (k = 0; k < ops->len;) {
        guint start;
        guint end;
        guint last;

        if (g_array_index(ops, vdDiffLine, k).op == ' ') {
            k++;
            continue;
        }
        start = k > context ? k - context : 0;
        /* extend over changes separated by at most 2*context unchanged lines */
        last = k;
        for (end = k; end < ops->len; end++) {
            if (g_array_index(ops, vdDiffLine, end).op != ' ')
                last = end;
            else if (end - last > 2 * context)
                break;
        }
        end = MIN(last + 1 + context, ops->len);
        vdDiffHunk(out, ops, start, end);
        k = end;
    }
    return g_string_free(out, FALSE);
}
