/*
 * vdstorelibvirt.c: definitions kept by a real libvirt, through its client library
 *
 * The engine completes a definition and libvirt defines it with
 * virDomainDefineXMLFlags; libvirt's own defaults then find nothing left to add.
 *
 * Built as a module (vdstore-libvirt.so) that vdStoreOpen() loads for a libvirt URI,
 * so that only what connects to libvirt loads libvirt.so.  It exports one function,
 * vdStoreLibvirtModuleDriver; everything else, its own copy of vdErrorQuark included,
 * stays hidden.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <gmodule.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "store/vdstore.h"
#include "util/vderror.h"

/* The libvirt-defaults fork's define flag for an owner's explicit upgrade (see
 * docs/integration.rst).  It sits far from stock libvirt's own define flags so that
 * a rebase never gives it another meaning; stock libvirt refuses it as unsupported. */
#ifndef VIR_DOMAIN_DEFINE_DEFAULTS_UPGRADE
# define VIR_DOMAIN_DEFINE_DEFAULTS_UPGRADE (1U << 30)
#endif

static void
vdStoreLibvirtSilence(void *opaque, virErrorPtr err)
{
}


static void
vdStoreLibvirtError(GError **error,
                    vdErrorCode code,
                    const char *what)
{
    virErrorPtr e = virGetLastError();

    g_set_error(error, VD_ERROR, code, "%s: %s", what, e && e->message ? e->message : _("unknown error"));
}


static bool
vdStoreLibvirtOpen(vdStore *store,
                   const char *uri,
                   GError **error)
{
    virConnectPtr conn;

    virSetErrorFunc(NULL, vdStoreLibvirtSilence);
    /* the embedded driver runs in this process and needs an event loop */
    if (g_str_has_prefix(uri, "qemu:///embed") && virEventRegisterDefaultImpl() < 0) {
        vdStoreLibvirtError(error, VD_ERROR_IO, _("cannot start libvirt's event loop"));
        return false;
    }
    if (!(conn = virConnectOpen(uri))) {
        vdStoreLibvirtError(error, VD_ERROR_IO, _("cannot connect to libvirt"));
        return false;
    }
    store->priv = conn;
    return true;
}


static void
vdStoreLibvirtClose(vdStore *store)
{
    if (store->priv)
        virConnectClose(store->priv);
}


static char *
vdStoreLibvirtGet(vdStore *store,
                  const char *name,
                  GError **error)
{
    virDomainPtr dom = virDomainLookupByName(store->priv, name);
    char *xml;
    char *ret;

    if (!dom) {
        g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        return NULL;
    }
    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    virDomainFree(dom);
    if (!xml) {
        vdStoreLibvirtError(error, VD_ERROR_IO, _("cannot read the definition"));
        return NULL;
    }
    ret = g_strdup(xml);
    free(xml); /* allocated by libvirt */
    return ret;
}


static bool
vdStoreLibvirtPut(vdStore *store,
                  const char *name,
                  const char *xml,
                  unsigned int flags,
                  GError **error)
{
    unsigned int defineFlags = 0;
    virDomainPtr dom;

    if (flags & VD_STORE_PUT_UPGRADE)
        defineFlags |= VIR_DOMAIN_DEFINE_DEFAULTS_UPGRADE;
    dom = virDomainDefineXMLFlags(store->priv, xml, defineFlags);
    /* a stock libvirt knows no such flag, and guards nothing: a plain define is the
     * upgrade there */
    if (!dom && defineFlags && virGetLastErrorCode() == VIR_ERR_INVALID_ARG)
        dom = virDomainDefineXMLFlags(store->priv, xml, 0);

    if (!dom) {
        vdStoreLibvirtError(error, VD_ERROR_UNSUPPORTED, _("libvirt refused the definition"));
        return false;
    }
    virDomainFree(dom);
    return true;
}


static GPtrArray *
vdStoreLibvirtList(vdStore *store,
                   GError **error)
{
    virDomainPtr *doms = NULL;
    GPtrArray *names;
    int n;
    int i;

    if ((n = virConnectListAllDomains(store->priv, &doms, VIR_CONNECT_LIST_DOMAINS_PERSISTENT)) < 0) {
        vdStoreLibvirtError(error, VD_ERROR_IO, _("cannot list domains"));
        return NULL;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < n; i++) {
        g_ptr_array_add(names, g_strdup(virDomainGetName(doms[i])));
        virDomainFree(doms[i]);
    }
    free(doms); /* allocated by libvirt */
    return names;
}


static bool
vdStoreLibvirtRemove(vdStore *store,
                     const char *name,
                     GError **error)
{
    virDomainPtr dom = virDomainLookupByName(store->priv, name);
    int rc;

    if (!dom) {
        g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        return false;
    }
    rc = virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM |
                                VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
    virDomainFree(dom);
    if (rc < 0) {
        vdStoreLibvirtError(error, VD_ERROR_IO, _("cannot undefine the domain"));
        return false;
    }
    return true;
}


static const vdStoreDriver vdStoreLibvirtDriver = {
    .scheme = "libvirt",
    .open = vdStoreLibvirtOpen,
    .close = vdStoreLibvirtClose,
    .get = vdStoreLibvirtGet,
    .put = vdStoreLibvirtPut,
    .list = vdStoreLibvirtList,
    .remove = vdStoreLibvirtRemove,
};


G_MODULE_EXPORT const vdStoreDriver *vdStoreLibvirtModuleDriver(const char *version);

/* The driver, if the program loading the module is the version it was built with: the
 * vdStoreDriver and vdStore structures are not a stable interface. */
G_MODULE_EXPORT const vdStoreDriver *
vdStoreLibvirtModuleDriver(const char *version)
{
    if (g_strcmp0(version, PACKAGE_VERSION) != 0)
        return NULL;
    return &vdStoreLibvirtDriver;
}
