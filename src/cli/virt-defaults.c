/*
 * virt-defaults.c: the command line front end of libvirt-defaults
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "store/vdstore.h"
#include "util/vddiff.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2

/* -c URI, given before the command */
static const char *vdConnectURI;

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} vdCommand;

/* The errno of the first failed write to standard output, for the message at exit. */
static int vdStdoutErrno;

static void
vdPutStdout(const char *s)
{
    if (fputs(s, stdout) == EOF && !vdStdoutErrno)
        vdStdoutErrno = errno;
}


static char *
vdOneLine(const char *msg)
{
    char *ret = g_strstrip(g_strdup(msg));
    char *p;

    for (p = ret; *p; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    return ret;
}


/* Every refusal is one line on standard error. */
static void
vdPrintError(GError *err)
{
    g_autofree char *msg = vdOneLine(err->message);

    g_printerr("virt-defaults: %s\n", msg);
}


static vdTable *
vdLoadTable(void)
{
    g_autoptr(GError) err = NULL;
    vdTable *table = vdTableLoadDefault(&err);

    if (!table)
        vdPrintError(err);
    return table;
}


static unsigned int
vdParseGeneration(const vdTable *table,
                  const char *gen,
                  GError **error)
{
    guint64 n;

    if (!gen || g_str_equal(gen, "latest"))
        return table->current;
    if (!g_ascii_string_to_unsigned(gen, 10, 1, G_MAXUINT, &n, NULL) ||
        !vdTableFindGeneration(table, (unsigned int)n)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("unknown generation '%1$s'"), gen);
        return 0;
    }
    return (unsigned int)n;
}


/* The context of 'apply' from --context, and whether --stored goes with it; false
 * after saying why not. */
static bool
vdApplyContext(const char *context,
               const char *stored,
               vdGuardRequest *req)
{
    int ctx;

    if (context) {
        /* FromString returns an int: -1 would never compare below 0 once stored in
         * the (unsigned) enum */
        if ((ctx = vdGuardContextTypeFromString(context)) < 0) {
            g_printerr(_("virt-defaults: unknown context '%s'\n"), context);
            return false;
        }
        req->context = ctx;
    }
    if (stored && req->context != VD_GUARD_UPDATE) {
        g_printerr(_("virt-defaults: --stored only goes with --context update\n"));
        return false;
    }
    if (req->context == VD_GUARD_UPDATE && !stored) {
        g_printerr(_("virt-defaults: --context update needs --stored OLD.xml\n"));
        return false;
    }
    return true;
}


static int
vdCmdApply(int argc,
           char **argv)
{
    g_autofree char *gen = NULL;
    g_autofree char *context = NULL;
    g_autofree char *stored = NULL;
    g_autofree char *caps = NULL;
    GOptionEntry entries[] = {
        { "generation", 'g', 0, G_OPTION_ARG_STRING, &gen,
          N_("generation for a new definition (a number or 'latest')"), "N" },
        { "context", 0, 0, G_OPTION_ARG_STRING, &context,
          N_("new, update, load, migrate, restore or upgrade"), "CONTEXT" },
        { "stored", 0, 0, G_OPTION_ARG_FILENAME, &stored,
          N_("the existing definition, for context 'update'"), "OLD.xml" },
        { "caps", 0, 0, G_OPTION_ARG_FILENAME, &caps,
          N_("emulator capability profile to use instead of the built-in one"), "FILE" },
        { NULL }
    };
    g_autoptr(GOptionContext) opt = g_option_context_new(_("[FILE|-] - complete a domain definition"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlDoc) storedDoc = NULL;
    g_autofree char *out = NULL;
    vdGuardRequest req = { .context = VD_GUARD_NEW };
    vdGuardResult res = { 0 };
    const char *file = "-";
    guint i;

    g_option_context_add_main_entries(opt, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc > 2) {
        g_printerr(_("virt-defaults: apply takes one file\n"));
        return EXIT_USAGE;
    }
    if (argc == 2)
        file = argv[1];
    if (!vdApplyContext(context, stored, &req))
        return EXIT_USAGE;
    if (!(table = vdLoadTable()))
        return EXIT_REFUSED;
    if (caps && !vdTableLoadCapsFile(table, caps, &err)) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    if (gen && !(req.generation = vdParseGeneration(table, gen, &err))) {
        vdPrintError(err);
        return EXIT_USAGE;
    }

    if (stored && !(storedDoc = vdXMLParseFile(stored, "domain", &err))) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    req.stored = storedDoc;
    if (!(doc = vdXMLParseFile(file, "domain", &err)) ||
        !vdGuardApply(table, doc, &req, &res, &err)) {
        vdPrintError(err);
        vdGuardResultClear(&res);
        return EXIT_REFUSED;
    }
    for (i = 0; i < res.notes->len; i++)
        g_printerr(_("virt-defaults: warning: %s\n"), (char *)g_ptr_array_index(res.notes, i));
    out = vdXMLFormat(res.doc);
    vdPutStdout(out);
    vdGuardResultClear(&res);
    return 0;
}


static int
vdCmdExplain(int argc,
             char **argv)
{
    g_autoptr(GOptionContext) opt = g_option_context_new(_("FILE - list what the engine supplied, with rule and reason"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *out = NULL;

    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 2) {
        g_printerr(_("virt-defaults: explain takes one file\n"));
        return EXIT_USAGE;
    }
    if (!(table = vdLoadTable()))
        return EXIT_REFUSED;
    if (!(doc = vdXMLParseFile(argv[1], "domain", &err)) ||
        !(out = vdGuardExplain(table, doc, &err))) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    vdPutStdout(out);
    return 0;
}


static int
vdCmdDiff(int argc,
          char **argv)
{
    g_autofree char *to = NULL;
    GOptionEntry entries[] = {
        { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_("target generation (default: current)"), "N" },
        { NULL }
    };
    g_autoptr(GOptionContext) opt = g_option_context_new(_("FILE - show what an upgrade would change"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *out = NULL;
    unsigned int target = 0;

    g_option_context_add_main_entries(opt, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 2) {
        g_printerr(_("virt-defaults: diff takes one file\n"));
        return EXIT_USAGE;
    }
    if (!(table = vdLoadTable()))
        return EXIT_REFUSED;
    if (to && !(target = vdParseGeneration(table, to, &err))) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (!(doc = vdXMLParseFile(argv[1], "domain", &err)) ||
        !(out = vdGuardDiff(table, doc, target, argv[1], &err))) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    vdPutStdout(out);
    return 0;
}


static int
vdCmdCheckABI(int argc,
              char **argv)
{
    g_autoptr(GOptionContext) opt = g_option_context_new(_("OLD.xml NEW.xml - compare two definitions for guest ABI stability"));
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) a = NULL;
    g_autoptr(xmlDoc) b = NULL;
    g_autoptr(GPtrArray) diffs = NULL;
    guint i;

    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 3) {
        g_printerr(_("virt-defaults: check-abi takes two files\n"));
        return EXIT_USAGE;
    }
    if (!(a = vdXMLParseFile(argv[1], "domain", &err)) ||
        !(b = vdXMLParseFile(argv[2], "domain", &err)) ||
        !(diffs = vdGuardCheckABI(a, b, &err))) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    for (i = 0; i < diffs->len; i++)
        printf("%s\n", (char *)g_ptr_array_index(diffs, i));
    return diffs->len ? EXIT_REFUSED : 0;
}


/* Which machines a rule is about: its family and version range, or every machine;
 * and what their emulator must have or lack: "q35 caps=qemu-xhci". */
static char *
vdRuleScope(const vdRule *r)
{
    g_autofree char *caps = r->caps ? g_strjoinv(",", r->caps) : NULL;

    return g_strdup_printf("%s%s%s%s%s%s%s", r->family ? r->family : "*",
                           r->minVersion || r->maxVersion ? " " : "",
                           r->minVersion ? r->minVersion : "",
                           r->minVersion || r->maxVersion ? "-" : "",
                           r->maxVersion ? r->maxVersion : "",
                           caps ? " caps=" : "", caps ? caps : "");
}


static void
vdTablePrintRule(GString *out,
                 const char *format,
                 const vdRule *r)
{
    g_autofree char *scope = vdRuleScope(r);

    if (g_str_equal(format, "xml")) {
        g_autofree char *reason = g_markup_escape_text(r->reason ? r->reason : "", -1);

        g_string_append_printf(out,
                               "  <rule id='%s' generation='%u' machines='%s' setting='%s' value='%s'>\n"
                               "    <reason>%s</reason>\n  </rule>\n",
                               r->id, r->generation, scope, r->setting, r->value, reason);
    } else if (g_str_equal(format, "rst")) {
        g_string_append_printf(out, "   * - ``%s``\n     - %u\n     - %s\n     - ``%s``\n     - ``%s``\n     - %s\n",
                               r->id, r->generation, scope, r->setting, r->value,
                               r->reason ? r->reason : "");
    } else {
        g_string_append_printf(out, "%-36s %3u  %-10s %-28s %-16s %s\n",
                               r->id, r->generation, scope, r->setting, r->value,
                               r->reason ? r->reason : "");
    }
}


/* The machine type and its family for 'table --arch [--machine]'; false after
 * saying which is unknown. */
static bool
vdTableFindMachine(const vdTable *table,
                   const char *arch,
                   const char *machine,
                   const char **canonical,
                   const char **family)
{
    const vdCapsArch *a = vdTableFindArch(table, arch);
    const vdCapsMachine *m;
    const vdFamily *fam;

    if (!a) {
        g_printerr(_("virt-defaults: unknown architecture '%s'\n"), arch);
        return false;
    }
    if (!machine)
        return true;
    if (!(m = vdCapsArchFindMachine(a, machine))) {
        g_printerr(_("virt-defaults: unknown machine type '%s' for '%s'\n"), machine, arch);
        return false;
    }
    *canonical = m->name;
    if ((fam = vdTableFindFamily(table, arch, *canonical)))
        *family = fam->name;
    return true;
}


static void
vdTablePrintHeader(GString *out,
                   const char *format,
                   unsigned int generation,
                   const char *arch,
                   const char *canonical)
{
    if (g_str_equal(format, "xml"))
        g_string_append_printf(out, "<rules generation='%u'%s%s%s%s%s%s>\n", generation,
                               arch ? " arch='" : "", arch ? arch : "", arch ? "'" : "",
                               canonical ? " machine='" : "", canonical ? canonical : "",
                               canonical ? "'" : "");
    else if (g_str_equal(format, "rst"))
        g_string_append(out, ".. list-table::\n   :header-rows: 1\n\n"
                             "   * - Rule\n     - Gen\n     - Machines\n     - Setting\n     - Value\n     - Reason\n");
    else
        g_string_append_printf(out, "%-36s %3s  %-10s %-28s %-16s %s\n",
                               "RULE", "GEN", "MACHINES", "SETTING", "VALUE", "REASON");
}


static int
vdCmdTable(int argc,
           char **argv)
{
    g_autofree char *arch = NULL;
    g_autofree char *machine = NULL;
    g_autofree char *gen = NULL;
    g_autofree char *format = NULL;
    GOptionEntry entries[] = {
        { "arch", 'a', 0, G_OPTION_ARG_STRING, &arch, N_("architecture"), "ARCH" },
        { "machine", 'm', 0, G_OPTION_ARG_STRING, &machine, N_("machine type"), "MACHINE" },
        { "generation", 'g', 0, G_OPTION_ARG_STRING, &gen, N_("generation (default: current)"), "N" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &format, N_("text, xml or rst"), "FORMAT" },
        { NULL }
    };
    g_autoptr(GOptionContext) opt = g_option_context_new(_("- print the effective defaults rules"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    const char *canonical = NULL;
    const char *family = NULL;
    unsigned int generation;
    size_t nsettings;
    const vdSettingInfo *settings;
    size_t i;

    g_option_context_add_main_entries(opt, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (!format)
        format = g_strdup("text");
    if (!g_str_equal(format, "text") && !g_str_equal(format, "xml") && !g_str_equal(format, "rst")) {
        g_printerr(_("virt-defaults: unknown format '%s'\n"), format);
        return EXIT_USAGE;
    }
    if (machine && !arch) {
        g_printerr(_("virt-defaults: --machine needs --arch\n"));
        return EXIT_USAGE;
    }
    if (!(table = vdLoadTable()))
        return EXIT_REFUSED;
    if (!(generation = vdParseGeneration(table, gen, &err))) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (arch && !vdTableFindMachine(table, arch, machine, &canonical, &family))
        return EXIT_USAGE;

    vdTablePrintHeader(out, format, generation, arch, canonical);
    settings = vdSettingList(&nsettings);
    for (i = 0; i < nsettings; i++) {
        if (canonical) {
            const vdRule *r = vdTableLookup(table, settings[i].name, generation, arch,
                                            family, canonical);

            if (r)
                vdTablePrintRule(out, format, r);
        } else {
            guint j;

            for (j = 0; j < table->rules->len; j++) {
                const vdRule *r = g_ptr_array_index(table->rules, j);

                if (!g_str_equal(r->setting, settings[i].name) || r->generation > generation)
                    continue;
                if (arch && r->arches && !g_strv_contains((const char *const *)r->arches, arch))
                    continue;
                vdTablePrintRule(out, format, r);
            }
        }
    }
    if (g_str_equal(format, "xml"))
        g_string_append(out, "</rules>\n");
    vdPutStdout(out->str);
    return 0;
}


static vdStore *
vdOpenStore(void)
{
    g_autoptr(GError) err = NULL;
    vdStore *store = vdStoreOpen(vdConnectURI, &err);

    if (!store)
        vdPrintError(err);
    return store;
}


/* The domain's name as libvirt reads it: the text of <name>, not trimmed (libvirt
 * keeps " web " as it is, and refuses a newline in it). */
static char *
vdDomainName(xmlDocPtr doc,
             GError **error)
{
    g_autofree char *name = vdXMLContent(vdXMLChild(xmlDocGetRootElement(doc), "name"));

    if (!vdStoreValidName(name, error))
        return NULL;
    return g_steal_pointer(&name);
}


/* Complete @doc as a define does: 'update' over an existing definition of the same
 * name, 'new' otherwise; then store it.  The store is locked from the read of the
 * existing definition to the write, so that each update is computed against what is
 * stored at that moment.  With @printDiff, show what the engine adds as a unified
 * diff instead, and store nothing (nor lock, nor create anything). */
static bool
vdDefineDoc(vdStore *store,
            const vdTable *table,
            xmlDocPtr doc,
            unsigned int generation,
            const char *from,
            bool printDiff,
            GError **error)
{
    g_autoptr(xmlDoc) storedDoc = NULL;
    g_autofree char *name = NULL;
    g_autofree char *stored = NULL;
    g_autofree char *in = NULL;
    g_autofree char *out = NULL;
    vdGuardRequest req = { .context = VD_GUARD_NEW, .generation = generation };
    vdGuardResult res = { 0 };
    GError *err = NULL;
    bool locked = false;
    bool ok = false;

    if (!(name = vdDomainName(doc, error)))
        return false;
    if (!printDiff) {
        if (!vdStoreLock(store, error))
            return false;
        locked = true;
    }
    if ((stored = vdStoreGet(store, name, &err))) {
        if (!(storedDoc = vdXMLParse(stored, strlen(stored), name, "domain", error)))
            goto cleanup;
        if (!vdStoreCheckSameDomain(name, storedDoc, doc, error))
            goto cleanup;
        req.context = VD_GUARD_UPDATE;
        req.stored = storedDoc;
        if (generation) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("domain '%1$s' exists: its generation cannot be chosen again; use 'upgrade'"),
                        name);
            goto cleanup;
        }
    } else if (g_error_matches(err, VD_ERROR, VD_ERROR_NOT_FOUND)) {
        g_clear_error(&err);
    } else {
        g_propagate_error(error, err);
        goto cleanup;
    }
    if (printDiff)
        in = vdXMLFormat(doc);
    if (!vdGuardApply(table, doc, &req, &res, error))
        goto cleanup;
    out = vdXMLFormat(res.doc);
    if (printDiff) {
        g_autofree char *labelA = g_strdup_printf(_("%s (as given)"), from);
        g_autofree char *labelB = g_strdup_printf(_("%s (generation %u, %s, not stored)"), name,
                                                  res.generation,
                                                  vdGuardContextTypeToString(req.context));
        g_autofree char *diff = vdDiffUnified(in, out, labelA, labelB, 3);

        if (diff)
            vdPutStdout(diff);
        ok = true;
        goto cleanup;
    }
    if (!vdStorePut(store, name, out, 0, error))
        goto cleanup;
    /* TRANSLATORS: the last word is the context, 'new' or 'update' */
    printf(_("Domain '%s' defined from %s (generation %u, %s)\n"), name, from, res.generation,
           vdGuardContextTypeToString(req.context));
    ok = true;

 cleanup:
    if (locked)
        vdStoreUnlock(store);
    vdGuardResultClear(&res);
    return ok;
}


static int
vdCmdDefine(int argc,
            char **argv)
{
    g_autofree char *gen = NULL;
    gboolean printDiff = FALSE;
    GOptionEntry entries[] = {
        { "generation", 'g', 0, G_OPTION_ARG_STRING, &gen,
          N_("generation for a new domain (a number or 'latest')"), "N" },
        { "print-diff", 0, 0, G_OPTION_ARG_NONE, &printDiff,
          N_("show what the engine would add as a unified diff; store nothing"), NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) opt = g_option_context_new(_("FILE - define a domain, completing its defaults"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdStore) store = NULL;
    g_autoptr(vdTable) table = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    unsigned int generation = 0;

    g_option_context_add_main_entries(opt, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 2) {
        g_printerr(_("virt-defaults: define takes one file\n"));
        return EXIT_USAGE;
    }
    if (!(table = vdLoadTable()))
        return EXIT_REFUSED;
    if (gen && !(generation = vdParseGeneration(table, gen, &err))) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (!(doc = vdXMLParseFile(argv[1], "domain", &err))) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    if (!(store = vdOpenStore()))
        return EXIT_REFUSED;
    if (!vdDefineDoc(store, table, doc, generation, argv[1], printDiff, &err)) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    return 0;
}


static int
vdCmdNameOnly(int argc,
              char **argv,
              const char *usage,
              const char **name)
{
    g_autoptr(GOptionContext) opt = g_option_context_new(usage);
    g_autoptr(GError) err = NULL;

    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 2) {
        g_printerr(_("virt-defaults: %s takes one domain name\n"), argv[0]);
        return EXIT_USAGE;
    }
    *name = argv[1];
    return 0;
}


static int
vdCmdDumpxml(int argc,
             char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vdStore) store = NULL;
    g_autofree char *xml = NULL;
    const char *name = NULL;
    int rc;

    if ((rc = vdCmdNameOnly(argc, argv, _("NAME - print a stored definition"), &name)))
        return rc;
    if (!(store = vdOpenStore()))
        return EXIT_REFUSED;
    if (!(xml = vdStoreGet(store, name, &err))) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    vdPutStdout(xml);
    return 0;
}


static int
vdCmdUndefine(int argc,
              char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(vdStore) store = NULL;
    const char *name = NULL;
    int rc;

    if ((rc = vdCmdNameOnly(argc, argv, _("NAME - remove a stored definition"), &name)))
        return rc;
    if (!(store = vdOpenStore()))
        return EXIT_REFUSED;
    if (!vdStoreRemove(store, name, &err)) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }
    printf(_("Domain '%s' has been undefined\n"), name);
    return 0;
}


static int
vdCmdList(int argc,
          char **argv)
{
    g_autoptr(GOptionContext) opt = g_option_context_new(_("- list stored domains and their generations"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdStore) store = NULL;
    g_autoptr(GPtrArray) names = NULL;
    guint i;

    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 1) {
        g_printerr(_("virt-defaults: list takes no arguments\n"));
        return EXIT_USAGE;
    }
    if (!(store = vdOpenStore()) || !(names = vdStoreList(store, &err))) {
        if (err)
            vdPrintError(err);
        return EXIT_REFUSED;
    }
    printf(" %-30s %s\n", _("Name"), _("Generation"));
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *xml = vdStoreGet(store, name, NULL);
        g_autoptr(xmlDoc) doc = xml ? vdXMLParse(xml, strlen(xml), name, "domain", NULL) : NULL;
        bool stamped = false;
        unsigned int gen = doc ? vdGuardGeneration(doc, &stamped, NULL) : 0;

        if (gen)
            printf(" %-30s %u%s\n", name, gen, stamped ? "" : _(" (no stamp)"));
        else
            printf(" %-30s %s\n", name, _("(unreadable)"));
    }
    return 0;
}


/* The copy handed to the editor: created 0600 by g_file_open_tmp() and written
 * through that descriptor, so it is never readable by others. */
static char *
vdEditWriteCopy(const char *xml,
                GError **error)
{
    g_autofree char *path = NULL;
    size_t len = strlen(xml);
    size_t done = 0;
    int fd;

    if ((fd = g_file_open_tmp("virt-defaults-XXXXXX.xml", &path, error)) < 0)
        return NULL;
    while (done < len) {
        ssize_t n = write(fd, xml + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot write '%1$s': %2$s"), path,
                        g_strerror(errno));
            close(fd);
            g_unlink(path);
            return NULL;
        }
        done += n;
    }
    if (close(fd) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot write '%1$s': %2$s"), path,
                    g_strerror(errno));
        g_unlink(path);
        return NULL;
    }
    return g_steal_pointer(&path);
}


static bool
vdEditRunEditor(const char *path,
                GError **error)
{
    const char *editor = g_getenv("VISUAL") ? g_getenv("VISUAL") : g_getenv("EDITOR");
    g_autofree char *quoted = g_shell_quote(path);
    g_autofree char *cmd = g_strdup_printf("%s %s", editor && *editor ? editor : "vi", quoted);
    int status = 0;

    fflush(stdout);
    return g_spawn_command_line_sync(cmd, NULL, NULL, &status, error) &&
        g_spawn_check_wait_status(status, error);
}


/* virsh edit's question after a failed define: 'y', 'n', 'f', 'i', or EOF. */
static int
vdEditAsk(const char *msg)
{
    for (;;) {
        char line[64] = "";
        const char *p = line;

        printf("%s %s [y,n,i,f,?]: ", msg, _("Try again?"));
        fflush(stdout);
        if (!fgets(line, sizeof(line), stdin))
            return EOF;
        while (g_ascii_isspace(*p))
            p++;
        switch (g_ascii_tolower(*p)) {
        case 'y':
        case 'n':
        case 'i':
        case 'f':
            return g_ascii_tolower(*p);
        case '?':
            printf("%s\n%s\n%s\n%s\n%s\n",
                   _("y - yes, start the editor again"),
                   _("n - no, throw away my changes"),
                   _("i - turn off validation and try to define again (not applicable: what virt-defaults refuses cannot be switched off)"),
                   _("f - force, try to define again (only after another user's change; a refused definition would be refused again)"),
                   _("? - print this help"));
            break;
        default:
            break;
        }
    }
}


/* One run of 'edit': the definition shown to the owner, the copy the editor works on,
 * and the outcome of the last attempt to define the edit. */
typedef struct {
    vdStore *store;
    const vdTable *table;
    const char *name;
    char *copy;             /* the file handed to the editor */
    char *shown;            /* the stored definition the edit is based on */
    char *edited;
    gsize len;
    const char *msg;        /* the question after a failed define */
    bool changedByOther;    /* someone else stored the domain while it was edited */
} vdEdit;

static void
vdEditClear(vdEdit *e)
{
    g_free(e->copy);
    g_free(e->shown);
    g_free(e->edited);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(vdEdit, vdEditClear)


/* Defines the edit under the store's lock, if what is stored is still what was shown.
 * On failure e->msg is the question to ask, or NULL when the store could not be
 * locked or read; if someone else changed the definition, e->shown becomes theirs. */
static bool
vdEditRedefine(vdEdit *e,
               GError **error)
{
    g_autofree char *reread = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    bool ok = false;

    e->msg = NULL;
    e->changedByOther = false;
    if (!vdStoreLock(e->store, error))
        return false;
    if (!(reread = vdStoreGet(e->store, e->name, error))) {
        vdStoreUnlock(e->store);
        return false;
    }
    if (!g_str_equal(reread, e->shown)) {
        e->msg = _("The XML configuration was changed by another user.");
        e->changedByOther = true;
        g_set_error(error, VD_ERROR, VD_ERROR_IO,
                    _("the definition of '%1$s' was changed by someone else while it was being edited"),
                    e->name);
        g_free(e->shown);
        e->shown = g_steal_pointer(&reread);
    } else if (!(doc = vdXMLParse(e->edited, e->len, e->copy, "domain", error)) ||
               !vdDefineDoc(e->store, e->table, doc, 0, _("the edited definition"), false, error)) {
        e->msg = _("Failed.");
    } else {
        ok = true;
    }
    vdStoreUnlock(e->store);
    return ok;
}


/* 'edit --print-diff': what the engine would add to the edit; nothing is stored. */
static bool
vdEditPrintDiff(const vdEdit *e,
                GError **error)
{
    g_autoptr(xmlDoc) doc = vdXMLParse(e->edited, e->len, e->copy, "domain", error);

    if (!doc || !vdDefineDoc(e->store, e->table, doc, 0, _("the edited definition"), true, error))
        return false;
    g_printerr(_("virt-defaults: nothing stored; the edited definition is kept in '%s'\n"),
               e->copy);
    return true;
}


/* The edit failed or was given up: say why, and where the owner's edits are. */
static int
vdEditKept(const vdEdit *e,
           const GError *err)
{
    g_autofree char *why = vdOneLine(err ? err->message : e->msg);

    /* TRANSLATORS: the first %s is why the edit failed, the second a file name */
    g_printerr(_("virt-defaults: %s; the edited definition is kept in '%s'\n"), why, e->copy);
    return EXIT_REFUSED;
}


/* Asks until the answer is one that can be acted on: 'y', 'n', EOF, or 'f' when
 * another user's change is what failed. */
static int
vdEditChoose(const char *msg,
             bool changedByOther)
{
    for (;;) {
        int c = vdEditAsk(msg);

        if (c == 'y' || c == 'n' || c == EOF || (c == 'f' && changedByOther))
            return c;
        if (c == 'f')
            printf(_("Forcing cannot help: virt-defaults refused the definition itself; edit it again (y) or throw it away (n).\n"));
        else
            printf(_("There is no validation to turn off: virt-defaults refused the definition itself; edit it again (y) or throw it away (n).\n"));
    }
}


/* As virsh edit does: hand a copy to the editor; when it comes back changed, define
 * it (a renamed domain is a new definition, refused when its UUID is another
 * domain's); when that fails, keep the owner's edits and ask whether to edit again.
 * The store is locked only for the define, never while the editor runs: a change
 * someone else stored meanwhile is noticed, as virsh notices it. */
static int
vdCmdEdit(int argc,
          char **argv)
{
    gboolean printDiff = FALSE;
    GOptionEntry entries[] = {
        { "print-diff", 0, 0, G_OPTION_ARG_NONE, &printDiff,
          N_("show what the engine would add to the edited definition; store nothing"), NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) opt = g_option_context_new(_("NAME - edit a stored definition with $EDITOR"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdStore) store = NULL;
    g_autoptr(vdTable) table = NULL;
    g_auto(vdEdit) e = { 0 };

    g_option_context_add_main_entries(opt, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 2) {
        g_printerr(_("virt-defaults: edit takes one domain name\n"));
        return EXIT_USAGE;
    }
    e.name = argv[1];
    if (!(table = vdLoadTable()) || !(store = vdOpenStore()))
        return EXIT_REFUSED;
    e.store = store;
    e.table = table;
    if (!(e.shown = vdStoreGet(store, e.name, &err)) ||
        !(e.copy = vdEditWriteCopy(e.shown, &err))) {
        vdPrintError(err);
        return EXIT_REFUSED;
    }

 reedit:
    g_clear_error(&err);
    g_clear_pointer(&e.edited, g_free);
    if (!vdEditRunEditor(e.copy, &err) || !(e.edited = vdXMLReadFile(e.copy, &e.len, &err)))
        goto kept;
    if (g_str_equal(e.edited, e.shown)) {
        printf(_("Domain '%s' XML configuration not changed.\n"), e.name);
        g_unlink(e.copy);
        return 0;
    }

 redefine:
    g_clear_error(&err);
    if (printDiff)
        return vdEditPrintDiff(&e, &err) ? 0 : vdEditKept(&e, err);
    if (vdEditRedefine(&e, &err)) {
        g_unlink(e.copy);
        return 0;
    }
    if (!e.msg || !isatty(STDIN_FILENO))
        goto kept;
    vdPrintError(err);
    switch (vdEditChoose(e.msg, e.changedByOther)) {
    case 'y':
        goto reedit;
    case 'f':
        goto redefine;
    case 'n':
        g_unlink(e.copy);
        return EXIT_REFUSED;
    default:
        break;
    }

 kept:
    return vdEditKept(&e, err);
}


/* Whether the owner agrees to the upgrade shown; when not, *status is the exit
 * status. */
static bool
vdUpgradeAsk(const char *name,
             unsigned int generation,
             int *status)
{
    char answer[16] = "";

    if (!isatty(STDIN_FILENO)) {
        g_printerr(_("virt-defaults: not upgrading '%s' without --yes: standard input is not a terminal\n"), name);
        *status = EXIT_USAGE;
        return false;
    }
    printf(_("Upgrade '%s' to generation %u? [y/N] "), name, generation);
    fflush(stdout);
    if (!fgets(answer, sizeof(answer), stdin) || (answer[0] != 'y' && answer[0] != 'Y')) {
        printf(_("Domain '%s' not changed\n"), name);
        *status = 0;
        return false;
    }
    return true;
}


/* The owner agreed to a diff against @xml: lock the store and check that it is still
 * what is stored. */
static bool
vdUpgradeRecheck(vdStore *store,
                 const char *name,
                 const char *xml,
                 GError **error)
{
    g_autofree char *reread = NULL;

    if (!vdStoreLock(store, error) || !(reread = vdStoreGet(store, name, error)))
        return false;
    if (!g_str_equal(reread, xml)) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO,
                    _("the definition of '%1$s' was changed by someone else meanwhile: nothing upgraded; run upgrade again"),
                    name);
        return false;
    }
    return true;
}


/* Shows what upgrading @name to @req's generation changes and, unless @dryRun,
 * stores it once the owner agrees (at once with @yes).  Returns the exit status. */
static int
vdUpgradeRun(vdStore *store,
             const vdTable *table,
             const char *name,
             vdGuardRequest *req,
             bool dryRun,
             bool yes)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *out = NULL;
    g_autofree char *diff = NULL;
    g_autofree char *labelA = NULL;
    g_autofree char *labelB = NULL;
    vdGuardResult res = { 0 };
    unsigned int fromGeneration;
    bool stamped = false;

    /* with --yes nobody is asked: hold the store's lock from the read to the write;
     * otherwise it is taken after the answer (see below), and --dry-run writes nothing */
    if (yes && !dryRun && !vdStoreLock(store, &err))
        goto error;
    if (!(xml = vdStoreGet(store, name, &err)) ||
        !(doc = vdXMLParse(xml, strlen(xml), name, "domain", &err)))
        goto error;
    fromGeneration = vdGuardGeneration(doc, &stamped, NULL);
    if (!vdGuardApply(table, doc, req, &res, &err))
        goto error;
    out = vdXMLFormat(res.doc);
    labelA = g_strdup_printf(_("%s (generation %u)"), name, fromGeneration);
    labelB = g_strdup_printf(_("%s (generation %u)"), name, res.generation);
    if (!(diff = vdDiffUnified(xml, out, labelA, labelB, 3))) {
        printf(_("Domain '%s' is already generation %u: nothing to change\n"), name, res.generation);
        vdGuardResultClear(&res);
        return 0;
    }
    vdPutStdout(diff);
    if (dryRun) {
        vdGuardResultClear(&res);
        return 0;
    }
    if (!yes) {
        int status;

        if (!vdUpgradeAsk(name, res.generation, &status)) {
            vdGuardResultClear(&res);
            return status;
        }
        if (!vdUpgradeRecheck(store, name, xml, &err))
            goto error;
    }
    if (!vdStorePut(store, name, out, VD_STORE_PUT_UPGRADE, &err))
        goto error;
    printf(_("Domain '%s' upgraded to generation %u\n"), name, res.generation);
    vdGuardResultClear(&res);
    return 0;

 error:
    vdPrintError(err);
    vdGuardResultClear(&res);
    return EXIT_REFUSED;
}


static int
vdCmdUpgrade(int argc,
             char **argv)
{
    g_autofree char *to = NULL;
    gboolean dryRun = FALSE;
    gboolean yes = FALSE;
    GOptionEntry entries[] = {
        { "to", 0, 0, G_OPTION_ARG_STRING, &to, N_("target generation (default: current)"), "N" },
        { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dryRun, N_("only show what would change"), NULL },
        { "yes", 'y', 0, G_OPTION_ARG_NONE, &yes, N_("do not ask for confirmation"), NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) opt = g_option_context_new(_("NAME - move a stored domain to a newer generation"));
    g_autoptr(GError) err = NULL;
    g_autoptr(vdStore) store = NULL;
    g_autoptr(vdTable) table = NULL;
    vdGuardRequest req = { .context = VD_GUARD_UPGRADE };

    g_option_context_add_main_entries(opt, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(opt, &argc, &argv, &err)) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (argc != 2) {
        g_printerr(_("virt-defaults: upgrade takes one domain name\n"));
        return EXIT_USAGE;
    }
    if (!(table = vdLoadTable()))
        return EXIT_REFUSED;
    if (to && !(req.generation = vdParseGeneration(table, to, &err))) {
        vdPrintError(err);
        return EXIT_USAGE;
    }
    if (!(store = vdOpenStore()))
        return EXIT_REFUSED;
    return vdUpgradeRun(store, table, argv[1], &req, dryRun, yes);
}


static const vdCommand vdCommands[] = {
    { "apply", vdCmdApply, N_("complete a domain definition with its implicit devices") },
    { "table", vdCmdTable, N_("print the rules of the defaults table") },
    { "explain", vdCmdExplain, N_("list what the engine supplied in a definition, and why") },
    { "diff", vdCmdDiff, N_("show what upgrading a definition to a newer generation changes") },
    { "check-abi", vdCmdCheckABI, N_("compare two definitions for guest ABI stability") },
    { "define", vdCmdDefine, N_("define a domain in the store, completing its defaults") },
    { "dumpxml", vdCmdDumpxml, N_("print a stored definition") },
    { "list", vdCmdList, N_("list stored domains and their generations") },
    { "edit", vdCmdEdit, N_("edit a stored definition and define it again") },
    { "undefine", vdCmdUndefine, N_("remove a stored definition") },
    { "upgrade", vdCmdUpgrade, N_("move a stored domain to a newer generation") },
};


static void
vdUsage(FILE *f)
{
    size_t i;

    fprintf(f, _("usage: virt-defaults [-c URI] COMMAND [OPTIONS] [ARGS]\n\ncommands:\n"));
    for (i = 0; i < G_N_ELEMENTS(vdCommands); i++)
        fprintf(f, "  %-10s %s\n", vdCommands[i].name, _(vdCommands[i].summary));
    fprintf(f, _("\n'virt-defaults COMMAND --help' describes a command's options.\n"));
}


/* Whatever went to standard output must have got there: a full disk, a closed pipe
 * reader or /dev/full is an error like any other, as coreutils' close_stdout() has it. */
static int
vdCloseStdout(int rc)
{
    bool pending = ferror(stdout) != 0;
    int err = 0;

    if (fflush(stdout) != 0)
        err = errno;
    if (fclose(stdout) != 0 && !err && (pending || errno != EBADF))
        err = errno;
    if (err) {
        g_printerr(_("virt-defaults: cannot write to standard output: %s\n"), g_strerror(err));
        return rc ? rc : EXIT_REFUSED;
    }
    if (pending && vdStdoutErrno) {
        g_printerr(_("virt-defaults: cannot write to standard output: %s\n"),
                   g_strerror(vdStdoutErrno));
        return rc ? rc : EXIT_REFUSED;
    }
    if (pending) {
        /* a printf() failed; its errno is long gone */
        g_printerr(_("virt-defaults: cannot write to standard output\n"));
        return rc ? rc : EXIT_REFUSED;
    }
    return rc;
}


int
main(int argc,
     char **argv)
{
    size_t i;

    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    if (argc >= 3 && (g_str_equal(argv[1], "-c") || g_str_equal(argv[1], "--connect"))) {
        vdConnectURI = argv[2];
        argc -= 2;
        argv += 2;
    } else if (argc >= 2 && g_str_has_prefix(argv[1], "--connect=")) {
        vdConnectURI = argv[1] + strlen("--connect=");
        argc -= 1;
        argv += 1;
    }
    if (argc < 2) {
        vdUsage(stderr);
        return EXIT_USAGE;
    }
    if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h") || g_str_equal(argv[1], "help")) {
        vdUsage(stdout);
        return vdCloseStdout(0);
    }
    if (g_str_equal(argv[1], "--version")) {
        printf("virt-defaults %s\n", PACKAGE_VERSION);
        return vdCloseStdout(0);
    }
    for (i = 0; i < G_N_ELEMENTS(vdCommands); i++) {
        if (g_str_equal(argv[1], vdCommands[i].name))
            return vdCloseStdout(vdCommands[i].run(argc - 1, argv + 1));
    }
    /* one line, as every refusal: the list of commands is one --help away */
    g_printerr(_("virt-defaults: unknown command '%s' (see 'virt-defaults --help')\n"), argv[1]);
    return EXIT_USAGE;
}
