/*
 * vdtableblobtest.c: the compiled table is the XML table
 *
 * Programs read the built-in table from its compiled form (src/defaults/vdtableblob.c),
 * written at build time by vdtablecompile from the XML files.  This test loads the XML
 * files again, as vdtablecompile does, and checks that the table the programs get is
 * the same in every serialised field of every rule, family, generation, architecture
 * and machine, with the same index by setting; that the embedded blob is byte for byte
 * what the XML compiles to; and that a damaged blob is refused or read, never a crash.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>
#include <string.h>

#include "defaults/vdtable.h"
#include "defaults/vdtablepriv.h"
#include "testutils.h"

#define VD_TEST_TABLE_DIR VD_TEST_SRCDIR "/../src/defaults"

static vdTable *vdTestXML;
static vdTable *vdTestCompiled;


static void
vdBlobTestEqual(void)
{
    g_autofree char *diff = vdTableDiff(vdTestXML, vdTestCompiled);

    if (diff) {
        g_test_message("the compiled table differs from the XML:\n%s", diff);
        g_test_fail();
    }
    g_assert_cmpuint(vdTestCompiled->rules->len, >, 100);
    g_assert_cmpuint(vdTestCompiled->arches->len, >, 5);
}


/* The comparison above sees a change in any field, down to a rule's line. */
static void
vdBlobTestDiffSees(void)
{
    g_autoptr(vdTable) other = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *diff = NULL;
    vdCapsArch *arch;

    other = vdTableLoadDefault(&err);
    g_assert_no_error(err);
    ((vdRule *)g_ptr_array_index(other->rules, 3))->line++;
    arch = g_ptr_array_index(other->arches, 1);
    ((vdCapsMachine *)g_ptr_array_index(arch->machines, 2))->maxCpus++;
    diff = vdTableDiff(vdTestXML, other);
    g_assert_nonnull(diff);
    g_assert_nonnull(strstr(diff, "table.rules[3].line differs"));
    g_assert_nonnull(strstr(diff, "table.arches[1].machines[2].maxCpus differs"));
}


/* The index the engine looks rules up by: the same settings, the same rules in the
 * same order. */
static void
vdBlobTestBySetting(void)
{
    GHashTableIter iter;
    gpointer key;
    gpointer value;

    g_assert_cmpuint(g_hash_table_size(vdTestXML->bySetting), ==,
                     g_hash_table_size(vdTestCompiled->bySetting));
    g_hash_table_iter_init(&iter, vdTestXML->bySetting);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        GPtrArray *x = value;
        GPtrArray *y = g_hash_table_lookup(vdTestCompiled->bySetting, key);
        guint i;

        g_assert_nonnull(y);
        g_assert_cmpuint(x->len, ==, y->len);
        for (i = 0; i < x->len; i++)
            g_assert_cmpstr(((vdRule *)g_ptr_array_index(x, i))->id, ==,
                            ((vdRule *)g_ptr_array_index(y, i))->id);
    }
}


static void
vdBlobTestBytes(void)
{
    g_autoptr(GBytes) want = vdTableSerialize(vdTestXML);
    g_autoptr(GBytes) have = NULL;
    g_autoptr(GError) err = NULL;

    have = g_resources_lookup_data("/org/libvirt/defaults/table/compiled.gvariant",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, &err);
    g_assert_no_error(err);
    g_assert_true(g_bytes_equal(want, have));
}


/* Every damaged copy is refused with an error or read as some table: never a crash or
 * a read out of bounds (ASan and valgrind runs of this test check the latter). */
static void
vdBlobTestCorrupt(void)
{
    g_autoptr(GBytes) blob = vdTableSerialize(vdTestXML);
    gsize len;
    const guint8 *data = g_bytes_get_data(blob, &len);
    gsize step = g_getenv("VD_TEST_VALGRIND") ? 997 : 61;
    guint refused = 0;
    gsize i;

    for (i = 0; i < len; i += step) {
        g_autofree guint8 *copy = g_memdup2(data, len);
        g_autoptr(GBytes) cut = g_bytes_new(data, i);
        g_autoptr(GBytes) bad = NULL;
        g_autoptr(vdTable) t1 = NULL;
        g_autoptr(vdTable) t2 = NULL;
        g_autoptr(GError) e1 = NULL;
        g_autoptr(GError) e2 = NULL;

        copy[i] ^= 0xa5;
        bad = g_bytes_new_take(g_steal_pointer(&copy), len);
        if (!(t1 = vdTableDeserialize(bad, &e1)))
            refused++;
        g_assert_true((t1 == NULL) == (e1 != NULL));
        t2 = vdTableDeserialize(cut, &e2);
        g_assert_null(t2);
        g_assert_nonnull(e2);
    }
    g_assert_cmpuint(refused, >, 0);
}


/* --caps replaces the capability profile of a table whose records are borrowed from
 * the blob (leaks show under ASan and valgrind). */
static void
vdBlobTestCapsFile(void)
{
    g_autoptr(vdTable) table = NULL;
    g_autoptr(GError) err = NULL;

    table = vdTableLoadDefault(&err);
    g_assert_no_error(err);
    g_assert_true(vdTableLoadCapsFile(table, VD_TEST_TABLE_DIR "/caps/qemu-7.2.xml", &err));
    g_assert_no_error(err);
    g_assert_cmpuint(table->arches->len, ==, vdTestXML->arches->len);
    g_assert_nonnull(vdTableFindArch(table, "x86_64"));
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GError) err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);

    if (!(vdTestXML = vdTableLoadSource(VD_TEST_TABLE_DIR, &err)))
        g_error("cannot load the table's XML: %s", err->message);
    if (!(vdTestCompiled = vdTableLoadDefault(&err)))
        g_error("cannot load the compiled table: %s", err->message);

    g_test_add_func("/table-blob/equal", vdBlobTestEqual);
    g_test_add_func("/table-blob/diff-sees-changes", vdBlobTestDiffSees);
    g_test_add_func("/table-blob/by-setting", vdBlobTestBySetting);
    g_test_add_func("/table-blob/bytes", vdBlobTestBytes);
    g_test_add_func("/table-blob/corrupt", vdBlobTestCorrupt);
    g_test_add_func("/table-blob/caps-file", vdBlobTestCapsFile);

    ret = g_test_run();
    g_clear_pointer(&vdTestXML, vdTableFree);
    g_clear_pointer(&vdTestCompiled, vdTableFree);
    return ret;
}
