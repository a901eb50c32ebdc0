/*
 * vddiff.c: line-oriented unified diffs
 *
 * Completed definitions of thousands of devices run to tens of thousands of lines, so
 * the edit script comes from Myers' algorithm in linear space, not from a table of
 * every pair of lines.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdbool.h>
#include <string.h>

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


/* ---- Myers' O(ND) difference algorithm in linear space ----------------------
 *
 * E. W. Myers, "An O(ND) Difference Algorithm and Its Variations" (1986), section 4b:
 * find the middle snake of an edit script by running the greedy search forwards from
 * the top left and backwards from the bottom right until they meet, then recurse on
 * the two halves.  Memory is O(N), time O((N + M) D): a generation upgrade changes a
 * few lines per device, so D stays small even for definitions of thousands of
 * devices, where the old table of N x M cells took gigabytes. */

typedef struct {
    const guint *a;         /* line ids */
    const guint *b;
    gint *vf;               /* furthest x on each diagonal, forwards */
    gint *vb;               /* furthest y on each diagonal, backwards */
    guint8 *del;            /* del[x]: line x of a is removed */
    guint8 *ins;            /* ins[y]: line y of b is added */
} vdDiffState;


/* Marks the single edit, if any, between two points of the edit graph joined by at most
 * one edit and diagonal moves. */
static void
vdDiffMarkStep(vdDiffState *s,
               gint x1,
               gint y1,
               gint x2,
               gint y2)
{
    while (x1 < x2 && y1 < y2 && s->a[x1] == s->b[y1]) {
        x1++;
        y1++;
    }
    if (x2 - x1 < y2 - y1)
        s->ins[y1] = 1;
    else if (x2 - x1 > y2 - y1)
        s->del[x1] = 1;
}


/* The middle snake of the box [left, right) x [top, bottom), as two points: a path
 * from the start point to the end point takes at most one edit.  The box is not
 * empty. */
static void
vdDiffMidpoint(vdDiffState *s,
               gint left,
               gint top,
               gint right,
               gint bottom,
               gint *start,
               gint *finish)
{
    gint width = right - left;
    gint height = bottom - top;
    gint size = width + height;
    gint delta = width - height;
    gint max = (size + 1) / 2;
    gint off = max + 1;
    gint *vf = s->vf;
    gint *vb = s->vb;
    gint d;
    gint k;
    gint c;

    vf[off + 1] = left;
    vb[off + 1] = bottom;
    for (d = 0; d <= max; d++) {
        for (k = d; k >= -d; k -= 2) {
            gint px;
            gint py;
            gint x;
            gint y;

            if (k == -d || (k != d && vf[off + k - 1] < vf[off + k + 1])) {
                px = x = vf[off + k + 1];
            } else {
                px = vf[off + k - 1];
                x = px + 1;
            }
            y = top + (x - left) - k;
            py = (d == 0 || x != px) ? y : y - 1;
            while (x < right && y < bottom && s->a[x] == s->b[y]) {
                x++;
                y++;
            }
            vf[off + k] = x;
            c = k - delta;
            if ((delta & 1) && c >= -(d - 1) && c <= d - 1 && y >= vb[off + c]) {
                start[0] = px;
                start[1] = py;
                finish[0] = x;
                finish[1] = y;
                return;
            }
        }
        for (c = d; c >= -d; c -= 2) {
            gint kk = c + delta;
            gint px;
            gint py;
            gint x;
            gint y;

            if (c == -d || (c != d && vb[off + c - 1] > vb[off + c + 1])) {
                py = y = vb[off + c + 1];
            } else {
                py = vb[off + c - 1];
                y = py - 1;
            }
            x = left + (y - top) + kk;
            px = (d == 0 || y != py) ? x : x + 1;
            while (x > left && y > top && s->a[x - 1] == s->b[y - 1]) {
                x--;
                y--;
            }
            vb[off + c] = y;
            if (!(delta & 1) && kk >= -d && kk <= d && x <= vf[off + kk]) {
                start[0] = x;
                start[1] = y;
                finish[0] = px;
                finish[1] = py;
                return;
            }
        }
    }
    g_assert_not_reached();
}


static void
vdDiffPath(vdDiffState *s,
           gint left,
           gint top,
           gint right,
           gint bottom)
{
    gint start[2];
    gint finish[2];

    if (left == right) {
        for (; top < bottom; top++)
            s->ins[top] = 1;
        return;
    }
    if (top == bottom) {
        for (; left < right; left++)
            s->del[left] = 1;
        return;
    }
    vdDiffMidpoint(s, left, top, right, bottom, start, finish);
    vdDiffPath(s, left, top, start[0], start[1]);
    vdDiffMarkStep(s, start[0], start[1], finish[0], finish[1]);
    vdDiffPath(s, finish[0], finish[1], right, bottom);
}


/* The lines of @text, in a copy of it (@copy) cut at each newline; a trailing newline
 * leaves no empty last line.  Not g_strsplit(), whose search from every line to the
 * end of the text is quadratic under AddressSanitizer. */
static char **
vdDiffLines(const char *text,
            char **copy,
            guint *n)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new();
    char *p = *copy = g_strdup(text);
    char *nl;

    while (*p) {
        g_ptr_array_add(lines, p);
        if (!(nl = strchr(p, '\n')))
            break;
        *nl = '\0';
        p = nl + 1;
    }
    *n = lines->len;
    g_ptr_array_add(lines, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&lines), FALSE);
}


/* Each distinct line as a small integer, so that the search compares numbers. */
static guint *
vdDiffIntern(GHashTable *ids,
             char **lines,
             guint n)
{
    guint *out = g_new(guint, n ? n : 1);
    guint i;

    for (i = 0; i < n; i++) {
        gpointer id;

        if (!g_hash_table_lookup_extended(ids, lines[i], NULL, &id)) {
            id = GUINT_TO_POINTER(g_hash_table_size(ids));
            g_hash_table_insert(ids, lines[i], id);
        }
        out[i] = GPOINTER_TO_UINT(id);
    }
    return out;
}


/* The edit script as lines to print, removed lines before added ones within each
 * change; NULL when nothing changed. */
static GArray *
vdDiffScript(char **la,
             guint na,
             char **lb,
             guint nb,
             const guint8 *del,
             const guint8 *ins)
{
    g_autoptr(GArray) ops = g_array_new(FALSE, FALSE, sizeof(vdDiffLine));
    guint i = 0;
    guint j = 0;
    bool changed = false;

    while (i < na || j < nb) {
        vdDiffLine l = { .a = i + 1, .b = j + 1 };

        if (i < na && del[i]) {
            l.op = '-';
            l.line = la[i++];
            changed = true;
        } else if (j < nb && ins[j]) {
            l.op = '+';
            l.line = lb[j++];
            changed = true;
        } else {
            l.op = ' ';
            l.line = la[i++];
            j++;
        }
        g_array_append_val(ops, l);
    }
    return changed ? g_steal_pointer(&ops) : NULL;
}


/* The script in hunks with @context unchanged lines around each change. */
static char *
vdDiffFormat(GArray *ops,
             const char *nameA,
             const char *nameB,
             unsigned int context)
{
    GString *out = g_string_new(NULL);
    guint k;

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


/* Returns NULL when the texts are equal. */
char *
vdDiffUnified(const char *a,
              const char *b,
              const char *nameA,
              const char *nameB,
              unsigned int context)
{
    g_autofree char *copyA = NULL;
    g_autofree char *copyB = NULL;
    guint na = 0;
    guint nb = 0;
    g_autofree char **la = vdDiffLines(a, &copyA, &na);
    g_autofree char **lb = vdDiffLines(b, &copyB, &nb);
    g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree guint *ia = NULL;
    g_autofree guint *ib = NULL;
    g_autofree gint *vf = NULL;
    g_autofree gint *vb = NULL;
    g_autofree guint8 *del = NULL;
    g_autofree guint8 *ins = NULL;
    g_autoptr(GArray) ops = NULL;
    vdDiffState s = { 0 };
    gsize vsize;

    ia = vdDiffIntern(ids, la, na);
    ib = vdDiffIntern(ids, lb, nb);
    vsize = 2 * (((gsize)na + nb + 1) / 2) + 3;
    s.a = ia;
    s.b = ib;
    s.vf = vf = g_new0(gint, vsize);
    s.vb = vb = g_new0(gint, vsize);
    s.del = del = g_new0(guint8, na + 1);
    s.ins = ins = g_new0(guint8, nb + 1);
    vdDiffPath(&s, 0, 0, (gint)na, (gint)nb);

    if (!(ops = vdDiffScript(la, na, lb, nb, del, ins)))
        return NULL;
    return vdDiffFormat(ops, nameA, nameB, context);
}
