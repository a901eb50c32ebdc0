/*
 * vdtabletest.c: invariants of the defaults table
 *
 * The built-in table (the XML files of src/defaults and the QEMU 7.2 capability profile) is walked
 * row by row: every rule has an id, a reason, a setting the engine knows with a value
 * of the right kind, a generation the table defines, architectures and a family that
 * exist; ids are unique; every pattern of every machine family matches a machine of
 * the capability profile.  Then every golden case is run through the engine and the
 * rule ids it reports, as the origin of what it supplied or as a rule that decided
 * something (vdDomainDef.rulesUsed), are collected: every rule of
 * generation 1 must be exercised by at least one case, or it is either dead or
 * untested.
 *
 * Findings already known when this test was written are listed below and report as
 * TAP "TODO" with the full list, so the suite stays green while they are visible; a
 * new finding fails, and a listed one that is gone prints a notice asking to remove
 * it from the list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "engine/vdengine.h"
#include "engine/vdprofile.h"
#include "testutils.h"
#include "util/vderror.h"
#include "util/vdxml.h"

static vdTable *vdTestTable;

/* Known findings, each reported as TODO until fixed (all empty today: keep them that
 * way).  Rules of generation 1 that no golden case exercises: */
static const char *const vdTableKnownUnexercised[] = {
    NULL
};

/* Architectures the rules name that the capability profile lacks: */
static const char *const vdTableKnownMissingArches[] = {
    NULL
};

/* Machine patterns (family:pattern) that match no machine of QEMU 7.2. */
static const char *const vdTableKnownDeadPatterns[] = {
    NULL
};


/* Rules that hold only for an emulator without some capability the built-in QEMU 7.2
 * profile has: the goldens cannot exercise them, these scenarios do.  Each takes
 * flags away from one architecture's built-in profile and names the rule that must
 * decide the setting then (NULL: none). */
typedef struct {
    const char *arch;
    const char *machine;
    const char *without;     /* flags taken away, space-separated */
    const char *setting;
    const char *rule;
} vdTableCapsCase;

static const vdTableCapsCase vdTableCapsCases[] = {
    { "x86_64", "q35", "", "usb.implicit", "x86.q35.usb.implicit" },
    { "x86_64", "q35", "qemu-xhci", "usb.implicit", "x86.q35.usb.implicit.nec-xhci" },
    { "x86_64", "q35", "qemu-xhci nec-usb-xhci", "usb.implicit", "x86.q35.usb.implicit.ich9" },
    { "x86_64", "q35", "qemu-xhci nec-usb-xhci ich9-usb-ehci1", "usb.implicit",
      "x86.q35.usb.implicit.none" },
    { "x86_64", "pc", "piix3-usb-uhci", "usb.default-model", NULL },
    { "x86_64", "pc", "cirrus-vga", "video.default", "x86.video.default.vga" },
    { "x86_64", "pc", "", "nic.default-model", "x86.nic.default-model" },
    { "x86_64", "pc", "rtl8139", "nic.default-model", "x86.nic.default-model.e1000" },
    { "x86_64", "pc", "rtl8139 e1000", "nic.default-model", "x86.nic.default-model.virtio" },
    { "x86_64", "pc", "rtl8139 e1000 virtio-net", "nic.default-model",
      "x86.nic.default-model.fallback" },
    { "ppc64", "pseries", "rtl8139", "nic.default-model", "ppc64.nic.default-model.e1000" },
    { "ppc64", "pseries", "rtl8139 e1000", "nic.default-model", "ppc64.nic.default-model.virtio" },
    { "ppc64", "pseries", "rtl8139 e1000 virtio-net", "nic.default-model",
      "ppc64.nic.default-model.fallback" },
    { "ppc64", "pseries", "qemu-xhci", "usb.default-model", "ppc64.usb.default-model.nec-xhci" },
    { "ppc64", "pseries", "qemu-xhci nec-usb-xhci", "usb.default-model",
      "ppc64.usb.default-model.pci-ohci" },
    { "ppc64", "pseries", "qemu-xhci nec-usb-xhci pci-ohci", "usb.default-model",
      "ppc64.usb.default-model.legacy" },
    { "ppc64", "pseries", "", "usb.default-model-existing", "ppc64.usb.default-model-existing" },
    { "ppc64", "pseries", "pci-ohci", "usb.default-model-existing",
      "ppc64.usb.default-model-existing.legacy" },
    { "aarch64", "virt", "gpex-pcihost", "pci.root", "arm.virt.pci.root.no-gpex" },
    { "aarch64", "virt", "gpex-pcihost", "pci.supported", "arm.virt.pci.supported.no-gpex" },
    { "aarch64", "virt", "gpex-pcihost", "virtio.transport", "arm.virt.virtio.transport.no-gpex" },
    { "riscv64", "virt", "gpex-pcihost", "pci.root", "riscv.virt.pci.root.no-gpex" },
    { "riscv64", "virt", "gpex-pcihost", "pci.supported", "riscv.virt.pci.supported.no-gpex" },
    { "riscv64", "virt", "gpex-pcihost", "virtio.transport", "riscv.virt.virtio.transport.no-gpex" },
    { "aarch64", "virt", "qemu-xhci", "usb.default-model", "arm.usb.default-model.aarch64.nec-xhci" },
    { "aarch64", "virt", "qemu-xhci nec-usb-xhci", "usb.default-model",
      "arm.usb.default-model.aarch64.uhci" },
    { "aarch64", "virt", "qemu-xhci nec-usb-xhci piix3-usb-uhci", "usb.default-model",
      "arm.usb.default-model.aarch64.none" },
    { "riscv64", "virt", "piix3-usb-uhci", "usb.default-model", NULL },
    { "x86_64", "q35", "ivshmem", "shmem.refused-models", "all.shmem.refused-models" },
    { "s390x", "s390-ccw-virtio", "", "pci.root", "s390x.pci.root" },
    { "s390x", "s390-ccw-virtio", "zpci", "pci.root", "s390x.pci.root.no-zpci" },
};

static int vdTableTestStrCmp(gconstpointer a, gconstpointer b);

/* @found maps a finding's key to its message.  Unknown findings fail; known ones make
 * the test incomplete; a known finding that is gone asks for its removal. */
static void
vdTableTestReport(GHashTable *found,
                  const char *const *known,
                  const char *listName)
{
    g_autoptr(GString) todo = g_string_new(NULL);
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;
    bool failed = false;
    guint ntodo = 0;
    guint i;

    g_hash_table_iter_init(&iter, found);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        g_ptr_array_add(keys, key);

    g_ptr_array_sort(keys, vdTableTestStrCmp);
    for (i = 0; i < keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i);
        const char *msg = g_hash_table_lookup(found, k);

        if (g_strv_contains(known, k)) {
            g_string_append_printf(todo, "\n  %s", msg);
            ntodo++;
            continue;
        }
        g_test_message("%s", msg);
        failed = true;
    }
    for (i = 0; known[i]; i++) {
        if (!g_hash_table_contains(found, known[i]))
            g_test_message("NOTICE: '%s' is fixed: remove it from %s in tests/vdtabletest.c",
                           known[i], listName);
    }
    if (failed) {
        g_test_fail();
        return;
    }
    if (ntodo) {
        g_autofree char *reason = g_strdup_printf("%u known finding(s), see %s", ntodo, listName);

        g_test_message("known findings:%s", todo->str);
        g_test_incomplete(reason);
    }
}

static int
vdTableTestStrCmp(gconstpointer a,
                  gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}


static void
vdTableTestLoad(void)
{
    g_assert_nonnull(vdTestTable);
    g_assert_cmpuint(vdTestTable->rules->len, >, 0);
    g_assert_cmpuint(vdTestTable->families->len, >, 0);
    g_assert_cmpuint(vdTestTable->arches->len, >, 0);
    g_assert_nonnull(vdTableFindGeneration(vdTestTable, vdTestTable->current));
    g_assert_nonnull(vdTableFindGeneration(vdTestTable, 1));
    g_assert_true(vdTableFindGeneration(vdTestTable, 1)->released);
}


static bool
vdTableTestBlank(const char *s)
{
    for (; *s; s++) {
        if (!g_ascii_isspace(*s))
            return false;
    }
    return true;
}


static void
vdTableTestRules(void)
{
    g_autoptr(GHashTable) ids = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) arches = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    guint i;

    for (i = 0; i < vdTestTable->rules->len; i++) {
        const vdRule *r = g_ptr_array_index(vdTestTable->rules, i);
        const char *where = r->file ? r->file : "?";
        const vdSettingInfo *info;
        const vdRule *first;

        if (!r->id || !*r->id) {
            g_test_message("%s:%d: a rule has no id", where, r->line);
            g_test_fail();
            continue;
        }
        if ((first = g_hash_table_lookup(ids, r->id))) {
            g_test_message("%s:%d: rule id '%s' is already used at %s:%d",
                           where, r->line, r->id, first->file, first->line);
            g_test_fail();
        }
        g_hash_table_insert(ids, r->id, (gpointer)r);

        if (!r->reason || vdTableTestBlank(r->reason)) {
            g_test_message("%s:%d: rule '%s' gives no reason", where, r->line, r->id);
            g_test_fail();
        }
        if (!r->setting || !(info = vdSettingFind(r->setting))) {
            g_test_message("%s:%d: rule '%s' names an unknown setting '%s'",
                           where, r->line, r->id, r->setting ? r->setting : "");
            g_test_fail();
        } else if (!r->value || !vdSettingValueValid(info, r->value)) {
            g_test_message("%s:%d: rule '%s': '%s' is not a valid value for %s",
                           where, r->line, r->id, r->value ? r->value : "", r->setting);
            g_test_fail();
        }
        if (r->generation < 1 || !vdTableFindGeneration(vdTestTable, r->generation)) {
            g_test_message("%s:%d: rule '%s' belongs to generation %u, which the table "
                           "does not define", where, r->line, r->id, r->generation);
            g_test_fail();
        }
        if (r->arches) {
            size_t j;

            for (j = 0; r->arches[j]; j++) {
                if (!vdTableFindArch(vdTestTable, r->arches[j]) &&
                    !g_hash_table_contains(arches, r->arches[j]))
                    g_hash_table_insert(arches, g_strdup(r->arches[j]),
                                        g_strdup_printf("%s:%d: rule '%s' (and maybe others) "
                                                        "names architecture '%s', which the "
                                                        "capability profile lacks",
                                                        where, r->line, r->id, r->arches[j]));
            }
        }
        if (r->family) {
            guint j;
            bool found = false;

            for (j = 0; j < vdTestTable->families->len; j++) {
                const vdFamily *f = g_ptr_array_index(vdTestTable->families, j);

                found |= g_str_equal(f->name, r->family);
            }
            if (!found) {
                g_test_message("%s:%d: rule '%s' names an unknown family '%s'",
                               where, r->line, r->id, r->family);
                g_test_fail();
            }
        }
        if (r->minVersion && r->maxVersion &&
            vdMachineVersionCompare(r->minVersion, r->maxVersion) > 0) {
            g_test_message("%s:%d: rule '%s' has an empty version range %s..%s",
                           where, r->line, r->id, r->minVersion, r->maxVersion);
            g_test_fail();
        }
    }
    if (!g_test_failed())
        vdTableTestReport(arches, vdTableKnownMissingArches, "vdTableKnownMissingArches");
}


static void
vdTableTestGenerations(void)
{
    guint i;

    for (i = 0; i < vdTestTable->generations->len; i++) {
        const vdGeneration *g = g_ptr_array_index(vdTestTable->generations, i);

        g_assert_cmpuint(g->number, ==, i + 1);
        g_assert_nonnull(g->title);
        g_assert_cmpstr(g->title, !=, "");
    }
    g_assert_cmpuint(vdTestTable->current, <=, vdTestTable->generations->len);
}


static bool
vdTableTestArchMatches(const vdCapsArch *arch,
                       const char *pattern)
{
    guint k;

    for (k = 0; k < arch->machines->len; k++) {
        const vdCapsMachine *m = g_ptr_array_index(arch->machines, k);

        if (g_pattern_match_simple(pattern, m->name) ||
            (m->alias && g_pattern_match_simple(pattern, m->alias)))
            return true;
    }
    return false;
}


/* A family must match some machine of QEMU 7.2; a pattern that matches none is dead,
 * or misspelt. */
static void
vdTableTestFamilies(void)
{
    g_autoptr(GHashTable) dead = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    guint i;

    for (i = 0; i < vdTestTable->families->len; i++) {
        const vdFamily *f = g_ptr_array_index(vdTestTable->families, i);
        bool any = false;
        size_t p;

        g_assert_nonnull(f->machines);
        g_assert_nonnull(f->machines[0]);
        for (p = 0; f->machines[p]; p++) {
            bool found = false;
            guint j;

            for (j = 0; j < vdTestTable->arches->len && !found; j++) {
                const vdCapsArch *a = g_ptr_array_index(vdTestTable->arches, j);

                if (f->arches && !g_strv_contains((const char *const *)f->arches, a->name))
                    continue;
                found = vdTableTestArchMatches(a, f->machines[p]);
            }
            any |= found;
            if (!found)
                g_hash_table_insert(dead, g_strdup_printf("%s:%s", f->name, f->machines[p]),
                                    g_strdup_printf("family '%s': machine pattern '%s' matches "
                                                    "no machine of the capability profile",
                                                    f->name, f->machines[p]));
        }
        if (!any) {
            g_test_message("family '%s' matches no machine of the capability profile", f->name);
            g_test_fail();
        }
    }
    if (!g_test_failed())
        vdTableTestReport(dead, vdTableKnownDeadPatterns, "vdTableKnownDeadPatterns");
}


/* ---- rule coverage --------------------------------------------------------------- */

static void
vdTableTestNoteOrigin(GHashTable *used,
                      const char *origin)
{
    if (origin)
        g_hash_table_add(used, (gpointer)origin);
}


static void
vdTableTestCollect(const vdDomainDef *def,
                   GHashTable *used)
{
    GHashTableIter iter;
    gpointer rule;
    guint kind;

    vdTableTestNoteOrigin(used, def->machineOrigin);
    /* rules that decided something without filling anything (pci.supported,
     * virtio.transport...) are recorded too */
    g_hash_table_iter_init(&iter, def->rulesUsed);
    while (g_hash_table_iter_next(&iter, &rule, NULL))
        vdTableTestNoteOrigin(used, rule);
    for (kind = 0; kind < VD_DEVICE_LAST; kind++) {
        guint i;

        for (i = 0; i < vdDomainDefCount(def, kind); i++) {
            const vdDevice *dev = vdDomainDefGet(def, kind, i);
            guint p;

            vdTableTestNoteOrigin(used, dev->origin);
            vdTableTestNoteOrigin(used, dev->addrOrigin);
            for (p = 0; p < VD_PROP_LAST; p++)
                vdTableTestNoteOrigin(used, dev->propOrigin[p]);
        }
    }
}


/* Every rule id the engine reports while completing the golden cases under
 * generation 1.  Refused cases count too: the rules that filled in things before the
 * refusal were consulted all the same. */
static GHashTable *
vdTableTestUsedRules(void)
{
    g_autoptr(GPtrArray) cases = vdTestListCases();
    GHashTable *used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) origins = g_hash_table_new(g_str_hash, g_str_equal);
    vdEngineOptions opts = { .generation = 1, .newDomain = true };
    GHashTableIter iter;
    gpointer key;
    guint i;

    for (i = 0; i < cases->len; i++) {
        const char *name = g_ptr_array_index(cases, i);
        g_autofree char *base = g_strdup_printf("%s.xml", name);
        g_autofree char *path = vdTestPath("vdxml2xmldata", base, NULL);
        g_autoptr(GError) err = NULL;
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(vdDomainDef) def = NULL;

        if (!(doc = vdXMLParseFile(path, "domain", &err)) ||
            !(def = vdDomainDefParse(doc, &err))) {
            g_autofree char *xbase = g_strdup_printf("%s.gen1.xml", name);
            g_autofree char *golden = vdTestPath("vdxml2xmloutdata", xbase, NULL);

            /* a definition libvirt refuses may well be refused by the parser */
            if (g_file_test(golden, G_FILE_TEST_EXISTS)) {
                g_test_message("%s: %s", name, err->message);
                g_test_fail();
            }
            continue;
        }
        vdEngineApply(def, vdTestTable, &opts, NULL);
        g_hash_table_remove_all(origins);
        vdTableTestCollect(def, origins);
        /* the origins point into the table or into static strings; copy them while
         * the definition is alive */
        g_hash_table_iter_init(&iter, origins);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            if (!g_hash_table_contains(used, key))
                g_hash_table_add(used, g_strdup(key));
        }
    }
    return used;
}


static bool
vdTableTestCapsCaseNames(const char *id)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdTableCapsCases); i++) {
        if (g_strcmp0(vdTableCapsCases[i].rule, id) == 0)
            return true;
    }
    return false;
}


/* libvirt's <qemuCaps> for the built-in profile of @arch, less the flags @without. */
static char *
vdTableTestQemuCaps(const char *arch,
                    const char *without)
{
    const vdCapsArch *a = vdTableFindArch(vdTestTable, arch);
    g_auto(GStrv) drop = g_strsplit(without, " ", -1);
    g_autoptr(GString) s = g_string_new("<qemuCaps>\n");
    guint i;

    g_assert_nonnull(a);
    g_string_append_printf(s, "  <emulator>%s</emulator>\n  <arch>%s</arch>\n",
                           a->emulator, a->name);
    for (i = 0; a->flags && a->flags[i]; i++) {
        if (!g_strv_contains((const char *const *)drop, a->flags[i]))
            g_string_append_printf(s, "  <flag name='%s'/>\n", a->flags[i]);
    }
    for (i = 0; i < a->machines->len; i++) {
        const vdCapsMachine *m = g_ptr_array_index(a->machines, i);

        g_string_append_printf(s, "  <machine type='tcg' name='%s' maxCpus='%u'%s%s%s/>\n",
                               m->name, m->maxCpus, m->alias ? " alias='" : "",
                               m->alias ? m->alias : "", m->alias ? "'" : "");
    }
    g_string_append(s, "</qemuCaps>\n");
    return g_string_free(g_steal_pointer(&s), FALSE);
}


/* The built-in table with the profile of @arch less the flags @without, loaded from
 * libvirt's form of capabilities. */
static vdTable *
vdTableTestWithCaps(const char *arch,
                    const char *without)
{
    g_autofree char *xml = vdTableTestQemuCaps(arch, without);
    g_autofree char *path = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(GError) err = NULL;
    int fd;

    fd = g_file_open_tmp("vdtabletest-caps-XXXXXX.xml", &path, &err);
    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, xml, -1, &err));
    table = vdTableLoadDefault(&err);
    g_assert_no_error(err);
    g_assert_true(vdTableLoadCapsFile(table, path, &err));
    g_assert_no_error(err);
    g_unlink(path);
    return g_steal_pointer(&table);
}


/* Rules conditioned on capabilities decide where the emulator has (or lacks) them;
 * libvirt's form of capabilities replaces one architecture's profile. */
static void
vdTableTestCapsConditions(void)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdTableCapsCases); i++) {
        const vdTableCapsCase *tc = &vdTableCapsCases[i];
        g_autoptr(vdTable) table = vdTableTestWithCaps(tc->arch, tc->without);
        g_autoptr(GError) err = NULL;
        const vdProfile *profile;
        const vdRule *r;

        /* the other architectures keep their built-in profiles */
        g_assert_nonnull(vdTableFindArch(table, "aarch64"));
        profile = vdProfileResolve(table, tc->arch, tc->machine, 1, &err);
        g_assert_no_error(err);
        r = vdProfileRule(profile, vdSettingFromName(tc->setting));
        if (g_strcmp0(r ? r->id : NULL, tc->rule) != 0) {
            g_test_message("%s %s without '%s': %s is decided by %s, not %s", tc->arch,
                           tc->machine, tc->without, tc->setting, r ? r->id : "no rule",
                           tc->rule ? tc->rule : "no rule");
            g_test_fail();
        }
    }
}


/* An emulator without qemu-xhci: a new q35 guest gets the NEC controller. */
static void
vdTableTestCapsApply(void)
{
    g_autoptr(vdTable) table = vdTableTestWithCaps("x86_64", "qemu-xhci");
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *inPath = vdTestPath("vdxml2xmldata", "x86_64-q35-minimal.xml", NULL);
    gsize len = 0;
    g_autofree char *in = vdTestLoadFile(inPath, &len);

    out = vdTestApplyBuf(table, 1, in, len, "x86_64-q35-minimal", &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(out, "<controller type='usb' index='0' model='nec-xhci'>"));
    g_assert_nonnull(strstr(out, "rule='x86.q35.usb.implicit.nec-xhci'"));
}


static void
vdTableTestCoverage(void)
{
    g_autoptr(GHashTable) used = vdTableTestUsedRules();
    g_autoptr(GHashTable) unused = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    guint i;

    for (i = 0; i < vdTestTable->rules->len; i++) {
        const vdRule *r = g_ptr_array_index(vdTestTable->rules, i);

        if (r->generation != 1 || g_hash_table_contains(used, r->id) ||
            vdTableTestCapsCaseNames(r->id))
            continue;
        g_hash_table_insert(unused, r->id,
                            g_strdup_printf("rule '%s' (%s:%d, %s = %s) of generation 1 is "
                                            "exercised by no case of tests/vdxml2xmldata: add "
                                            "a case, or remove the rule",
                                            r->id, r->file ? r->file : "?", r->line,
                                            r->setting, r->value));
    }
    vdTableTestReport(unused, vdTableKnownUnexercised, "vdTableKnownUnexercised");
}


/* Every origin the engine reports is a rule of the table or one of libvirt's fixed
 * behaviours ("libvirt.*"), never a dangling id. */
static void
vdTableTestOriginsKnown(void)
{
    g_autoptr(GHashTable) used = vdTableTestUsedRules();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, used);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        const char *id = key;

        if (vdTableFindRule(vdTestTable, id) || g_str_has_prefix(id, "libvirt."))
            continue;
        g_test_message("the engine reports origin '%s', which is no rule of the table", id);
        g_test_fail();
    }
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GError) err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);

    if (!(vdTestTable = vdTableLoadDefault(&err)))
        g_error("cannot load the defaults table: %s", err->message);

    g_test_add_func("/table/load", vdTableTestLoad);
    g_test_add_func("/table/rules", vdTableTestRules);
    g_test_add_func("/table/generations", vdTableTestGenerations);
    g_test_add_func("/table/families", vdTableTestFamilies);
    g_test_add_func("/table/origins-known", vdTableTestOriginsKnown);
    g_test_add_func("/table/coverage/generation-1", vdTableTestCoverage);
    g_test_add_func("/table/caps/conditions", vdTableTestCapsConditions);
    g_test_add_func("/table/caps/apply", vdTableTestCapsApply);

    ret = g_test_run();
    g_clear_pointer(&vdTestTable, vdTableFree);
    return ret;
}
