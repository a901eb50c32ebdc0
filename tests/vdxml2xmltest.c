/*
 * vdxml2xmltest.c: generation 1 against what libvirt 9.0 stores
 *
 * Every input goes the way of `virt-defaults apply --generation 1`: the guard's 'new'
 * context, which runs the engine and writes the generation stamp.
 *
 * For every tests/vdxml2xmldata/<case>.xml with a golden in tests/vdxml2xmloutdata:
 *
 *   <case>.gen1.xml   libvirt 9.0 accepted the input and stored this.  The engine must
 *                     accept it too and its <devices> must equal libvirt's at the deepest
 *                     level of shared/oracle/devcmp.py (L3: every device but <emulator>,
 *                     canonicalised, in order), with the same os/type arch and machine.
 *   <case>.gen1.err   libvirt refused it.  The engine must refuse it as well, with an
 *                     UNSUPPORTED or INVALID error; our message is pinned in
 *                     <case>.gen1.vderr so that a change shows up in review.
 *
 * Every accepted case is also applied to its own output (the bytes must not change),
 * validated against libvirt's domain schema, and pinned byte for byte in
 * <case>.gen1.vd.xml: generation 1 is released, so a change to a pinned output fails.
 * VD_TEST_REGENERATE_OUTPUT=1 rewrites the pinned files.
 *
 * tests/vdxml2xml-xfail.txt lists the cases known to differ from libvirt today; they
 * report as TAP "TODO" instead of failing, and a listed case that agrees with libvirt
 * prints a notice asking for its removal from the list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <libxml/relaxng.h>
#include <string.h>

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "engine/vdengine.h"
#include "testutils.h"
#include "util/vderror.h"
#include "util/vdxml.h"

#define VD_TEST_GENERATION 1
#define VD_TEST_DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"

typedef struct {
    char *name;
    char *arch;
    bool xfail;
} vdTestCase;

static vdTable *vdTestTable;
static xmlRelaxNGPtr vdTestSchema;
static char *vdTestSchemaPath;

static void
vdTestCaseFree(gpointer opaque)
{
    vdTestCase *tc = opaque;

    g_free(tc->name);
    g_free(tc->arch);
    g_free(tc);
}


/* ---- the outcome of one engine run --------------------------------------------- */

typedef struct {
    char *xml;              /* the completed definition, or NULL when refused */
    GError *error;          /* why it was refused */
} vdTestRun;

static void
vdTestRunClear(vdTestRun *run)
{
    g_clear_pointer(&run->xml, g_free);
    g_clear_error(&run->error);
}


static void
vdTestApply(const char *buf,
            gsize len,
            const char *filename,
            vdTestRun *run)
{
    run->xml = vdTestApplyBuf(vdTestTable, VD_TEST_GENERATION, buf, len, filename, &run->error);
}


/* ---- devcmp.py L3 in C ------------------------------------------------------------ */

static void
vdTestEscape(GString *out,
             const char *s,
             bool attr)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            g_string_append(out, attr ? "&quot;" : "\"");
            break;
        case '\r':
            g_string_append(out, "&#xD;");
            break;
        default:
            g_string_append_c(out, *s);
        }
    }
}


static void
vdTestQName(GString *out,
            xmlNsPtr ns,
            const xmlChar *name)
{
    if (ns && ns->prefix)
        g_string_append_printf(out, "%s:", (const char *)ns->prefix);
    g_string_append(out, (const char *)name);
}


static int
vdTestAttrCmp(gconstpointer a,
              gconstpointer b)
{
    return g_strcmp0(((const char *const *)a)[0], ((const char *const *)b)[0]);
}


static bool
vdTestBlank(const char *s)
{
    for (; s && *s; s++) {
        if (!g_ascii_isspace(*s))
            return false;
    }
    return true;
}


/* The canonical form devcmp.py compares: <alias> dropped at any depth, the <mac> of an
 * interface dropped when the input had none, attributes sorted, whitespace-only text
 * ignored, comments ignored, empty elements written as start and end tags. */
static void
vdTestCanonElement(GString *out,
                   xmlNodePtr node,
                   bool dropMac)
{
    g_autoptr(GArray) attrs = g_array_new(FALSE, FALSE, sizeof(char *) * 2);
    xmlAttrPtr a;
    xmlNodePtr c;
    guint i;

    g_string_append_c(out, '<');
    vdTestQName(out, node->ns, node->name);
    for (a = node->properties; a; a = a->next) {
        GString *qname = g_string_new(NULL);
        xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);
        char *pair[2];

        vdTestQName(qname, a->ns, a->name);
        pair[0] = g_string_free(qname, FALSE);
        pair[1] = g_strdup(v ? (const char *)v : "");
        xmlFree(v);
        g_array_append_val(attrs, pair);
    }
    g_array_sort(attrs, vdTestAttrCmp);
    for (i = 0; i < attrs->len; i++) {
        char **pair = &g_array_index(attrs, char *, i * 2);

        g_string_append_printf(out, " %s=\"", pair[0]);
        vdTestEscape(out, pair[1], true);
        g_string_append_c(out, '"');
        g_free(pair[0]);
        g_free(pair[1]);
    }
    g_string_append_c(out, '>');

    for (c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (c->ns || (!g_str_equal((const char *)c->name, "alias") &&
                          !(dropMac && g_str_equal((const char *)c->name, "mac"))))
                vdTestCanonElement(out, c, false);
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (!vdTestBlank((const char *)c->content))
                vdTestEscape(out, (const char *)c->content, false);
        }
    }
    g_string_append(out, "</");
    vdTestQName(out, node->ns, node->name);
    g_string_append_c(out, '>');
}


static xmlNodePtr
vdTestDevicesNode(xmlDocPtr doc)
{
    return vdXMLChild(xmlDocGetRootElement(doc), "devices");
}


/* The canonical devices of @doc, in order, <emulator> left out. */
static GPtrArray *
vdTestCanonDevices(xmlDocPtr doc,
                   bool macless)
{
    GPtrArray *devs = g_ptr_array_new_with_free_func(g_free);
    xmlNodePtr devices = vdTestDevicesNode(doc);
    xmlNodePtr n;

    for (n = vdXMLFirstElement(devices); n; n = vdXMLNextElement(n)) {
        GString *s;

        if (vdXMLNameIs(n, "emulator"))
            continue;
        s = g_string_new(NULL);
        vdTestCanonElement(s, n, macless && vdXMLNameIs(n, "interface"));
        g_ptr_array_add(devs, g_string_free(s, FALSE));
    }
    return devs;
}


/* devcmp.py's input_has_macs(): any <interface><mac> in any <devices> of the input. */
static bool
vdTestInputHasMacs(xmlDocPtr input)
{
    xmlNodePtr n;

    for (n = vdXMLFirstElement(xmlDocGetRootElement(input)); n; n = vdXMLNextElement(n)) {
        xmlNodePtr iface;

        if (!vdXMLNameIs(n, "devices"))
            continue;
        for (iface = vdXMLFirstElement(n); iface; iface = vdXMLNextElement(iface)) {
            if (vdXMLNameIs(iface, "interface") && vdXMLChild(iface, "mac"))
                return true;
        }
    }
    return false;
}


static char *
vdTestOSTypeAttr(xmlDocPtr doc,
                 const char *name)
{
    xmlNodePtr os = vdXMLChild(xmlDocGetRootElement(doc), "os");

    return vdXMLPropGet(vdXMLChild(os, "type"), name);
}


/* Appends to @why and returns false when the devices of @actual differ from @golden. */
static bool
vdTestCompareDevices(xmlDocPtr input,
                     xmlDocPtr golden,
                     xmlDocPtr actual,
                     GString *why,
                     bool verbose)
{
    const char *attrs[] = { "arch", "machine" };
    bool macless = !vdTestInputHasMacs(input);
    g_autoptr(GPtrArray) exp = vdTestCanonDevices(golden, macless);
    g_autoptr(GPtrArray) act = vdTestCanonDevices(actual, macless);
    bool ok = true;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(attrs); i++) {
        g_autofree char *e = vdTestOSTypeAttr(golden, attrs[i]);
        g_autofree char *a = vdTestOSTypeAttr(actual, attrs[i]);

        if (g_strcmp0(e, a) != 0) {
            g_string_append_printf(why, "os/type/@%s is '%s', libvirt has '%s'; ",
                                   attrs[i], a ? a : "(none)", e ? e : "(none)");
            ok = false;
        }
    }

    for (i = 0; i < MAX(exp->len, act->len); i++) {
        const char *e = i < exp->len ? g_ptr_array_index(exp, i) : NULL;
        const char *a = i < act->len ? g_ptr_array_index(act, i) : NULL;

        if (g_strcmp0(e, a) == 0)
            continue;
        g_string_append_printf(why, "device %u of %u differs from libvirt's (L3); ",
                               i + 1, exp->len);
        if (verbose)
            g_test_message("first differing device (#%u):\n  libvirt: %s\n  engine:  %s",
                           i + 1, e ? e : "(none)", a ? a : "(none)");
        ok = false;
        break;
    }
    if (exp->len != act->len)
        g_string_append_printf(why, "%u devices, libvirt has %u; ", act->len, exp->len);
    return ok;
}


static int
vdTestStrPtrCmp(gconstpointer a,
                gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}


/* Whether @a and @b have the same devices, in a different order. */
static bool
vdTestSameDevicesReordered(xmlDocPtr a,
                           xmlDocPtr b)
{
    g_autoptr(GPtrArray) da = vdTestCanonDevices(a, false);
    g_autoptr(GPtrArray) db = vdTestCanonDevices(b, false);
    guint i;

    if (da->len != db->len)
        return false;
    g_ptr_array_sort(da, vdTestStrPtrCmp);
    g_ptr_array_sort(db, vdTestStrPtrCmp);
    for (i = 0; i < da->len; i++) {
        if (!g_str_equal(g_ptr_array_index(da, i), g_ptr_array_index(db, i)))
            return false;
    }
    return true;
}


/* ---- schema -------------------------------------------------------------------- */

static void
vdTestCollectError(void *opaque,
                   const xmlError *err)
{
    GString *msgs = opaque;

    if (msgs->len < 2048 && err->message)
        g_string_append_printf(msgs, "line %d: %s", err->line, err->message);
}


static bool
vdTestValidate(xmlDocPtr doc,
               GString *why,
               bool verbose)
{
    xmlRelaxNGValidCtxtPtr vctxt;
    g_autoptr(GString) msgs = g_string_new(NULL);
    int rc;

    if (!vdTestSchema)
        return true;
    vctxt = xmlRelaxNGNewValidCtxt(vdTestSchema);
    xmlRelaxNGSetValidStructuredErrors(vctxt, (xmlStructuredErrorFunc)vdTestCollectError, msgs);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (rc == 0)
        return true;
    g_string_append(why, "the output does not validate against domain.rng; ");
    if (verbose)
        g_test_message("%s:\n%s", vdTestSchemaPath, msgs->str);
    return false;
}


/* ---- the pinned generation-1 outputs ---------------------------------------------- */

static char *
vdTestOutPath(const char *name,
              const char *suffix)
{
    g_autofree char *base = g_strdup_printf("%s.gen%d.%s", name, VD_TEST_GENERATION, suffix);

    return vdTestPath("vdxml2xmloutdata", base, NULL);
}


/* @kind is "vd.xml" or "vderr"; the other kind is stale once the outcome changed. */
static bool
vdTestPin(const vdTestCase *tc,
          const char *kind,
          const char *content,
          GString *why)
{
    const vdGeneration *gen = vdTableFindGeneration(vdTestTable, VD_TEST_GENERATION);
    g_autofree char *path = vdTestOutPath(tc->name, kind);
    g_autofree char *other = vdTestOutPath(tc->name,
                                           g_str_equal(kind, "vderr") ? "vd.xml" : "vderr");
    bool existed = g_file_test(path, G_FILE_TEST_EXISTS);
    bool otherExisted = g_file_test(other, G_FILE_TEST_EXISTS);

    if (vdTestRegenerate()) {
        if (otherExisted) {
            g_test_message("removed %s", other);
            g_unlink(other);
        }
        return vdTestCompareToFile(content, path);
    }
    if (vdTestCompareToFile(content, path) && !otherExisted)
        return true;

    if (!existed && !otherExisted) {
        g_string_append_printf(why, "no pinned output: run with VD_TEST_REGENERATE_OUTPUT=1 "
                               "and commit %s; ", vdTestRelPath(path));
    } else if (gen && gen->released) {
        g_string_append_printf(why,
                               "generation %u is released and may not change, but the %s "
                               "of this case differs from the pinned %s: add the new "
                               "behaviour to a new generation instead (regenerate with "
                               "VD_TEST_REGENERATE_OUTPUT=1 only to fix a pinned output "
                               "that disagrees with libvirt 9.0, and say so in the commit); ",
                               VD_TEST_GENERATION,
                               g_str_equal(kind, "vderr") ? "refusal" : "output",
                               vdTestRelPath(existed ? path : other));
    } else {
        g_string_append_printf(why, "the output differs from the pinned %s "
                               "(VD_TEST_REGENERATE_OUTPUT=1 rewrites it); ",
                               vdTestRelPath(existed ? path : other));
    }
    return false;
}


/* ---- one case ---------------------------------------------------------------------- */

static bool
vdTestRefusedCase(const vdTestCase *tc,
                  const vdTestRun *run,
                  GString *why,
                  bool verbose)
{
    g_autofree char *golden = vdTestOutPath(tc->name, "err");
    g_autofree char *libvirt = vdTestLoadFile(golden, NULL);
    g_autofree char *msg = NULL;
    bool ok = true;

    if (run->xml) {
        g_string_append_printf(why, "libvirt refuses this definition (%s), the engine accepted it; ",
                               libvirt ? g_strstrip(libvirt) : "?");
        return false;
    }
    if (!g_error_matches(run->error, VD_ERROR, VD_ERROR_UNSUPPORTED) &&
        !g_error_matches(run->error, VD_ERROR, VD_ERROR_INVALID)) {
        g_string_append_printf(why, "refused with error code %d instead of UNSUPPORTED or "
                               "INVALID: %s; ", run->error->code, run->error->message);
        ok = false;
    }
    if (verbose)
        g_test_message("libvirt: %s\nengine:  %s",
                       libvirt ? g_strstrip(libvirt) : "?", run->error->message);
    msg = g_strdup_printf("%s\n", run->error->message);
    if (!vdTestPin(tc, "vderr", msg, why))
        ok = false;
    return ok;
}


/* Checks against libvirt; the pinned output is checked by the caller. */
static bool
vdTestAcceptedCase(const vdTestCase *tc,
                   const char *inbuf,
                   gsize inlen,
                   const vdTestRun *run,
                   GString *why,
                   bool verbose)
{
    g_autofree char *golden = vdTestOutPath(tc->name, "xml");
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) input = NULL;
    g_autoptr(xmlDoc) expected = NULL;
    g_autoptr(xmlDoc) actual = NULL;
    vdTestRun again = { 0 };
    bool ok = true;

    if (!run->xml) {
        g_string_append_printf(why, "libvirt accepts this definition, the engine refused it: %s; ",
                               run->error->message);
        return false;
    }

    if (!(input = vdXMLParse(inbuf, inlen, tc->name, "domain", &err)) ||
        !(expected = vdXMLParseFile(golden, "domain", &err)) ||
        !(actual = vdXMLParse(run->xml, strlen(run->xml), "output", "domain", &err))) {
        g_string_append_printf(why, "cannot parse: %s; ", err->message);
        return false;
    }

    if (!vdTestCompareDevices(input, expected, actual, why, verbose))
        ok = false;

    vdTestApply(run->xml, strlen(run->xml), "output", &again);
    if (!again.xml) {
        g_string_append_printf(why, "not idempotent: applying the engine to its own output "
                               "fails: %s; ", again.error->message);
        ok = false;
    } else if (!g_str_equal(again.xml, run->xml)) {
        g_autoptr(xmlDoc) second = vdXMLParse(again.xml, strlen(again.xml), "again", "domain", NULL);

        if (second && vdTestSameDevicesReordered(actual, second))
            g_string_append(why, "not idempotent: applying the engine to its own output "
                            "reorders <devices> (nothing else changes); ");
        else
            g_string_append(why, "not idempotent: applying the engine to its own output "
                            "changes it; ");
        if (verbose) {
            g_autofree char *diff = vdTestDiff(run->xml, again.xml, 3);

            g_test_message("--- first application\n+++ second application\n%s", diff);
        }
        ok = false;
    }
    vdTestRunClear(&again);

    if (!vdTestValidate(actual, why, verbose))
        ok = false;
    return ok;
}


static void
vdTestXml2Xml(gconstpointer opaque)
{
    const vdTestCase *tc = opaque;
    g_autofree char *inpath = vdTestPath("vdxml2xmldata", tc->name, NULL);
    g_autofree char *infile = g_strdup_printf("%s.xml", inpath);
    g_autofree char *errgolden = vdTestOutPath(tc->name, "err");
    g_autofree char *inbuf = NULL;
    g_autoptr(GString) why = g_string_new(NULL);
    bool verbose = !tc->xfail || vdTestDebugLevel() > 0;
    bool refused = g_file_test(errgolden, G_FILE_TEST_EXISTS);
    vdTestRun run = { 0 };
    gsize inlen = 0;
    bool ok;

    if (!(inbuf = vdTestLoadFile(infile, &inlen))) {
        g_test_fail();
        return;
    }
    vdTestApply(inbuf, inlen, infile, &run);

    if (refused) {
        ok = vdTestRefusedCase(tc, &run, why, verbose);
    } else {
        ok = vdTestAcceptedCase(tc, inbuf, inlen, &run, why, verbose);
        /* A known difference is not pinned until it agrees with libvirt. */
        if (run.xml && (ok || !tc->xfail) && !vdTestPin(tc, "vd.xml", run.xml, why))
            ok = false;
    }
    vdTestRunClear(&run);

    if (why->len > 2)
        g_string_truncate(why, why->len - 2);

    if (ok) {
        if (tc->xfail)
            g_test_message("NOTICE: %s now agrees with libvirt 9.0: remove it from "
                           "tests/vdxml2xml-xfail.txt", tc->name);
        return;
    }
    if (tc->xfail) {
        g_test_incomplete(why->str);
        return;
    }
    g_test_message("%s: %s", tc->name, why->str);
    g_test_fail();
}


/* The comparison itself: what devcmp.py L3 ignores, and what it does not. */
static void
vdTestCanonSelf(void)
{
    const char *input =
        "<domain><devices><interface type='user'/></devices></domain>";
    const char *golden =
        "<domain><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>"
        "<emulator>/usr/bin/qemu-system-x86_64</emulator>"
        "<interface type='user'><mac address='52:54:00:00:00:01'/>"
        "<model type='e1000'/><alias name='net0'/>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        "</interface><memballoon model='virtio'/></devices></domain>";
    const char *same =
        "<domain><os><type machine='pc-i440fx-7.2' arch='x86_64'>hvm</type></os><devices>\n"
        "  <interface type='user'>\n    <mac address='52:54:00:99:99:99'/>\n"
        "    <model type='e1000'/>\n    <!-- a comment -->\n"
        "    <address function='0x0' slot='0x03' bus='0x00' domain='0x0000' type='pci'/>\n"
        "  </interface>\n  <memballoon model='virtio'></memballoon>\n</devices></domain>";
    const char *const differ[] = {
        /* another address */
        "<domain><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>"
        "<interface type='user'><model type='e1000'/>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>"
        "</interface><memballoon model='virtio'/></devices></domain>",
        /* another order */
        "<domain><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>"
        "<memballoon model='virtio'/><interface type='user'><model type='e1000'/>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        "</interface></devices></domain>",
        /* a device missing */
        "<domain><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>"
        "<interface type='user'><model type='e1000'/>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        "</interface></devices></domain>",
        /* another machine */
        "<domain><os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        "<interface type='user'><model type='e1000'/>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        "</interface><memballoon model='virtio'/></devices></domain>",
        /* text content */
        "<domain><os><type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type></os><devices>"
        "<interface type='user'><model type='e1000'>x</model>"
        "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>"
        "</interface><memballoon model='virtio'/></devices></domain>",
    };
    g_autoptr(xmlDoc) in = vdXMLParse(input, strlen(input), "in", "domain", NULL);
    g_autoptr(xmlDoc) gold = vdXMLParse(golden, strlen(golden), "golden", "domain", NULL);
    g_autoptr(xmlDoc) act = vdXMLParse(same, strlen(same), "same", "domain", NULL);
    g_autoptr(GString) why = g_string_new(NULL);
    guint i;

    g_assert_nonnull(in);
    g_assert_nonnull(gold);
    g_assert_nonnull(act);
    g_assert_true(vdTestCompareDevices(in, gold, act, why, true));
    g_assert_cmpstr(why->str, ==, "");

    for (i = 0; i < G_N_ELEMENTS(differ); i++) {
        g_autoptr(xmlDoc) doc = vdXMLParse(differ[i], strlen(differ[i]), "differ", "domain", NULL);

        g_assert_nonnull(doc);
        g_string_truncate(why, 0);
        g_assert_false(vdTestCompareDevices(in, gold, doc, why, false));
        g_assert_cmpuint(why->len, >, 0);
    }

    /* the MAC counts when the input wrote one */
    g_assert_false(vdTestCompareDevices(gold, gold, act, why, false));
}


/* Every name in the xfail list must be a case: a renamed or removed case must not leave
 * an entry behind that would hide a new case of the same name later. */
static void
vdTestXfailList(gconstpointer opaque)
{
    GHashTable *xfail = (GHashTable *)opaque;
    g_autoptr(GPtrArray) cases = vdTestListCases();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, xfail);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_ptr_array_find_with_equal_func(cases, key, g_str_equal, NULL)) {
            g_test_message("tests/vdxml2xml-xfail.txt names '%s', which is not a case",
                           (const char *)key);
            g_test_fail();
        }
    }
}


static void
vdTestSchemaAvailable(void)
{
    const char *good =
        "<domain type='qemu'><name>a</name><memory>1024</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices/></domain>";
    const char *bad =
        "<domain type='qemu'><name>a</name><memory>1024</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices><bogus/></devices></domain>";
    g_autoptr(xmlDoc) gdoc = NULL;
    g_autoptr(xmlDoc) bdoc = NULL;
    g_autoptr(GString) why = g_string_new(NULL);

    if (!vdTestSchema) {
        g_test_skip("libvirt's domain.rng is not installed (Debian: libvirt-daemon-system or "
                    "libvirt-clients); outputs are not schema-checked");
        return;
    }
    gdoc = vdXMLParse(good, strlen(good), "good", "domain", NULL);
    bdoc = vdXMLParse(bad, strlen(bad), "bad", "domain", NULL);
    g_assert_true(vdTestValidate(gdoc, why, true));
    g_assert_false(vdTestValidate(bdoc, why, false));
}


static xmlRelaxNGPtr
vdTestLoadSchema(const char *path)
{
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr rng;

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    if (!(pctxt = xmlRelaxNGNewParserCtxt(path)))
        g_error("cannot create a RelaxNG parser for %s", path);
    rng = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!rng)
        g_error("cannot parse the RelaxNG schema %s", path);
    return rng;
}


int
main(int argc,
     char **argv)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) cases = NULL;
    g_autoptr(GHashTable) xfail = NULL;
    g_autofree char *xfailPath = vdTestPath("vdxml2xml-xfail.txt", NULL);
    const char *rng = g_getenv("VD_TEST_DOMAIN_RNG");
    guint i;
    int ret;

    g_test_init(&argc, &argv, NULL);

    /* Before anything goes through vdXMLParse(), which installs an entity loader that
     * refuses every file, including the schema's includes. */
    vdTestSchemaPath = g_strdup(rng && *rng ? rng : VD_TEST_DOMAIN_RNG);
    if (!(vdTestSchema = vdTestLoadSchema(vdTestSchemaPath)))
        g_test_message("%s is absent: schema validation of the outputs is skipped",
                       vdTestSchemaPath);

    if (!(vdTestTable = vdTableLoadDefault(&err)))
        g_error("cannot load the defaults table: %s", err->message);
    if (!(xfail = vdTestLoadList(xfailPath)))
        g_error("cannot read %s", xfailPath);

    g_test_add_func("/xml2xml/canon", vdTestCanonSelf);
    g_test_add_func("/xml2xml/schema", vdTestSchemaAvailable);
    g_test_add_data_func("/xml2xml/xfail-list", xfail, vdTestXfailList);

    cases = vdTestListCases();
    for (i = 0; i < cases->len; i++) {
        vdTestCase *tc = g_new0(vdTestCase, 1);
        g_autofree char *path = NULL;

        tc->name = g_strdup(g_ptr_array_index(cases, i));
        tc->arch = vdTestCaseArch(tc->name);
        tc->xfail = g_hash_table_contains(xfail, tc->name);
        path = g_strdup_printf("/xml2xml/%s/%s", tc->arch, tc->name);
        g_test_add_data_func_full(path, tc, vdTestXml2Xml, vdTestCaseFree);
    }

    ret = g_test_run();

    g_clear_pointer(&vdTestTable, vdTableFree);
    g_clear_pointer(&vdTestSchema, xmlRelaxNGFree);
    g_clear_pointer(&vdTestSchemaPath, g_free);
    return ret;
}
