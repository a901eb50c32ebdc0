/*
 * vdstore.h: where definitions live: a directory of XML files, or libvirt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>

typedef struct _vdStore vdStore;

typedef enum {
    /* the owner asked to move the definition to a newer generation: a store whose
     * backend guards defaults itself (the libvirt fork) must be told so */
    VD_STORE_PUT_UPGRADE = 1 << 0,
} vdStorePutFlags;

typedef struct {
    const char *scheme;
    bool (*open)(vdStore *store, const char *uri, GError **error);
    void (*close)(vdStore *store);
    char *(*get)(vdStore *store, const char *name, GError **error);
    bool (*put)(vdStore *store, const char *name, const char *xml, unsigned int flags,
                GError **error);
    GPtrArray *(*list)(vdStore *store, GError **error);
    bool (*remove)(vdStore *store, const char *name, GError **error);
    /* optional: serialise read-modify-write cycles between processes (the directory
     * store); a store that serialises its own writes leaves them NULL */
    bool (*lock)(vdStore *store, GError **error);
    void (*unlock)(vdStore *store);
} vdStoreDriver;

struct _vdStore {
    const vdStoreDriver *driver;
    char *uri;
    void *priv;
};

vdStore *vdStoreOpen(const char *uri, GError **error);
void vdStoreFree(vdStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdStore, vdStoreFree);

bool vdStoreValidName(const char *name, GError **error);
char *vdStoreGet(vdStore *store, const char *name, GError **error);
bool vdStorePut(vdStore *store, const char *name, const char *xml, unsigned int flags,
                GError **error);
GPtrArray *vdStoreList(vdStore *store, GError **error);
bool vdStoreRemove(vdStore *store, const char *name, GError **error);
bool vdStoreCheckSameDomain(const char *name, xmlDocPtr stored, xmlDocPtr doc,
                            GError **error);
bool vdStoreLock(vdStore *store, GError **error);
void vdStoreUnlock(vdStore *store);

extern const vdStoreDriver vdStoreDirDriver;

/* The libvirt backend is a module, vdstore-libvirt.so (vdstorelibvirt.c), loaded by
 * vdStoreOpen() for a URI other than dir://.  Its one exported function returns its
 * driver, or NULL when @version is not the version it was built for. */
#define VD_STORE_MODULE_NAME "vdstore-libvirt"
#define VD_STORE_MODULE_ENTRY "vdStoreLibvirtModuleDriver"
#define VD_STORE_MODULE_DIR_ENV "VIRT_DEFAULTS_MODULE_DIR"
