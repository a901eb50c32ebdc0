/*
 * vdtableblob.c: the built-in table in compiled form, a GVariant
 *
 * The XML files of src/defaults are the source of the table.  At build time
 * vdtablecompile loads and validates them (schema and every check of the loader) and
 * writes the resulting vdTable as one GVariant, which is embedded as a GResource; at
 * run time vdTableLoadDefault() only turns that GVariant back into a vdTable, with no
 * XML parse and no RelaxNG validation.
 *
 * Every serialised field of every table structure is listed once, in the field
 * descriptions below: the layout string stored in the blob, the writer, the reader and
 * the comparison used by the tests all follow from them.  A new field of vdRule is one
 * line in vdRuleFields (besides reading it from XML in vdtable.c and freeing it in
 * vdRuleFree); a blob of the old layout is then refused, never misread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <stddef.h>
#include <string.h>

#include "defaults/vdtable.h"
#include "defaults/vdtablepriv.h"
#include "util/vderror.h"

/* Changes whenever the layout changes in a way the field list does not show. */
#define VD_TABLE_BLOB_MAGIC "libvirt-defaults compiled table 1"

typedef enum {
    VD_FIELD_STR,       /* char *, NULL allowed: "ms" */
    VD_FIELD_STRV,      /* char **, NULL allowed: "mas" */
    VD_FIELD_UINT,      /* unsigned int: "u" */
    VD_FIELD_INT,       /* int: "i" */
    VD_FIELD_BOOL,      /* bool: "b" */
    VD_FIELD_RECORDS,   /* GPtrArray * of records of another description: "a(...)" */
} vdFieldKind;

typedef struct _vdRecordInfo vdRecordInfo;

typedef struct {
    const char *name;
    vdFieldKind kind;
    size_t offset;
    const vdRecordInfo *records;  /* VD_FIELD_RECORDS only */
} vdFieldInfo;

struct _vdRecordInfo {
    const char *name;
    size_t size;
    GDestroyNotify free;
    const vdFieldInfo *fields;    /* ends with a NULL name */
};

#define VD_FIELD(type, field, kind) { #field, VD_FIELD_ ## kind, offsetof(type, field), NULL }
#define VD_FIELD_LIST(type, field, info) \
    { #field, VD_FIELD_RECORDS, offsetof(type, field), &(info) }

static const vdFieldInfo vdRuleFields[] = {
    VD_FIELD(vdRule, id, STR),
    VD_FIELD(vdRule, setting, STR),
    VD_FIELD(vdRule, value, STR),
    VD_FIELD(vdRule, reason, STR),
    VD_FIELD(vdRule, generation, UINT),
    VD_FIELD(vdRule, arches, STRV),
    VD_FIELD(vdRule, family, STR),
    VD_FIELD(vdRule, minVersion, STR),
    VD_FIELD(vdRule, maxVersion, STR),
    VD_FIELD(vdRule, caps, STRV),
    VD_FIELD(vdRule, file, STR),
    VD_FIELD(vdRule, line, INT),
    { NULL }
};

static const vdFieldInfo vdFamilyFields[] = {
    VD_FIELD(vdFamily, name, STR),
    VD_FIELD(vdFamily, arches, STRV),
    VD_FIELD(vdFamily, machines, STRV),
    { NULL }
};

static const vdFieldInfo vdGenerationFields[] = {
    VD_FIELD(vdGeneration, number, UINT),
    VD_FIELD(vdGeneration, title, STR),
    VD_FIELD(vdGeneration, released, BOOL),
    { NULL }
};

static const vdFieldInfo vdCapsMachineFields[] = {
    VD_FIELD(vdCapsMachine, name, STR),
    VD_FIELD(vdCapsMachine, alias, STR),
    VD_FIELD(vdCapsMachine, maxCpus, UINT),
    VD_FIELD(vdCapsMachine, defaultCPU, STR),
    VD_FIELD(vdCapsMachine, isDefault, BOOL),
    { NULL }
};

static const vdRecordInfo vdCapsMachineInfo = {
    "machine", sizeof(vdCapsMachine), (GDestroyNotify)vdCapsMachineFree, vdCapsMachineFields
};

static const vdFieldInfo vdCapsArchFields[] = {
    VD_FIELD(vdCapsArch, name, STR),
    VD_FIELD(vdCapsArch, emulator, STR),
    VD_FIELD_LIST(vdCapsArch, machines, vdCapsMachineInfo),
    VD_FIELD(vdCapsArch, version, UINT),
    VD_FIELD(vdCapsArch, flags, STRV),
    VD_FIELD(vdCapsArch, gics, UINT),
    { NULL }
};

static const vdRecordInfo vdRuleInfo = {
    "rule", sizeof(vdRule), (GDestroyNotify)vdRuleFree, vdRuleFields
};
static const vdRecordInfo vdFamilyInfo = {
    "family", sizeof(vdFamily), (GDestroyNotify)vdFamilyFree, vdFamilyFields
};
static const vdRecordInfo vdGenerationInfo = {
    "generation", sizeof(vdGeneration), (GDestroyNotify)vdGenerationFree, vdGenerationFields
};
static const vdRecordInfo vdCapsArchInfo = {
    "arch", sizeof(vdCapsArch), (GDestroyNotify)vdCapsArchFree, vdCapsArchFields
};

/* bySetting is not stored: it is an index over the rules, rebuilt by vdTableFinish. */
static const vdFieldInfo vdTableFields[] = {
    VD_FIELD(vdTable, current, UINT),
    VD_FIELD_LIST(vdTable, rules, vdRuleInfo),
    VD_FIELD_LIST(vdTable, families, vdFamilyInfo),
    VD_FIELD_LIST(vdTable, generations, vdGenerationInfo),
    VD_FIELD_LIST(vdTable, arches, vdCapsArchInfo),
    { NULL }
};

static const vdRecordInfo vdTableInfo = {
    "table", sizeof(vdTable), (GDestroyNotify)vdTableFree, vdTableFields
};


#define VD_FIELD_PTR(rec, f, type) \
    ((type *)(void *)((char *)(rec) + (f)->offset))
#define VD_FIELD_CPTR(rec, f, type) \
    ((type const *)(const void *)((const char *)(rec) + (f)->offset))


#define VD_BLOB_NONE G_MAXUINT32

static gsize
vdRecordWords(const vdRecordInfo *info)
{
    const vdFieldInfo *f;
    gsize n = 0;

    for (f = info->fields; f->name; f++)
        n += f->kind == VD_FIELD_RECORDS ? 2 : 1;
    return n;
}


static void
vdRecordLayoutAppend(const vdRecordInfo *info,
                     GString *out)
{
    static const char *const codes[] = {
        [VD_FIELD_STR] = "s", [VD_FIELD_STRV] = "as", [VD_FIELD_UINT] = "u",
        [VD_FIELD_INT] = "i", [VD_FIELD_BOOL] = "b", [VD_FIELD_RECORDS] = "a",
    };
    const vdFieldInfo *f;

    g_string_append_printf(out, "%s(", info->name);
    for (f = info->fields; f->name; f++) {
        g_string_append_printf(out, "%s%s:%s", f == info->fields ? "" : ",", f->name,
                               codes[f->kind]);
        if (f->kind == VD_FIELD_RECORDS)
            vdRecordLayoutAppend(f->records, out);
    }
    g_string_append_c(out, ')');
}


/* The layout the field descriptions give, stored in the blob so that a blob written by
 * another version of them is refused rather than misread. */
static char *
vdTableLayout(void)
{
    GString *s = g_string_new(NULL);

    vdRecordLayoutAppend(&vdTableInfo, s);
    return g_string_free(s, FALSE);
}


/* The compiled form is three flat columns, so that reading it costs no GVariant per
 * field: a pool of NUL-terminated strings; the string lists, each a run of pool offsets
 * ended by VD_BLOB_NONE; and the records, each a run of words, one per field (a pool
 * offset, a list index, a number, or for a list of records its first word and count).
 * VD_BLOB_NONE stands for NULL. */
typedef struct {
    GString *pool;
    GHashTable *offsets;    /* string -> its offset in the pool: each is stored once */
    GArray *strvs;          /* guint32 */
    GArray *words;          /* guint32 */
} vdBlobWriter;

static guint32
vdBlobWriteString(vdBlobWriter *w,
                  const char *s)
{
    gpointer off;
    guint32 o;

    if (!s)
        return VD_BLOB_NONE;
    if (g_hash_table_lookup_extended(w->offsets, s, NULL, &off))
        return GPOINTER_TO_UINT(off);
    o = w->pool->len;
    g_string_append_len(w->pool, s, strlen(s) + 1);
    g_hash_table_insert(w->offsets, (gpointer)s, GUINT_TO_POINTER(o));
    return o;
}


static guint32
vdBlobWriteStrv(vdBlobWriter *w,
                char *const *v)
{
    guint32 start = w->strvs->len;
    guint32 end = VD_BLOB_NONE;

    if (!v)
        return VD_BLOB_NONE;
    for (; *v; v++) {
        guint32 o = vdBlobWriteString(w, *v);

        g_array_append_val(w->strvs, o);
    }
    g_array_append_val(w->strvs, end);
    return start;
}


/* Writes @rec into the words at @pos, which the caller has reserved. */
static void
vdBlobWriteRecord(vdBlobWriter *w,
                  const vdRecordInfo *info,
                  const void *rec,
                  gsize pos)
{
    const vdFieldInfo *f;

#define VD_WORD(i) g_array_index(w->words, guint32, (i))
    for (f = info->fields; f->name; f++) {
        switch (f->kind) {
        case VD_FIELD_STR:
            VD_WORD(pos++) = vdBlobWriteString(w, *VD_FIELD_CPTR(rec, f, char *));
            break;
        case VD_FIELD_STRV:
            VD_WORD(pos++) = vdBlobWriteStrv(w, *VD_FIELD_CPTR(rec, f, char **));
            break;
        case VD_FIELD_UINT:
            VD_WORD(pos++) = *VD_FIELD_CPTR(rec, f, unsigned int);
            break;
        case VD_FIELD_INT:
            VD_WORD(pos++) = (guint32)*VD_FIELD_CPTR(rec, f, int);
            break;
        case VD_FIELD_BOOL:
            VD_WORD(pos++) = *VD_FIELD_CPTR(rec, f, bool);
            break;
        case VD_FIELD_RECORDS: {
            GPtrArray *list = *VD_FIELD_CPTR(rec, f, GPtrArray *);
            gsize nw = vdRecordWords(f->records);
            guint n = list ? list->len : 0;
            gsize start = w->words->len;
            guint i;

            /* the entries are contiguous, after everything written so far */
            g_array_set_size(w->words, start + n * nw);
            VD_WORD(pos++) = start;
            VD_WORD(pos++) = n;
            for (i = 0; i < n; i++)
                vdBlobWriteRecord(w, f->records, g_ptr_array_index(list, i), start + i * nw);
            break;
        }
        }
    }
#undef VD_WORD
}


/* The compiled form of @table: a GVariant ("magic", "layout", pool, lists, records),
 * little-endian whatever the host. */
GBytes *
vdTableSerialize(const vdTable *table)
{
    vdBlobWriter w = {
        g_string_new(NULL),
        g_hash_table_new(g_str_hash, g_str_equal),
        g_array_new(FALSE, FALSE, sizeof(guint32)),
        g_array_new(FALSE, TRUE, sizeof(guint32)),
    };
    g_autofree char *layout = vdTableLayout();
    g_autoptr(GVariant) root = NULL;
    GBytes *ret;

    g_array_set_size(w.words, vdRecordWords(&vdTableInfo));
    vdBlobWriteRecord(&w, &vdTableInfo, table, 0);
    /* the reader relies on a pool that ends with a NUL */
    g_string_append_c(w.pool, '\0');
    root = g_variant_ref_sink(g_variant_new(
        "(ss@ay@au@au)", VD_TABLE_BLOB_MAGIC, layout,
        g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, w.pool->str, w.pool->len, 1),
        g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, w.strvs->data, w.strvs->len,
                                  sizeof(guint32)),
        g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, w.words->data, w.words->len,
                                  sizeof(guint32))));
    if (G_BYTE_ORDER == G_BIG_ENDIAN) {
        GVariant *swapped = g_variant_byteswap(root);

        g_variant_unref(root);
        root = swapped;
    }
    ret = g_variant_get_data_as_bytes(root);
    g_string_free(w.pool, TRUE);
    g_hash_table_unref(w.offsets);
    g_array_unref(w.strvs);
    g_array_unref(w.words);
    return ret;
}


/* What a table read from the blob borrows: the GVariant its strings point into, its
 * string lists, and the blocks its records live in. */
typedef struct {
    GVariant *root;
    char **strvs;
    GPtrArray *chunks;      /* the records, one block per list */
    GPtrArray *lists;       /* a reference to every list, nested ones included */
} vdBlobStorage;

static void
vdBlobStorageFree(vdBlobStorage *st)
{
    if (!st)
        return;
    g_clear_pointer(&st->root, g_variant_unref);
    g_free(st->strvs);
    g_clear_pointer(&st->chunks, g_ptr_array_unref);
    g_clear_pointer(&st->lists, g_ptr_array_unref);
    g_free(st);
}


typedef struct {
    const char *pool;
    gsize npool;
    gsize nstrvs;
    const guint32 *words;
    gsize nwords;
    vdBlobStorage *st;
} vdBlobReader;

static bool vdBlobReadRecord(vdBlobReader *r, const vdRecordInfo *info, gsize pos, void *rec);

static bool
vdBlobReadRecords(vdBlobReader *r,
                  const vdRecordInfo *parent,
                  const vdFieldInfo *f,
                  guint32 start,
                  guint32 n,
                  GPtrArray **list)
{
    gsize nw = vdRecordWords(f->records);
    char *chunk = NULL;
    guint32 i;

    if (start > r->nwords || n > (r->nwords - start) / nw)
        return false;
    /* no free function: the records are freed in blocks with the storage, which also
     * frees the nested lists, as vdCapsArchFree would; the table's own lists are also
     * unreferenced by vdTableFree */
    *list = g_ptr_array_sized_new(n);
    g_ptr_array_add(r->st->lists, *list);
    if (parent == &vdTableInfo)
        g_ptr_array_ref(*list);
    if (n > 0) {
        chunk = g_malloc0_n(n, f->records->size);
        g_ptr_array_add(r->st->chunks, chunk);
    }
    for (i = 0; i < n; i++) {
        void *sub = chunk + (gsize)i * f->records->size;

        if (!vdBlobReadRecord(r, f->records, start + (gsize)i * nw, sub))
            return false;
        g_ptr_array_add(*list, sub);
    }
    return true;
}


static bool
vdBlobReadRecord(vdBlobReader *r,
                 const vdRecordInfo *info,
                 gsize pos,
                 void *rec)
{
    const vdFieldInfo *f;
    const guint32 *w = r->words + pos;

    for (f = info->fields; f->name; f++, w++) {
        switch (f->kind) {
        case VD_FIELD_STR:
            if (*w != VD_BLOB_NONE && *w >= r->npool)
                return false;
            *VD_FIELD_PTR(rec, f, const char *) = *w == VD_BLOB_NONE ? NULL : r->pool + *w;
            break;
        case VD_FIELD_STRV:
            if (*w != VD_BLOB_NONE && *w >= r->nstrvs)
                return false;
            *VD_FIELD_PTR(rec, f, char **) = *w == VD_BLOB_NONE ? NULL : r->st->strvs + *w;
            break;
        case VD_FIELD_UINT:
            *VD_FIELD_PTR(rec, f, unsigned int) = *w;
            break;
        case VD_FIELD_INT:
            *VD_FIELD_PTR(rec, f, int) = (int)*w;
            break;
        case VD_FIELD_BOOL:
            *VD_FIELD_PTR(rec, f, bool) = *w != 0;
            break;
        case VD_FIELD_RECORDS:
            if (!vdBlobReadRecords(r, info, f, w[0], w[1], VD_FIELD_PTR(rec, f, GPtrArray *)))
                return false;
            w++;
            break;
        }
    }
    return true;
}


/* Points the string lists into the pool; every list must end before the column does. */
static bool
vdBlobReadStrvs(vdBlobReader *r,
                GVariant *column)
{
    const guint32 *offs = g_variant_get_fixed_array(column, &r->nstrvs, sizeof(guint32));
    gsize i;

    if (r->nstrvs > 0 && offs[r->nstrvs - 1] != VD_BLOB_NONE)
        return false;
    r->st->strvs = g_new(char *, r->nstrvs + 1);
    for (i = 0; i < r->nstrvs; i++) {
        if (offs[i] != VD_BLOB_NONE && offs[i] >= r->npool)
            return false;
        r->st->strvs[i] = offs[i] == VD_BLOB_NONE ? NULL : (char *)r->pool + offs[i];
    }
    r->st->strvs[r->nstrvs] = NULL;
    return true;
}


/* The table in @blob, as vdTableSerialize wrote it.  Its strings are not copied: the
 * table keeps a reference to @blob's data.  A blob of another layout or a corrupt one
 * is an error, never a crash: its type, normal form, layout and every offset are
 * checked before they are used. */
vdTable *
vdTableDeserialize(GBytes *blob,
                   GError **error)
{
    g_autoptr(vdTable) table = g_new0(vdTable, 1);
    g_autoptr(GVariant) root = NULL;
    g_autoptr(GVariant) pool = NULL;
    g_autoptr(GVariant) strvs = NULL;
    g_autoptr(GVariant) words = NULL;
    g_autofree char *want = vdTableLayout();
    const char *magic;
    const char *layout;
    vdBlobStorage *st = g_new0(vdBlobStorage, 1);
    vdBlobReader r = { .st = st };

    g_mutex_init(&table->profilesLock);
    table->storage = st;
    table->storageFree = (GDestroyNotify)vdBlobStorageFree;
    st->chunks = g_ptr_array_new_with_free_func(g_free);
    st->lists = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    root = g_variant_new_from_bytes(G_VARIANT_TYPE("(ssayauau)"), blob, FALSE);
    if (G_BYTE_ORDER == G_BIG_ENDIAN)
        st->root = g_variant_byteswap(root);
    else
        st->root = g_variant_ref_sink(g_steal_pointer(&root));
    /* GLib reads an untrusted GVariant safely (a malformed part reads as empty, which
     * the checks below refuse).  g_variant_is_normal_form() of the whole would walk the
     * pool byte by byte, costing more than the rest of the load: the fixed arrays are
     * normal exactly when their size is a multiple of their element's. */
    g_variant_get(st->root, "(&s&s@ay@au@au)", &magic, &layout, &pool, &strvs, &words);
    if (g_variant_get_size(strvs) % sizeof(guint32) != 0 ||
        g_variant_get_size(words) % sizeof(guint32) != 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE, _("the compiled table is corrupt"));
        return NULL;
    }
    if (!g_str_equal(magic, VD_TABLE_BLOB_MAGIC) || !g_str_equal(layout, want)) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE,
                    _("the compiled table was written for another version of the program"));
        return NULL;
    }
    r.pool = g_variant_get_fixed_array(pool, &r.npool, 1);
    r.words = g_variant_get_fixed_array(words, &r.nwords, sizeof(guint32));
    if (r.npool == 0 || r.pool[r.npool - 1] != '\0' ||
        r.nwords < vdRecordWords(&vdTableInfo) || !vdBlobReadStrvs(&r, strvs) ||
        !vdBlobReadRecord(&r, &vdTableInfo, 0, table)) {
        g_set_error(error, VD_ERROR, VD_ERROR_TABLE, _("the compiled table is corrupt"));
        return NULL;
    }
    if (!vdTableFinish(table, error))
        return NULL;
    return g_steal_pointer(&table);
}


static void vdRecordDiff(const vdRecordInfo *info, const void *a, const void *b,
                         const char *path, GString *out);

static void
vdFieldDiff(const vdFieldInfo *f,
            const void *a,
            const void *b,
            const char *path,
            GString *out)
{
    g_autofree char *where = g_strdup_printf("%s.%s", path, f->name);

    switch (f->kind) {
    case VD_FIELD_STR: {
        const char *x = *VD_FIELD_CPTR(a, f, char *);
        const char *y = *VD_FIELD_CPTR(b, f, char *);

        if (g_strcmp0(x, y) != 0)
            g_string_append_printf(out, "%s: '%s' != '%s'\n", where,
                                   x ? x : "(null)", y ? y : "(null)");
        break;
    }
    case VD_FIELD_STRV: {
        char *const *x = *VD_FIELD_CPTR(a, f, char **);
        char *const *y = *VD_FIELD_CPTR(b, f, char **);

        if ((!x) != (!y) ||
            (x && !g_strv_equal((const char *const *)x, (const char *const *)y)))
            g_string_append_printf(out, "%s differs\n", where);
        break;
    }
    case VD_FIELD_UINT:
        if (*VD_FIELD_CPTR(a, f, unsigned int) != *VD_FIELD_CPTR(b, f, unsigned int))
            g_string_append_printf(out, "%s differs\n", where);
        break;
    case VD_FIELD_INT:
        if (*VD_FIELD_CPTR(a, f, int) != *VD_FIELD_CPTR(b, f, int))
            g_string_append_printf(out, "%s differs\n", where);
        break;
    case VD_FIELD_BOOL:
        if (*VD_FIELD_CPTR(a, f, bool) != *VD_FIELD_CPTR(b, f, bool))
            g_string_append_printf(out, "%s differs\n", where);
        break;
    case VD_FIELD_RECORDS: {
        GPtrArray *x = *VD_FIELD_CPTR(a, f, GPtrArray *);
        GPtrArray *y = *VD_FIELD_CPTR(b, f, GPtrArray *);
        guint i;

        if ((x ? x->len : 0) != (y ? y->len : 0)) {
            g_string_append_printf(out, "%s: %u != %u entries\n", where,
                                   x ? x->len : 0, y ? y->len : 0);
            break;
        }
        for (i = 0; x && i < x->len; i++) {
            g_autofree char *sub = g_strdup_printf("%s[%u]", where, i);

            vdRecordDiff(f->records, g_ptr_array_index(x, i), g_ptr_array_index(y, i),
                         sub, out);
        }
        break;
    }
    }
}


static void
vdRecordDiff(const vdRecordInfo *info,
             const void *a,
             const void *b,
             const char *path,
             GString *out)
{
    const vdFieldInfo *f;

    for (f = info->fields; f->name; f++)
        vdFieldDiff(f, a, b, path, out);
}


/* Every difference between two tables in the serialised fields, one per line; NULL
 * when they are equal.  For the test that the compiled table is the XML's. */
char *
vdTableDiff(const vdTable *a,
            const vdTable *b)
{
    g_autoptr(GString) out = g_string_new(NULL);

    vdRecordDiff(&vdTableInfo, a, b, vdTableInfo.name, out);
    if (out->len == 0)
        return NULL;
    return g_string_free(g_steal_pointer(&out), FALSE);
}
