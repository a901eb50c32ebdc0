/*
 * vdstore.h: where definitions live: a directory of XML files, or libvirt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _vdStore vdStore;

typedef struct {
    const char *scheme;
    bool (*open)(vdStore *store, const char *uri, GError **error);
    void (*close)(vdStore *store);
    char *(*get)(vdStore *store, const char *name, GError **error);
    bool (*put)(vdStore *store, const char *name, const char *xml, GError **error);
    GPtrArray *(*list)(vdStore *store, GError **error);
    bool (*remove)(vdStore *store, const char *name, GError **error);
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
bool vdStorePut(vdStore *store, const char *name, const char *xml, GError **error);
GPtrArray *vdStoreList(vdStore *store, GError **error);
bool vdStoreRemove(vdStore *store, const char *name, GError **error);

extern const vdStoreDriver vdStoreDirDriver;
#ifdef WITH_LIBVIRT
extern const vdStoreDriver vdStoreLibvirtDriver;
#endif
