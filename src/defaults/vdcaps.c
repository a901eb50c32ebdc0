/*
 * vdcaps.c: what the defaults know of an emulator
 *
 * An emulator profile lists, per architecture, the machine types (with their aliases,
 * vCPU limits, default CPU models and which one is the emulator's default), libvirt's
 * capability flags, the QEMU version and the emulated GIC versions.  It comes in one
 * of two forms:
 *
 *  - <capabilities>: our own, every architecture at once; the built-in QEMU 7.2
 *    profile (src/defaults/caps/qemu-7.2.xml) is one;
 *  - <qemuCaps>: libvirt's, one emulator binary and one architecture, as libvirt
 *    keeps it in its capabilities cache and its tests keep it in
 *    tests/qemucapabilitiesdata/caps_*.xml.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "defaults/vdtable.h"
#include "defaults/vdtablepriv.h"
#include "util/vderror.h"
#include "util/vdxml.h"

/* GIC versions are bits of an unsigned int */
#define VD_CAPS_MAX_GIC 31

static gint
vdCapsFlagSort(gconstpointer a,
               gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}


/* The <flag name='...'/> children of @node, sorted, or NULL when there are none. */
static char **
vdCapsReadFlags(xmlNodePtr node)
{
    g_autoptr(GPtrArray) flags = g_ptr_array_new_with_free_func(g_free);
    xmlNodePtr n;

    for (n = vdXMLFirstElement(node); n; n = vdXMLNextElement(n)) {
        char *name;

        if (vdXMLNameIs(n, "flag") && (name = vdXMLPropGet(n, "name")))
            g_ptr_array_add(flags, name);
    }
    if (flags->len == 0)
        return NULL;
    g_ptr_array_sort(flags, vdCapsFlagSort);
    g_ptr_array_add(flags, NULL);
    g_ptr_array_set_free_func(flags, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&flags), FALSE);
}


/* The GIC versions the emulator emulates: <gic version='3' emulated='yes'/>. */
static bool
vdCapsReadGICs(xmlNodePtr node,
               unsigned int *gics,
               GError **error)
{
    xmlNodePtr n;

    *gics = 0;
    for (n = vdXMLFirstElement(node); n; n = vdXMLNextElement(n)) {
        unsigned int v = 0;

        if (!vdXMLNameIs(n, "gic") || vdXMLPropIs(n, "emulated", "no"))
            continue;
        if (vdXMLPropUInt(n, "version", &v, error) < 0)
            return false;
        if (v > VD_CAPS_MAX_GIC) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("line %1$ld: GIC version %2$u is out of range"), xmlGetLineNo(n), v);
            return false;
        }
        *gics |= 1u << v;
    }
    return true;
}


static vdCapsMachine *
vdCapsReadMachine(xmlNodePtr m,
                  GError **error)
{
    g_autofree vdCapsMachine *mach = g_new0(vdCapsMachine, 1);
    unsigned int max = 1;

    if (vdXMLPropUInt(m, "maxCpus", &max, error) < 0)
        return NULL;
    if (!(mach->name = vdXMLPropGet(m, "name"))) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: a machine has no name"), xmlGetLineNo(m));
        return NULL;
    }
    mach->alias = vdXMLPropGet(m, "alias");
    mach->maxCpus = max;
    mach->defaultCPU = vdXMLPropGet(m, "defaultCPU");
    mach->isDefault = vdXMLPropIs(m, "default", "yes");
    return g_steal_pointer(&mach);
}


/* The <machine> children of @node; with @type, only those of that accelerator. */
static bool
vdCapsReadMachines(vdCapsArch *arch,
                   xmlNodePtr node,
                   const char *type,
                   GError **error)
{
    xmlNodePtr m;

    for (m = vdXMLFirstElement(node); m; m = vdXMLNextElement(m)) {
        vdCapsMachine *mach;

        if (!vdXMLNameIs(m, "machine") || (type && !vdXMLPropIs(m, "type", type)))
            continue;
        if (!(mach = vdCapsReadMachine(m, error)))
            return false;
        g_ptr_array_add(arch->machines, mach);
    }
    return true;
}


static vdCapsArch *
vdCapsArchNew(void)
{
    vdCapsArch *arch = g_new0(vdCapsArch, 1);

    arch->machines = g_ptr_array_new_with_free_func((GDestroyNotify)vdCapsMachineFree);
    return arch;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdCapsArch, vdCapsArchFree);


/* One <arch> of our own form. */
static vdCapsArch *
vdCapsReadArch(xmlNodePtr a,
               GError **error)
{
    g_autoptr(vdCapsArch) arch = vdCapsArchNew();

    arch->name = vdXMLPropGet(a, "name");
    arch->emulator = vdXMLPropGet(a, "emulator");
    arch->flags = vdCapsReadFlags(a);
    if (vdXMLPropUInt(a, "version", &arch->version, error) < 0 ||
        !vdCapsReadGICs(a, &arch->gics, error) ||
        !vdCapsReadMachines(arch, a, NULL, error))
        return NULL;
    return g_steal_pointer(&arch);
}


/* The version element of libvirt's form: 7002000 for QEMU 7.2.0. */
static bool
vdCapsReadVersion(xmlNodePtr root,
                  unsigned int *version,
                  GError **error)
{
    xmlNodePtr v = vdXMLChild(root, "version");
    g_autofree char *text = v ? vdXMLContent(v) : NULL;
    guint64 n = 0;

    *version = 0;
    if (!text)
        return true;
    if (!g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXUINT, &n, NULL)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: '%2$s' is not a QEMU version"), xmlGetLineNo(v), text);
        return false;
    }
    *version = n;
    return true;
}


/* libvirt's <qemuCaps> of one emulator.  Its machines are listed per accelerator;
 * the TCG list is taken, which is what a definition of type 'qemu' gets (the KVM one
 * differs only where the host's KVM does). */
vdCapsArch *
vdCapsParseQemuCaps(xmlNodePtr root,
                    GError **error)
{
    g_autoptr(vdCapsArch) arch = vdCapsArchNew();
    xmlNodePtr n;
    bool tcg = false;

    if ((n = vdXMLChild(root, "arch")))
        arch->name = g_strstrip(vdXMLContent(n));
    if ((n = vdXMLChild(root, "emulator")))
        arch->emulator = g_strstrip(vdXMLContent(n));
    if (!arch->name || !*arch->name) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("the QEMU capabilities name no architecture"));
        return NULL;
    }
    for (n = vdXMLFirstElement(root); n && !tcg; n = vdXMLNextElement(n))
        tcg = vdXMLNameIs(n, "machine") && vdXMLPropIs(n, "type", "tcg");
    arch->flags = vdCapsReadFlags(root);
    if (!vdCapsReadVersion(root, &arch->version, error) ||
        !vdCapsReadGICs(root, &arch->gics, error) ||
        !vdCapsReadMachines(arch, root, tcg ? "tcg" : NULL, error))
        return NULL;
    return g_steal_pointer(&arch);
}


/* Add the profiles of @doc, in either form, to @arches. */
bool
vdCapsLoad(GPtrArray *arches,
           xmlDocPtr doc,
           GError **error)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr a;

    if (vdXMLNameIs(root, "qemuCaps")) {
        vdCapsArch *arch = vdCapsParseQemuCaps(root, error);

        if (!arch)
            return false;
        g_ptr_array_add(arches, arch);
        return true;
    }
    if (!vdXMLNameIs(root, "capabilities")) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("an emulator profile is <capabilities> or libvirt's <qemuCaps>, not <%1$s>"),
                    (const char *)root->name);
        return false;
    }
    for (a = vdXMLFirstElement(root); a; a = vdXMLNextElement(a)) {
        vdCapsArch *arch;

        if (!vdXMLNameIs(a, "arch"))
            continue;
        if (!(arch = vdCapsReadArch(a, error)))
            return false;
        g_ptr_array_add(arches, arch);
    }
    return true;
}


/* A deep copy: the profiles of a compiled table borrow their memory from it. */
static vdCapsArch *
vdCapsArchCopy(const vdCapsArch *src)
{
    vdCapsArch *arch = vdCapsArchNew();
    guint i;

    arch->name = g_strdup(src->name);
    arch->emulator = g_strdup(src->emulator);
    arch->version = src->version;
    arch->flags = g_strdupv(src->flags);
    arch->gics = src->gics;
    for (i = 0; i < src->machines->len; i++) {
        const vdCapsMachine *m = g_ptr_array_index(src->machines, i);
        vdCapsMachine *c = g_new0(vdCapsMachine, 1);

        c->name = g_strdup(m->name);
        c->alias = g_strdup(m->alias);
        c->maxCpus = m->maxCpus;
        c->defaultCPU = g_strdup(m->defaultCPU);
        c->isDefault = m->isDefault;
        g_ptr_array_add(arch->machines, c);
    }
    return arch;
}


/* The guest architectures libvirt runs with the emulator it probed as @arch: the
 * ppc64 binary also serves ppc64le guests, the arm one armv6l guests, the x86_64 one
 * i686 guests that name it. */
static const char *const vdCapsSiblings[][2] = {
    { "ppc64", "ppc64le" },
    { "armv7l", "armv6l" },
    { "x86_64", "i686" },
};


static bool
vdCapsServes(const vdCapsArch *loaded,
             const char *arch)
{
    size_t i;

    if (g_strcmp0(loaded->name, arch) == 0)
        return true;
    for (i = 0; i < G_N_ELEMENTS(vdCapsSiblings); i++) {
        if (g_strcmp0(loaded->name, vdCapsSiblings[i][0]) == 0 &&
            g_strcmp0(arch, vdCapsSiblings[i][1]) == 0)
            return true;
    }
    return false;
}


/* The profiles @arches with those of @doc in place of any of the same architecture:
 * libvirt's form replaces one emulator's architectures and keeps the others; ours
 * replaces all. */
GPtrArray *
vdCapsMerge(const GPtrArray *arches,
            xmlDocPtr doc,
            GError **error)
{
    g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func((GDestroyNotify)vdCapsArchFree);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vdCapsArchFree);
    guint i;

    if (!vdCapsLoad(loaded, doc, error)) {
        g_ptr_array_unref(out);
        return NULL;
    }
    if (vdXMLNameIs(xmlDocGetRootElement(doc), "qemuCaps")) {
        const vdCapsArch *probed = g_ptr_array_index(loaded, 0);

        for (i = 0; i < arches->len; i++) {
            const vdCapsArch *old = g_ptr_array_index(arches, i);
            vdCapsArch *copy;

            if (!vdCapsServes(probed, old->name)) {
                g_ptr_array_add(out, vdCapsArchCopy(old));
            } else if (g_strcmp0(probed->name, old->name) != 0) {
                /* a sibling: the emulator's profile under the guest's name */
                copy = vdCapsArchCopy(probed);
                g_free(copy->name);
                copy->name = g_strdup(old->name);
                g_ptr_array_add(out, copy);
            }
        }
    }
    while (loaded->len > 0)
        g_ptr_array_add(out, g_ptr_array_steal_index(loaded, 0));
    return out;
}
