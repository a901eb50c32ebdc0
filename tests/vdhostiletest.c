/*
 * vdhostiletest.c: hostile and absurd inputs
 *
 * Every file of tests/hostiledata, and inputs generated here (too big, too deep, too
 * many devices, out-of-range numbers), goes the whole way of `virt-defaults apply`:
 * parse, apply generation 1, format.  Each runs in a child process, so that a crash,
 * an abort or a GLib critical (G_DEBUG=fatal-warnings) fails that case and nothing
 * else.
 *
 * What we do with each hostile file, and why where libvirt 9.0 differs:
 *
 *   refused, VD_ERROR_XML: anything with a <!DOCTYPE> or <!ENTITY> (dtd-external,
 *       entity-*): a domain definition never needs one.  libvirt accepts the external
 *       DTD and the external entities without loading them; we refuse them outright,
 *       which closes entity expansion and external loading in one place.  Also empty,
 *       malformed and non-<domain> documents, as libvirt does.
 *   refused, VD_ERROR_XML or VD_ERROR_INVALID: out-of-range or malformed numbers
 *       (absurd-*, negative-index) and a definition without <os><type>, as libvirt does.
 *   refused, VD_ERROR_INVALID or VD_ERROR_UNSUPPORTED: unknown-arch (libvirt: "unsupported
 *       configuration: Unknown architecture").
 *   accepted: duplicate-devices-element.  libvirt reads every <devices> element as one
 *       list and stores one; so does the engine, merging the second into the first.
 *   accepted: xinclude.  libvirt does not process XInclude and neither do we: the
 *       xi:include elements are kept verbatim and nothing is read.
 *
 * The findings of issue 10 (docs/limits.rst), each with what real libvirt 9.0 did
 * beside it (NAME.libvirt.xml or NAME.libvirt.err, from the oracle):
 *
 *   refused at once, VD_ERROR_UNSUPPORTED: slow-disk-name-min, timeout-scsi-disk-name,
 *       fuzz-timeout-* (a disk name implying a controller index in the hundred
 *       thousands or millions; libvirt adds every controller up to it, for hours),
 *       slow-drive-controller-100000 (the same through a drive address) and
 *       drive-controller-4294967295 (libvirt stores controller='-1', which it then
 *       refuses to read back: .libvirt-reload.err): the controller index limit.
 *       slow-800-unindexed-root-ports: PCI controller indexes past 255, refused by
 *       libvirt for lack of a PCI slot.  idem-two-addresses: libvirt reads the first
 *       <address>, a SCSI drive address on bus 1, and refuses it.
 *   accepted: dup-pci-two-addresses, idem-two-pci-addresses.  libvirt reads a device's
 *       first <address> and drops the second; so do we (no PCI address twice).
 *   accepted: two-metadata, two-stamps.  libvirt reads the first <metadata>; one stamp
 *       is written, the first one's generation counts, every other stamp goes.
 *   accepted: forged-claim, whose stamp claims the user's disk, NIC and machine as
 *       engine-supplied; an upgrade to generation 2 must keep all three.
 *   refused, VD_ERROR_XML: nul-junk, a NUL byte and junk after </domain>.  virsh
 *       would read up to the NUL; we refuse a document that is not all XML.
 *
 * Every accepted file's output must also be taken unchanged by 'load' and 'migrate',
 * and hold no PCI address twice.
 *
 * A file added to tests/hostiledata later must be refused with VD_ERROR_XML or
 * VD_ERROR_INVALID unless it is given an entry here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <string.h>

#include "conf/vddomain.h"
#include "defaults/vdtable.h"
#include "guard/vdguard.h"
#include "testutils.h"
#include "util/vderror.h"
#include "util/vdxml.h"

static vdTable *vdTestTable;

/* Cases run in a child whose stdout the parent discards: report on stderr. */
#define vdHostileMsg(...) g_printerr("# " __VA_ARGS__), g_printerr("\n")

#define VD_CODE(c) (1u << (c))
#define VD_CODES_PARSE (VD_CODE(VD_ERROR_XML) | VD_CODE(VD_ERROR_INVALID))

typedef struct {
    const char *name;          /* file name without .xml */
    unsigned int codes;        /* accepted error codes; 0 = must be accepted */
} vdHostileFile;

static const vdHostileFile vdHostileFiles[] = {
    { "absurd-controller-index", VD_CODES_PARSE },
    { "absurd-pci-slot", VD_CODES_PARSE },
    { "dtd-external", VD_CODE(VD_ERROR_XML) },
    { "duplicate-devices-element", 0 },
    { "empty", VD_CODE(VD_ERROR_XML) },
    { "entity-billion-laughs", VD_CODE(VD_ERROR_XML) },
    { "entity-external-file", VD_CODE(VD_ERROR_XML) },
    { "entity-external-network", VD_CODE(VD_ERROR_XML) },
    { "malformed-garbage", VD_CODE(VD_ERROR_XML) },
    { "malformed-unclosed", VD_CODE(VD_ERROR_XML) },
    { "negative-index", VD_CODES_PARSE },
    { "no-os-type", VD_CODES_PARSE },
    { "not-a-domain", VD_CODE(VD_ERROR_XML) },
    { "unknown-arch", VD_CODE(VD_ERROR_INVALID) | VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "xinclude", 0 },
    /* issue 10 */
    { "drive-controller-4294967295", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "dup-pci-two-addresses", 0 },
    { "forged-claim", 0 },
    { "fuzz-timeout-65291ffe", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "fuzz-timeout-6b03a56f", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "fuzz-timeout-ccf1680f", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "idem-two-addresses", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "idem-two-pci-addresses", 0 },
    { "nul-junk", VD_CODE(VD_ERROR_XML) },
    { "slow-800-unindexed-root-ports", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "slow-disk-name-min", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "slow-drive-controller-100000", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "timeout-scsi-disk-name", VD_CODE(VD_ERROR_UNSUPPORTED) },
    { "two-metadata", 0 },
    { "two-stamps", 0 },
};

/* Known engine bugs: the case reports as TAP "TODO" until it is fixed.  Remove the
 * entry with the fix (the test says when). */
typedef struct {
    const char *path;
    const char *reason;
} vdHostileKnown;

static const vdHostileKnown vdHostileKnownIssues[] = {
    { NULL, NULL },
};


static const char *
vdHostileKnownIssue(const char *path)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdHostileKnownIssues); i++) {
        if (vdHostileKnownIssues[i].path && g_str_equal(vdHostileKnownIssues[i].path, path))
            return vdHostileKnownIssues[i].reason;
    }
    return NULL;
}


static const char *
vdHostileCodeName(int code)
{
    switch ((vdErrorCode)code) {
    case VD_ERROR_INTERNAL:
        return "INTERNAL";
    case VD_ERROR_XML:
        return "XML";
    case VD_ERROR_INVALID:
        return "INVALID";
    case VD_ERROR_UNSUPPORTED:
        return "UNSUPPORTED";
    case VD_ERROR_TABLE:
        return "TABLE";
    case VD_ERROR_ABI:
        return "ABI";
    case VD_ERROR_IO:
        return "IO";
    case VD_ERROR_NOT_FOUND:
        return "NOT_FOUND";
    }
    return "?";
}


/* The whole path of `virt-defaults apply`; the output, or NULL and @error. */
static char *
vdHostileApply(const char *buf,
               gsize len,
               const char *name,
               GError **error)
{
    return vdTestApplyBuf(vdTestTable, 1, buf, len, name, error);
}


/* Fails the (child) test unless @buf is refused with one of @codes. */
static void
vdHostileExpectRefusal(const char *buf,
                       gsize len,
                       const char *name,
                       unsigned int codes)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = vdHostileApply(buf, len, name, &err);

    if (out) {
        vdHostileMsg("%s was accepted; it must be refused", name);
        g_test_fail();
        return;
    }
    g_assert_nonnull(err);
    vdHostileMsg("%s: refused (%s): %s", name, vdHostileCodeName(err->code), err->message);
    if (err->domain != VD_ERROR || err->code < 0 || err->code >= 32 ||
        !(codes & VD_CODE(err->code))) {
        vdHostileMsg("%s: refused with the wrong error code %s", name,
                       vdHostileCodeName(err->code));
        g_test_fail();
    }
    if (!err->message || !*err->message || strchr(err->message, '\n')) {
        vdHostileMsg("%s: the message must be one non-empty line", name);
        g_test_fail();
    }
}


/* Fails unless @buf is accepted; returns the output. */
static char *
vdHostileExpectAccept(const char *buf,
                      gsize len,
                      const char *name)
{
    g_autoptr(GError) err = NULL;
    char *out = vdHostileApply(buf, len, name, &err);

    if (!out) {
        vdHostileMsg("%s was refused (%s): %s", name, vdHostileCodeName(err->code),
                       err->message);
        g_test_fail();
    }
    return out;
}


/* Applying the engine to its output must not change it. */
static void
vdHostileExpectIdempotent(const char *out,
                          const char *name)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *again = vdHostileApply(out, strlen(out), name, &err);

    if (!again) {
        vdHostileMsg("%s: the engine refuses its own output: %s", name, err->message);
        g_test_fail();
    } else if (!g_str_equal(again, out)) {
        g_autofree char *diff = vdTestDiff(out, again, 2);

        vdHostileMsg("%s: applying the engine to its own output changes it:\n%.2000s",
                       name, diff);
        g_test_fail();
    }
}


/* The output of the engine must be taken as it is where nothing may change, and
 * must give no PCI address to two devices. */
static void
vdHostileExpectStable(const char *out,
                      const char *name)
{
    static const vdGuardContext contexts[] = { VD_GUARD_LOAD, VD_GUARD_MIGRATE };
    g_autoptr(GHashTable) pci = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    xmlNodePtr n;
    size_t i;

    if (!(doc = vdXMLParse(out, strlen(out), name, "domain", &err)))
        g_error("%s: the output does not parse: %s", name, err->message);
    for (i = 0; i < G_N_ELEMENTS(contexts); i++) {
        vdGuardRequest req = { .context = contexts[i] };
        vdGuardResult res = { 0 };

        if (!vdGuardApply(vdTestTable, doc, &req, &res, &err)) {
            vdHostileMsg("%s: '%s' refuses the engine's output: %s", name,
                         vdGuardContextTypeToString(contexts[i]), err->message);
            g_clear_error(&err);
            g_test_fail();
            continue;
        }
        if (res.notes && res.notes->len > 0) {
            vdHostileMsg("%s: '%s' finds the engine's output different: %s", name,
                         vdGuardContextTypeToString(contexts[i]),
                         (char *)g_ptr_array_index(res.notes, 0));
            g_test_fail();
        }
        vdGuardResultClear(&res);
    }

    n = vdXMLChild(xmlDocGetRootElement(doc), "devices");
    for (n = vdXMLFirstElement(n); n; n = vdXMLNextElement(n)) {
        xmlNodePtr a;

        for (a = vdXMLFirstElement(n); a; a = vdXMLNextElement(a)) {
            g_autofree char *key = NULL;
            g_autofree char *dom = NULL;
            g_autofree char *bus = NULL;
            g_autofree char *slot = NULL;
            g_autofree char *fn = NULL;

            if (!vdXMLNameIs(a, "address") || !vdXMLPropIs(a, "type", "pci"))
                continue;
            dom = vdXMLPropGet(a, "domain");
            bus = vdXMLPropGet(a, "bus");
            slot = vdXMLPropGet(a, "slot");
            fn = vdXMLPropGet(a, "function");
            key = g_strdup_printf("%s:%s:%s.%s", dom, bus, slot, fn);
            if (!g_hash_table_add(pci, g_steal_pointer(&key))) {
                vdHostileMsg("%s: two devices at PCI address %s:%s:%s.%s", name, dom, bus,
                             slot, fn);
                g_test_fail();
            }
        }
    }
}


/* forged-claim: the stamp's claims are not what generation 1 supplies, so an upgrade
 * keeps the disk, the NIC and the machine family. */
static void
vdHostileForgedUpgrade(const char *buf,
                       gsize len)
{
    vdGuardRequest req = { .context = VD_GUARD_UPGRADE, .generation = 2 };
    vdGuardResult res = { 0 };
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *out = NULL;

    if (!(doc = vdXMLParse(buf, len, "forged-claim", "domain", &err)) ||
        !vdGuardApply(vdTestTable, doc, &req, &res, &err))
        g_error("forged-claim: the upgrade is refused: %s", err->message);
    out = vdXMLFormat(res.doc);
    vdGuardResultClear(&res);
    /* explain names none of the forged claims either */
    {
        g_autofree char *explained = vdGuardExplain(vdTestTable, doc, &err);

        g_assert_nonnull(explained);
        g_assert_null(strstr(explained, "disk/vda"));
        g_assert_null(strstr(explained, "interface/"));
        g_assert_null(strstr(explained, "machine "));
    }
    g_assert_nonnull(strstr(out, "<target dev='vda' bus='virtio'/>"));
    g_assert_nonnull(strstr(out, "<source file='/var/lib/x.img'/>"));
    g_assert_nonnull(strstr(out, "<mac address='52:54:00:11:22:33'/>"));
    g_assert_nonnull(strstr(out, "<model type='e1000'/>"));
    g_assert_nonnull(strstr(out, "machine='pc-q35-"));
    g_assert_null(strstr(out, "i440fx"));
    vdHostileExpectStable(out, "forged-claim upgraded");
}


/* ---- the files of tests/hostiledata --------------------------------------------- */

static void
vdHostileFileCheck(const char *name,
                   unsigned int codes)
{
    g_autofree char *base = g_strdup_printf("%s.xml", name);
    g_autofree char *path = vdTestPath("hostiledata", base, NULL);
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    gsize len = 0;

    if (!(buf = vdTestLoadFile(path, &len))) {
        g_test_fail();
        return;
    }
    if (codes) {
        vdHostileExpectRefusal(buf, len, base, codes);
        return;
    }

    if (!(out = vdHostileExpectAccept(buf, len, base)))
        return;
    if (g_str_equal(name, "xinclude")) {
        /* nothing was included: the elements are still there, no file content is */
        g_assert_nonnull(strstr(out, "<xi:include href='file:///etc/passwd' parse='text'/>"));
        g_assert_nonnull(strstr(out, "xpointer='xpointer(//devices/*)'/>"));
        g_assert_null(strstr(out, "root:"));
    }
    if (g_str_equal(name, "two-stamps") || g_str_equal(name, "two-metadata")) {
        const char *first = strstr(out, "<vd:defaults ");

        g_assert_true(first && !strstr(first + 1, "<vd:defaults "));
    }
    if (g_str_equal(name, "forged-claim"))
        vdHostileForgedUpgrade(buf, len);
    vdHostileExpectIdempotent(out, base);
    vdHostileExpectStable(out, base);
}


/* ---- generated inputs ------------------------------------------------------------- */

static GString *
vdHostileDomainStart(const char *machine)
{
    GString *s = g_string_new(NULL);

    g_string_append_printf(s,
                           "<domain type='qemu'>\n"
                           "  <name>hostile</name>\n"
                           "  <memory unit='MiB'>512</memory>\n"
                           "  <vcpu>1</vcpu>\n"
                           "  <os>\n"
                           "    <type arch='x86_64' machine='%s'>hvm</type>\n"
                           "  </os>\n",
                           machine);
    return s;
}


static char *
vdHostileDomainWithDevices(const char *machine,
                           const char *devices)
{
    GString *s = vdHostileDomainStart(machine);

    g_string_append_printf(s, "  <devices>\n%s  </devices>\n</domain>\n", devices);
    return g_string_free(s, FALSE);
}


/* A definition of exactly @size bytes, padded in <description>. */
static char *
vdHostileSized(gsize size)
{
    GString *s = vdHostileDomainStart("pc");
    const char *tail = "</description>\n  <devices/>\n</domain>\n";

    g_string_append(s, "  <description>");
    g_assert_cmpuint(size, >, s->len + strlen(tail));
    while (s->len + strlen(tail) < size)
        g_string_append_c(s, 'x');
    g_string_append(s, tail);
    g_assert_cmpuint(s->len, ==, size);
    return g_string_free(s, FALSE);
}


static void
vdHostileOversize(void)
{
    g_autofree char *buf = vdHostileSized(VD_XML_MAX_SIZE + 1);

    vdHostileExpectRefusal(buf, VD_XML_MAX_SIZE + 1, "oversize", VD_CODE(VD_ERROR_XML));
}


static void
vdHostileAtSizeLimit(void)
{
    g_autofree char *buf = vdHostileSized(VD_XML_MAX_SIZE);
    g_autofree char *out = vdHostileExpectAccept(buf, VD_XML_MAX_SIZE, "at-size-limit");

    if (out)
        g_assert_nonnull(strstr(out, "xxxxxxxx</description>"));
}


/* libxml2 refuses documents deeper than 256 elements unless XML_PARSE_HUGE is given,
 * which the engine never does. */
static void
vdHostileNested(void)
{
    GString *s = vdHostileDomainStart("pc");
    g_autofree char *buf = NULL;
    gsize len;
    int i;

    g_string_append(s, "  <metadata>\n");
    for (i = 0; i < 10000; i++)
        g_string_append(s, "<a>");
    for (i = 0; i < 10000; i++)
        g_string_append(s, "</a>");
    g_string_append(s, "\n  </metadata>\n  <devices/>\n</domain>\n");
    len = s->len;
    buf = g_string_free(s, FALSE);
    vdHostileExpectRefusal(buf, len, "nested-10k", VD_CODE(VD_ERROR_XML));
}


static void
vdHostileBigAttribute(bool reapply)
{
    const gsize size = 1024 * 1024;
    g_autofree char *value = g_strnfill(size, 'a');
    g_autofree char *devices = NULL;
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    xmlNodePtr disk;
    g_autofree char *file = NULL;

    value[0] = '/';
    devices = g_strdup_printf("    <disk type='file' device='disk'>\n"
                              "      <source file='%s'/>\n"
                              "      <target dev='vda' bus='virtio'/>\n"
                              "    </disk>\n", value);
    buf = vdHostileDomainWithDevices("pc", devices);
    if (!(out = vdHostileExpectAccept(buf, strlen(buf), "attribute-1mib")))
        return;
    if (!(doc = vdXMLParse(out, strlen(out), "output", "domain", &err)))
        g_error("the output does not parse: %s", err->message);
    disk = vdXMLChild(vdXMLChild(xmlDocGetRootElement(doc), "devices"), "disk");
    file = vdXMLPropGet(vdXMLChild(disk, "source"), "file");
    g_assert_cmpstr(file, ==, value);
    if (reapply)
        vdHostileExpectIdempotent(out, "attribute-1mib");
}


/* "sda" ... "sdz", "sdaa" ...: the names libvirt's virDiskNameToIndex() reads. */
static char *
vdHostileDiskName(const char *prefix,
                  unsigned int idx)
{
    char letters[8];
    int n = sizeof(letters) - 1;

    letters[n] = '\0';
    idx++;
    while (idx > 0 && n > 0) {
        idx--;
        letters[--n] = 'a' + idx % 26;
        idx /= 26;
    }
    return g_strconcat(prefix, letters + n, NULL);
}


/* 5000 SCSI disks: libvirt 9.0 puts 7 units on each SCSI controller and adds lsilogic
 * controllers as needed (715 of them); checked against real libvirt, the engine's
 * output is the same device for device. */
static void
vdHostileScsiDisks(bool reapply)
{
    const unsigned int n = 5000;
    g_autoptr(GString) devs = g_string_new("    <controller type='scsi' model='virtio-scsi'/>\n");
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) scsi = g_hash_table_new(g_direct_hash, g_direct_equal);
    xmlNodePtr node;
    unsigned int disks = 0;
    unsigned int i;

    for (i = 0; i < n; i++) {
        g_autofree char *dev = vdHostileDiskName("sd", i);

        g_string_append_printf(devs,
                               "    <disk type='file' device='disk'>\n"
                               "      <source file='/var/lib/libvirt/images/%u.img'/>\n"
                               "      <target dev='%s' bus='scsi'/>\n"
                               "    </disk>\n", i, dev);
    }
    buf = vdHostileDomainWithDevices("pc", devs->str);
    if (!(out = vdHostileExpectAccept(buf, strlen(buf), "scsi-disks-5000")))
        return;

    if (!(doc = vdXMLParse(out, strlen(out), "output", "domain", &err)))
        g_error("the output does not parse: %s", err->message);
    node = vdXMLChild(xmlDocGetRootElement(doc), "devices");
    for (node = vdXMLFirstElement(node); node; node = vdXMLNextElement(node)) {
        if (vdXMLNameIs(node, "controller") && vdXMLPropIs(node, "type", "scsi")) {
            unsigned int idx = 0;

            g_assert_cmpint(vdXMLPropUInt(node, "index", &idx, NULL), ==, 1);
            g_hash_table_add(scsi, GUINT_TO_POINTER(idx + 1));
        } else if (vdXMLNameIs(node, "disk")) {
            g_autofree char *want = vdHostileDiskName("sd", disks);
            g_autofree char *dev = vdXMLPropGet(vdXMLChild(node, "target"), "dev");
            xmlNodePtr addr = vdXMLChild(node, "address");
            unsigned int controller = G_MAXUINT;
            unsigned int unit = G_MAXUINT;

            g_assert_cmpstr(dev, ==, want);
            g_assert_true(vdXMLPropIs(addr, "type", "drive"));
            g_assert_true(vdXMLPropIs(addr, "bus", "0"));
            g_assert_true(vdXMLPropIs(addr, "target", "0"));
            g_assert_cmpint(vdXMLPropUInt(addr, "controller", &controller, NULL), ==, 1);
            g_assert_cmpint(vdXMLPropUInt(addr, "unit", &unit, NULL), ==, 1);
            g_assert_cmpuint(controller, ==, disks / 7);
            g_assert_cmpuint(unit, ==, disks % 7);
            disks++;
        }
    }
    g_assert_cmpuint(disks, ==, n);
    for (i = 0; i <= (n - 1) / 7; i++)
        g_assert_true(g_hash_table_contains(scsi, GUINT_TO_POINTER(i + 1)));
    if (reapply)
        vdHostileExpectIdempotent(out, "scsi-disks-5000");
}


/* 5000 serial ports: ports 0..4999, one console mirroring the first (as libvirt). */
static void
vdHostileSerials(bool reapply)
{
    const unsigned int n = 5000;
    g_autoptr(GString) devs = g_string_new(NULL);
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    xmlNodePtr node;
    unsigned int serials = 0;
    unsigned int consoles = 0;
    unsigned int i;

    for (i = 0; i < n; i++)
        g_string_append(devs, "    <serial type='pty'/>\n");
    buf = vdHostileDomainWithDevices("pc", devs->str);
    if (!(out = vdHostileExpectAccept(buf, strlen(buf), "serials-5000")))
        return;

    if (!(doc = vdXMLParse(out, strlen(out), "output", "domain", &err)))
        g_error("the output does not parse: %s", err->message);
    node = vdXMLChild(xmlDocGetRootElement(doc), "devices");
    for (node = vdXMLFirstElement(node); node; node = vdXMLNextElement(node)) {
        xmlNodePtr target = vdXMLChild(node, "target");
        unsigned int port = G_MAXUINT;

        if (vdXMLNameIs(node, "serial")) {
            g_assert_true(vdXMLPropIs(target, "type", "isa-serial"));
            g_assert_cmpint(vdXMLPropUInt(target, "port", &port, NULL), ==, 1);
            g_assert_cmpuint(port, ==, serials);
            serials++;
        } else if (vdXMLNameIs(node, "console")) {
            g_assert_true(vdXMLPropIs(target, "type", "serial"));
            g_assert_true(vdXMLPropIs(target, "port", "0"));
            consoles++;
        }
    }
    g_assert_cmpuint(serials, ==, n);
    g_assert_cmpuint(consoles, ==, 1);
    if (reapply)
        vdHostileExpectIdempotent(out, "serials-5000");
}


/* 5000 PCI NICs on pc: libvirt 9.0 refuses (it cannot nest enough pci-bridges); so
 * must the engine, promptly. */
static void
vdHostileNics(void)
{
    g_autoptr(GString) devs = g_string_new(NULL);
    g_autofree char *buf = NULL;
    unsigned int i;

    for (i = 0; i < 5000; i++)
        g_string_append(devs, "    <interface type='user'><model type='e1000'/></interface>\n");
    buf = vdHostileDomainWithDevices("pc", devs->str);
    vdHostileExpectRefusal(buf, strlen(buf), "nics-5000", VD_CODE(VD_ERROR_UNSUPPORTED));
}


/* 5000 virtio channels: libvirt 9.0 accepts them and adds virtio-serial controllers
 * (167 of them; the engine's output is the same, checked against real libvirt). */
static void
vdHostileChannels(bool reapply)
{
    g_autoptr(GString) devs = g_string_new(NULL);
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) ports = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) controllers = g_hash_table_new(g_direct_hash, g_direct_equal);
    xmlNodePtr node;
    unsigned int channels = 0;
    unsigned int i;

    for (i = 0; i < 5000; i++)
        g_string_append_printf(devs, "    <channel type='pty'>"
                               "<target type='virtio' name='org.example.%u'/></channel>\n", i);
    buf = vdHostileDomainWithDevices("pc", devs->str);
    if (!(out = vdHostileExpectAccept(buf, strlen(buf), "channels-5000")))
        return;

    if (!(doc = vdXMLParse(out, strlen(out), "output", "domain", &err)))
        g_error("the output does not parse: %s", err->message);
    node = vdXMLChild(xmlDocGetRootElement(doc), "devices");
    for (node = vdXMLFirstElement(node); node; node = vdXMLNextElement(node)) {
        if (vdXMLNameIs(node, "controller") && vdXMLPropIs(node, "type", "virtio-serial")) {
            unsigned int idx = 0;

            g_assert_cmpint(vdXMLPropUInt(node, "index", &idx, NULL), ==, 1);
            g_hash_table_add(controllers, GUINT_TO_POINTER(idx + 1));
        } else if (vdXMLNameIs(node, "channel")) {
            xmlNodePtr addr = vdXMLChild(node, "address");
            g_autofree char *controller = vdXMLPropGet(addr, "controller");
            g_autofree char *port = vdXMLPropGet(addr, "port");

            g_assert_true(vdXMLPropIs(addr, "type", "virtio-serial"));
            g_assert_nonnull(controller);
            g_assert_nonnull(port);
            if (!g_hash_table_add(ports, g_strdup_printf("%s:%s", controller, port)))
                g_error("virtio-serial port %s:%s is used twice", controller, port);
            channels++;
        }
    }
    g_assert_cmpuint(channels, ==, 5000);
    {
        GHashTableIter iter;
        gpointer key;

        g_hash_table_iter_init(&iter, ports);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            guint64 c = g_ascii_strtoull(key, NULL, 10);

            g_assert_true(g_hash_table_contains(controllers, GUINT_TO_POINTER(c + 1)));
        }
    }
    if (reapply)
        vdHostileExpectIdempotent(out, "channels-5000");
}


static void
vdHostilePciIndex(gconstpointer opaque)
{
    const char *index = opaque;
    g_autofree char *devices = g_strdup_printf("    <controller type='pci' index='%s' "
                                               "model='pcie-root-port'/>\n", index);
    g_autofree char *buf = vdHostileDomainWithDevices("q35", devices);

    vdHostileExpectRefusal(buf, strlen(buf), "pci-index", VD_CODES_PARSE);
}


static void
vdHostilePciSlot(void)
{
    const char *devices =
        "    <interface type='user'>\n"
        "      <model type='virtio'/>\n"
        "      <address type='pci' domain='0x0000' bus='0x00' slot='0x99' function='0x0'/>\n"
        "    </interface>\n";
    g_autofree char *buf = vdHostileDomainWithDevices("pc", devices);

    vdHostileExpectRefusal(buf, strlen(buf), "pci-slot-0x99", VD_CODES_PARSE);
}


/* libvirt allows at most 4 levels of USB ports ("Cannot parse <address> 'port'"). */
/* Parsing refuses external entities for itself only: libxml2's process-wide entity
 * loader and error handler are what they were before, so a libvirt in the same
 * process can still read its own files. */
static void
vdHostileGlobalsRestored(void)
{
    static const char doc[] =
        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>";
    static const char ok[] = "<domain type='qemu'><os><type>hvm</type></os></domain>";
    xmlExternalEntityLoader loader = xmlGetExternalEntityLoader();
    xmlGenericErrorFunc errorFunc = xmlGenericError;
    void *errorCtx = xmlGenericErrorContext;
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) good = NULL;

    g_assert_null(vdXMLParse(doc, strlen(doc), "hostile", "domain", &err));
    g_assert_true(xmlGetExternalEntityLoader() == loader);
    g_assert_true(xmlGenericError == errorFunc);
    g_assert_true(xmlGenericErrorContext == errorCtx);
    g_clear_error(&err);
    good = vdXMLParse(ok, strlen(ok), "fine", "domain", &err);
    g_assert_no_error(err);
    g_assert_true(xmlGetExternalEntityLoader() == loader);
}


static void
vdHostileUsbPort(void)
{
    const char *devices =
        "    <input type='tablet' bus='usb'>\n"
        "      <address type='usb' bus='0' port='1.2.3.4.5.6.7'/>\n"
        "    </input>\n";
    g_autofree char *buf = vdHostileDomainWithDevices("pc", devices);

    vdHostileExpectRefusal(buf, strlen(buf), "usb-port-7-levels", VD_CODES_PARSE);
}


/* 3000 root ports without an index: indexes run past 255, which libvirt refuses; at
 * once, where finding the lowest unused index used to cost the cube of their number. */
static void
vdHostileRootPorts(void)
{
    g_autoptr(GString) devs = g_string_new("    <controller type='pci' index='0' model='pcie-root'/>\n");
    g_autofree char *buf = NULL;
    unsigned int i;

    for (i = 0; i < 3000; i++)
        g_string_append(devs, "    <controller type='pci' model='pcie-root-port'/>\n");
    buf = vdHostileDomainWithDevices("q35", devs->str);
    vdHostileExpectRefusal(buf, strlen(buf), "root-ports-3000", VD_CODE(VD_ERROR_UNSUPPORTED));
}


static char *
vdHostileTablets(unsigned int n)
{
    g_autoptr(GString) devs = g_string_new(NULL);
    unsigned int i;

    for (i = 0; i < n; i++)
        g_string_append(devs, "    <input type='tablet' bus='usb'/>\n");
    return vdHostileDomainWithDevices("pc", devs->str);
}


/* USB ports on pc: libvirt 9.0 adds hubs up to a port depth of four, so 127 tablets
 * fit and 129 do not (both checked with the oracle); 8000 are refused at once. */
static void
vdHostileUsbTablets(void)
{
    g_autofree char *fits = vdHostileTablets(127);
    g_autofree char *full = vdHostileTablets(129);
    g_autofree char *many = vdHostileTablets(8000);
    g_autofree char *out = NULL;

    if ((out = vdHostileExpectAccept(fits, strlen(fits), "tablets-127"))) {
        vdHostileExpectIdempotent(out, "tablets-127");
        vdHostileExpectStable(out, "tablets-127");
    }
    vdHostileExpectRefusal(full, strlen(full), "tablets-129", VD_CODE(VD_ERROR_UNSUPPORTED));
    vdHostileExpectRefusal(many, strlen(many), "tablets-8000", VD_CODE(VD_ERROR_UNSUPPORTED));
}


/* The controller index limit, both sides of it, through a drive address. */
static void
vdHostileControllerLimit(void)
{
    static const char fmt[] =
        "    <disk type='file' device='disk'><source file='/x'/><target dev='sda' bus='scsi'/>"
        "<address type='drive' controller='%u' bus='0' target='0' unit='0'/></disk>\n";
    g_autofree char *over = g_strdup_printf(fmt, VD_DOMAIN_MAX_CONTROLLER_INDEX + 1);
    g_autofree char *buf = vdHostileDomainWithDevices("pc", over);

    vdHostileExpectRefusal(buf, strlen(buf), "controller-4096", VD_CODE(VD_ERROR_UNSUPPORTED));
}


/* More devices than the limit are refused while they are read. */
static void
vdHostileDeviceLimit(void)
{
    g_autoptr(GString) devs = g_string_new(NULL);
    g_autofree char *buf = NULL;
    unsigned int i;

    for (i = 0; i <= VD_DOMAIN_MAX_DEVICES; i++)
        g_string_append(devs, "    <panic/>\n");
    buf = vdHostileDomainWithDevices("pc", devs->str);
    vdHostileExpectRefusal(buf, strlen(buf), "devices-over-limit", VD_CODE(VD_ERROR_UNSUPPORTED));
}


/* What upgrading a completed 4000-disk guest would change: the line diff took 21 s and
 * 4 GB with a table of every pair of lines. */
static void
vdHostileUpgradeDiff(void)
{
    g_autoptr(GString) devs = g_string_new("    <controller type='scsi' index='0' model='virtio-scsi'/>\n");
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *buf = NULL;
    g_autofree char *out = NULL;
    g_autofree char *diff = NULL;
    unsigned int i;

    for (i = 0; i < 4000; i++) {
        g_autofree char *dev = vdHostileDiskName("sd", i);

        g_string_append_printf(devs,
                               "    <disk type='file' device='disk'><source file='/d%u'/>"
                               "<target dev='%s' bus='scsi'/><address type='drive' controller='0' "
                               "bus='0' target='0' unit='%u'/></disk>\n", i, dev, i);
    }
    buf = vdHostileDomainWithDevices("q35", devs->str);
    if (!(out = vdHostileExpectAccept(buf, strlen(buf), "disks-4000")))
        return;
    if (!(doc = vdXMLParse(out, strlen(out), "disks-4000", "domain", &err)))
        g_error("the output does not parse: %s", err->message);
    if (!(diff = vdGuardDiff(vdTestTable, doc, 2, "disks-4000", &err)))
        g_error("the diff to generation 2 fails: %s", err->message);
    g_assert_nonnull(strstr(diff, "generation='2'"));
}


/* 16,000 devices of one kind where each needs an address from a space libvirt searches
 * from the start for every device (spapr-vio registers, CCW device numbers, SCSI units):
 * each took from 3 s to more than 30 s. */
static void
vdHostileManyAddressed(gconstpointer opaque)
{
    const char *const *c = opaque;   /* name, arch, machine, device format */
    g_autoptr(GString) s = g_string_new(NULL);
    g_autofree char *out = NULL;
    unsigned int i;

    g_string_append_printf(s,
                           "<domain type='qemu'>\n  <name>hostile</name>\n"
                           "  <memory unit='MiB'>512</memory>\n  <os>\n"
                           "    <type arch='%s' machine='%s'>hvm</type>\n  </os>\n"
                           "  <devices>\n", c[1], c[2]);
    for (i = 0; i < 16000; i++) {
        g_autofree char *dev = vdHostileDiskName("vd", i);

        g_string_append(s, "    ");
        g_string_append_printf(s, c[3], i, dev);
        g_string_append_c(s, '\n');
    }
    g_string_append(s, "  </devices>\n</domain>\n");
    out = vdHostileExpectAccept(s->str, s->len, c[0]);
}


/* ---- running each case in a child -------------------------------------------------- */

typedef struct {
    char *path;
    GTestDataFunc func;
    gconstpointer data;
} vdHostileCase;

static GPtrArray *vdHostileCases;

static void
vdHostileCaseFree(gpointer opaque)
{
    vdHostileCase *c = opaque;

    g_free(c->path);
    g_free(c);
}


/* Not a speed requirement: a case still running after this long hangs, or is worse
 * than linear by far (the slowest case takes about a second).  Valgrind gets more. */
static guint64
vdHostileTimeLimit(void)
{
    guint64 secs = 20;

    if (g_getenv("VD_TEST_VALGRIND"))
        secs *= 20;
    return secs * G_USEC_PER_SEC;
}


static void
vdHostileRun(gconstpointer opaque)
{
    const vdHostileCase *c = opaque;
    const char *known = vdHostileKnownIssue(c->path);

    if (g_test_subprocess()) {
        c->func(c->data);
        return;
    }

    /* a known failure teaches valgrind nothing, and may take its whole time limit */
    if (known && g_getenv("VD_TEST_VALGRIND")) {
        g_test_incomplete(known);
        return;
    }

    /* the child's diagnostics go to stderr: its stdout is TAP of its own */
    g_test_trap_subprocess(NULL, vdHostileTimeLimit(), G_TEST_SUBPROCESS_INHERIT_STDERR);
    if (g_test_trap_has_passed()) {
        if (known)
            g_test_message("NOTICE: %s passes now: remove it from vdHostileKnownIssues "
                           "in tests/vdhostiletest.c", c->path);
        return;
    }
    if (g_test_trap_reached_timeout())
        g_test_message("%s was still running after %" G_GUINT64_FORMAT " s: killed",
                       c->path, vdHostileTimeLimit() / G_USEC_PER_SEC);
    if (known) {
        g_test_incomplete(known);
        return;
    }
    g_test_fail();
}


static void
vdHostileAdd(const char *path,
             GTestDataFunc func,
             gconstpointer data)
{
    vdHostileCase *c = g_new0(vdHostileCase, 1);

    c->path = g_strdup(path);
    c->func = func;
    c->data = data;
    g_ptr_array_add(vdHostileCases, c);
    g_test_add_data_func(path, c, vdHostileRun);
}


static void
vdHostileFileFunc(gconstpointer opaque)
{
    const vdHostileFile *f = opaque;

    vdHostileFileCheck(f->name, f->codes);
}


typedef struct {
    const char *path;
    void (*func)(void);
} vdHostileGenerated;

/* The big ones are checked once as they come out of the engine, and once more applied
 * to their own output: the second pass goes the way of a stamped definition. */
typedef struct {
    const char *path;
    void (*func)(bool reapply);
} vdHostileBig;

static void
vdHostileCall(gconstpointer opaque)
{
    const vdHostileGenerated *g = opaque;

    g->func();
}


static void
vdHostileCallBig(gconstpointer opaque)
{
    const vdHostileBig *g = opaque;

    g->func(false);
}


static void
vdHostileCallBigReapply(gconstpointer opaque)
{
    const vdHostileBig *g = opaque;

    g->func(true);
}


static int
vdHostileStrCmp(gconstpointer a,
                gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}


/* A file that has no entry must be refused with XML or INVALID. */
static vdHostileFile *
vdHostileFileLookup(const char *name,
                    GPtrArray *owned)
{
    vdHostileFile *f;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(vdHostileFiles); i++) {
        if (g_str_equal(vdHostileFiles[i].name, name))
            return (vdHostileFile *)&vdHostileFiles[i];
    }
    f = g_new0(vdHostileFile, 1);
    f->name = g_strdup(name);
    f->codes = VD_CODES_PARSE;
    g_ptr_array_add(owned, f);
    return f;
}


static void
vdHostileFileFree(gpointer opaque)
{
    vdHostileFile *f = opaque;

    g_free((char *)f->name);
    g_free(f);
}


static void
vdHostileAddFiles(GPtrArray *names,
                  GPtrArray *owned)
{
    g_autofree char *dirpath = vdTestPath("hostiledata", NULL);
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) err = NULL;
    const char *ent;
    guint i;

    if (!(dir = g_dir_open(dirpath, 0, &err)))
        g_error("cannot list %s: %s", dirpath, err->message);
    while ((ent = g_dir_read_name(dir))) {
        if (!g_str_has_suffix(ent, ".xml") || g_str_has_suffix(ent, ".libvirt.xml"))
            continue;
        g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 4));
    }
    g_ptr_array_sort(names, vdHostileStrCmp);
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *path = g_strdup_printf("/hostile/file/%s", name);

        vdHostileAdd(path, vdHostileFileFunc, vdHostileFileLookup(name, owned));
    }
}


int
main(int argc,
     char **argv)
{
    static const char *const pciIndexes[] = {
        "4294967296", "4294967295", "256", "99999999999999999999", "0x10", "",
    };
    static const vdHostileGenerated generated[] = {
        { "/hostile/generated/oversize", vdHostileOversize },
        { "/hostile/generated/libxml2-globals-restored", vdHostileGlobalsRestored },
        { "/hostile/generated/at-size-limit", vdHostileAtSizeLimit },
        { "/hostile/generated/nested-10k", vdHostileNested },
        { "/hostile/generated/nics-5000", vdHostileNics },
        { "/hostile/generated/pci-slot-0x99", vdHostilePciSlot },
        { "/hostile/generated/usb-port-7-levels", vdHostileUsbPort },
        { "/hostile/generated/root-ports-3000", vdHostileRootPorts },
        { "/hostile/generated/usb-tablets", vdHostileUsbTablets },
        { "/hostile/generated/controller-index-limit", vdHostileControllerLimit },
        { "/hostile/generated/device-limit", vdHostileDeviceLimit },
        { "/hostile/generated/upgrade-diff-4000-disks", vdHostileUpgradeDiff },
    };
    static const vdHostileBig big[] = {
        { "/hostile/generated/attribute-1mib", vdHostileBigAttribute },
        { "/hostile/generated/scsi-disks-5000", vdHostileScsiDisks },
        { "/hostile/generated/serials-5000", vdHostileSerials },
        { "/hostile/generated/channels-5000", vdHostileChannels },
    };
    static const char *const manyAddressed[][4] = {
        { "spapr-serials-16000", "ppc64", "pseries", "<serial type='pty'/><!-- %u %s -->" },
        { "ccw-disks-16000", "s390x", "s390-ccw-virtio",
          "<disk type='file' device='disk'><source file='/d%u'/><target dev='%s' bus='virtio'/></disk>" },
        { "scsi-hostdevs-16000", "x86_64", "pc",
          "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host0'/>"
          "<address bus='0' target='0' unit='%u'/></source></hostdev><!-- %s -->" },
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(vdHostileFileFree);
    size_t i;
    int ret;

    g_test_init(&argc, &argv, NULL);
    vdHostileCases = g_ptr_array_new_with_free_func(vdHostileCaseFree);

    if (!(vdTestTable = vdTableLoadDefault(&err)))
        g_error("cannot load the defaults table: %s", err->message);

    vdHostileAddFiles(names, owned);
    for (i = 0; i < G_N_ELEMENTS(generated); i++)
        vdHostileAdd(generated[i].path, vdHostileCall, &generated[i]);
    for (i = 0; i < G_N_ELEMENTS(big); i++) {
        g_autofree char *first = g_strdup_printf("%s/apply", big[i].path);
        g_autofree char *again = g_strdup_printf("%s/reapply", big[i].path);

        vdHostileAdd(first, vdHostileCallBig, &big[i]);
        vdHostileAdd(again, vdHostileCallBigReapply, &big[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(manyAddressed); i++) {
        g_autofree char *path = g_strdup_printf("/hostile/generated/%s", manyAddressed[i][0]);

        vdHostileAdd(path, vdHostileManyAddressed, manyAddressed[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(pciIndexes); i++) {
        g_autofree char *path = g_strdup_printf("/hostile/generated/pci-index/%" G_GSIZE_FORMAT, i);

        vdHostileAdd(path, vdHostilePciIndex, pciIndexes[i]);
    }

    ret = g_test_run();

    g_clear_pointer(&vdHostileCases, g_ptr_array_unref);
    g_clear_pointer(&vdTestTable, vdTableFree);
    return ret;
}
