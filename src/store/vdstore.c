/*
 * vdstore.c: where definitions live: a directory of XML files, or libvirt
 *
 * The store never decides defaults: it reads and writes what the guard produced.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "store/vdstore.h"
#include "util/vderror.h"

/* The default store, like /etc/libvirt/qemu for the system daemon. */
#define VD_STORE_DEFAULT_URI "dir:///etc/libvirt-defaults/qemu"

/* A name becomes a file name in the directory store: no separators, no dot files. */
bool
vdStoreValidName(const char *name,
                 GError **error)
{
    if (!name || !*name || strchr(name, '/') || name[0] == '.' || strlen(name) > 200 ||
        !g_utf8_validate(name, -1, NULL)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("'%1$s' is not a valid domain name"), name ? name : "");
        return false;
    }
    return true;
}


vdStore *
vdStoreOpen(const char *uri,
            GError **error)
{
    g_autoptr(vdStore) store = g_new0(vdStore, 1);

    if (!uri)
        uri = VD_STORE_DEFAULT_URI;
    store->uri = g_strdup(uri);
    if (g_str_has_prefix(uri, "dir://")) {
        store->driver = &vdStoreDirDriver;
    } else {
#ifdef WITH_LIBVIRT
        store->driver = &vdStoreLibvirtDriver;
#else
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("'%1$s' needs the libvirt backend, which this build does not have"), uri);
        return NULL;
#endif
    }
    if (!store->driver->open(store, uri, error))
        return NULL;
    return g_steal_pointer(&store);
}


void
vdStoreFree(vdStore *store)
{
    if (!store)
        return;
    if (store->driver && store->driver->close)
        store->driver->close(store);
    g_free(store->uri);
    g_free(store);
}


char *
vdStoreGet(vdStore *store,
           const char *name,
           GError **error)
{
    if (!vdStoreValidName(name, error))
        return NULL;
    return store->driver->get(store, name, error);
}


bool
vdStorePut(vdStore *store,
           const char *name,
           const char *xml,
           unsigned int flags,
           GError **error)
{
    if (!vdStoreValidName(name, error))
        return false;
    return store->driver->put(store, name, xml, flags, error);
}


GPtrArray *
vdStoreList(vdStore *store,
            GError **error)
{
    return store->driver->list(store, error);
}


bool
vdStoreRemove(vdStore *store,
              const char *name,
              GError **error)
{
    if (!vdStoreValidName(name, error))
        return false;
    return store->driver->remove(store, name, error);
}


/* ---- dir:///PATH: one NAME.xml per domain ------------------------------------- */

static bool
vdStoreDirOpen(vdStore *store,
               const char *uri,
               GError **error)
{
    const char *path = uri + strlen("dir://");

    if (*path != '/') {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("'%1$s' must name an absolute directory, as in dir:///var/lib/vms"), uri);
        return false;
    }
    if (g_mkdir_with_parents(path, 0700) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot create the store '%1$s': %2$s"),
                    path, g_strerror(errno));
        return false;
    }
    store->priv = g_strdup(path);
    return true;
}


static void
vdStoreDirClose(vdStore *store)
{
    g_free(store->priv);
}


static char *
vdStoreDirPath(vdStore *store,
               const char *name)
{
    g_autofree char *file = g_strconcat(name, ".xml", NULL);

    return g_build_filename(store->priv, file, NULL);
}


static char *
vdStoreDirGet(vdStore *store,
              const char *name,
              GError **error)
{
    g_autofree char *path = vdStoreDirPath(store, name);
    g_autoptr(GError) err = NULL;
    char *xml = NULL;

    if (!g_file_get_contents(path, &xml, NULL, &err)) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        else
            g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot read '%1$s': %2$s"), path,
                        err->message);
        return NULL;
    }
    return xml;
}


/* g_file_set_contents writes a temporary file and renames it over the old one: a
 * crash leaves either the old definition or the new one, never half of one. */
static bool
vdStoreDirPut(vdStore *store,
              const char *name,
              const char *xml,
              unsigned int flags G_GNUC_UNUSED,
              GError **error)
{
    g_autofree char *path = vdStoreDirPath(store, name);
    g_autoptr(GError) err = NULL;

    if (!g_file_set_contents_full(path, xml, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0600, &err)) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot write '%1$s': %2$s"), path,
                    err->message);
        return false;
    }
    return true;
}


static gint
vdStoreNameCmp(gconstpointer a,
               gconstpointer b)
{
    return g_strcmp0(*(const char **)a, *(const char **)b);
}


static GPtrArray *
vdStoreDirList(vdStore *store,
               GError **error)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GError) err = NULL;
    GPtrArray *names;
    const char *ent;

    if (!(dir = g_dir_open(store->priv, 0, &err))) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot list '%1$s': %2$s"),
                    (const char *)store->priv, err->message);
        return NULL;
    }
    names = g_ptr_array_new_with_free_func(g_free);
    while ((ent = g_dir_read_name(dir))) {
        if (g_str_has_suffix(ent, ".xml") && ent[0] != '.')
            g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 4));
    }
    g_ptr_array_sort(names, vdStoreNameCmp);
    return names;
}


static bool
vdStoreDirRemove(vdStore *store,
                 const char *name,
                 GError **error)
{
    g_autofree char *path = vdStoreDirPath(store, name);

    if (g_unlink(path) < 0) {
        if (errno == ENOENT)
            g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        else
            g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot remove '%1$s': %2$s"), path,
                        g_strerror(errno));
        return false;
    }
    return true;
}


const vdStoreDriver vdStoreDirDriver = {
    .scheme = "dir",
    .open = vdStoreDirOpen,
    .close = vdStoreDirClose,
    .get = vdStoreDirGet,
    .put = vdStoreDirPut,
    .list = vdStoreDirList,
    .remove = vdStoreDirRemove,
};
