/*
 * vdstore.c: where definitions live: a directory of XML files, or libvirt
 *
 * The store never decides defaults: it reads and writes what the guard produced.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gmodule.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/vdstore.h"
#include "util/vderror.h"
#include "util/vdxml.h"

/* The default store, like /etc/libvirt/qemu for the system daemon. */
#define VD_STORE_DEFAULT_URI "dir:///etc/libvirt-defaults/qemu"

/* A name as libvirt 9.0 accepts it (virDomainDefParseXML: present and not empty, no
 * newline, no '/'), and as the directory store can keep it as NAME.xml: no leading dot
 * (the store's own lock and temporary files are dot files), no longer than a file
 * name allows, valid UTF-8.  The name is quoted with escapes in the messages so that
 * a refusal stays one line. */
bool
vdStoreValidName(const char *name,
                 GError **error)
{
    g_autofree char *quoted = g_strescape(name ? name : "", NULL);

    if (!name || !*name) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("missing name information: a domain needs a <name>"));
        return false;
    }
    if (strchr(name, '\n')) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("'%1$s' is not a valid domain name: it contains a newline"), quoted);
        return false;
    }
    if (strchr(name, '/')) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("'%1$s' is not a valid domain name: it contains '/'"), quoted);
        return false;
    }
    if (name[0] == '.' || strlen(name) > 200 || !g_utf8_validate(name, -1, NULL)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("'%1$s' is not a valid domain name for a directory store: it must be valid UTF-8, not start with '.' and be at most 200 bytes"),
                    quoted);
        return false;
    }
    return true;
}


#ifdef WITH_LIBVIRT
/* Where the libvirt backend module is: $VIRT_DEFAULTS_MODULE_DIR when set; the build
 * tree when the running program is one of the build tree's (so that tests never load an
 * installed module); else where it is installed. */
static char *
vdStoreModuleDir(void)
{
    const char *env = g_getenv(VD_STORE_MODULE_DIR_ENV);
    g_autofree char *exe = NULL;

    if (env && *env)
        return g_strdup(env);
    exe = g_file_read_link("/proc/self/exe", NULL);
    if (exe && g_str_has_prefix(exe, VD_BUILD_ROOT "/"))
        return g_strdup(VD_BUILD_MODULE_DIR);
    return g_strdup(VD_MODULE_DIR);
}


/* The libvirt backend lives in a module so that only the processes that connect to
 * libvirt load libvirt.so: not every virt-defaults run, and not the daemon that links
 * libvirt-defaults.so.  It is loaded once and never unloaded (libvirt keeps threads
 * and handlers). */
static const vdStoreDriver *
vdStoreLoadLibvirt(const char *uri,
                   GError **error)
{
    static GMutex lock;
    static const vdStoreDriver *driver;
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lock);
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    const vdStoreDriver *(*entry)(const char *version) = NULL;
    GModule *module;

    if (driver)
        return driver;
    dir = vdStoreModuleDir();
    path = g_build_filename(dir, VD_STORE_MODULE_NAME "." G_MODULE_SUFFIX, NULL);
    if (!(module = g_module_open(path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL))) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("'%1$s' needs the libvirt backend, which cannot be loaded (set %2$s to the directory of %3$s): %4$s"),
                    uri, VD_STORE_MODULE_DIR_ENV, VD_STORE_MODULE_NAME "." G_MODULE_SUFFIX,
                    g_module_error());
        return NULL;
    }
    if (!g_module_symbol(module, VD_STORE_MODULE_ENTRY, (gpointer *)&entry) ||
        !(driver = entry(PACKAGE_VERSION))) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("'%1$s' is not the libvirt backend of libvirt-defaults %2$s"),
                    path, PACKAGE_VERSION);
        g_module_close(module);
        return NULL;
    }
    g_module_make_resident(module);
    return driver;
}
#endif


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
        if (!(store->driver = vdStoreLoadLibvirt(uri, error)))
            return NULL;
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


/* Hold the store's lock until vdStoreUnlock() (or vdStoreFree()): around a read of a
 * definition, the decision made on it and the write of the result, so that two
 * processes defining one name serialise.  Calls nest. */
bool
vdStoreLock(vdStore *store,
            GError **error)
{
    if (!store->driver->lock)
        return true;
    return store->driver->lock(store, error);
}


void
vdStoreUnlock(vdStore *store)
{
    if (store->driver->unlock)
        store->driver->unlock(store);
}



/* ---- dir:///PATH: one NAME.xml per domain ------------------------------------- *
 *
 * What the directory store promises, as libvirt's own /etc/libvirt/qemu does:
 *
 * - Every definition has a UUID (one is generated when the definition has none), and
 *   names and UUIDs are unique: a second name with a UUID already in use is refused,
 *   and so is an existing name with another UUID, with libvirt's messages.
 * - A write is a temporary file in the store directory, fsync'ed and renamed over
 *   NAME.xml, then the directory fsync'ed: a crash leaves the old definition or the
 *   new one, never half of one.
 * - Writers hold an exclusive flock() on .lock in the store directory from the read
 *   their write depends on to the rename (vdStoreLock()).  Temporary files are only
 *   ever created under that lock, so one found by the holder of the lock was left by
 *   a writer that died (kill -9, a crash, a power cut) and is removed.
 * - Nothing in the store is followed through a symbolic link (O_NOFOLLOW), and only
 *   regular files are read.
 * - Reading (get, list) creates nothing: no directory, no lock file. */

#define VD_STORE_LOCK_FILE ".lock"
#define VD_STORE_TMP_PREFIX ".vd-tmp-"

typedef struct {
    char *path;
    int dirfd;          /* -1 until the directory exists */
    int lockfd;         /* -1 when not locked */
    unsigned int locks; /* nesting depth of vdStoreLock() */
} vdStoreDir;


static bool
vdStoreDirOpen(vdStore *store,
               const char *uri,
               GError **error)
{
    const char *path = uri + strlen("dir://");
    vdStoreDir *dir;

    if (*path != '/') {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("'%1$s' must name an absolute directory, as in dir:///var/lib/vms"), uri);
        return false;
    }
    dir = g_new0(vdStoreDir, 1);
    dir->path = g_strdup(path);
    dir->lockfd = -1;
    store->priv = dir;
    /* created by the first write, not here: reading a store never creates one */
    if ((dir->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 && errno != ENOENT) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot open the store '%1$s': %2$s"),
                    path, g_strerror(errno));
        return false;
    }
    return true;
}


static void
vdStoreDirClose(vdStore *store)
{
    vdStoreDir *dir = store->priv;

    if (!dir)
        return;
    if (dir->lockfd >= 0)
        close(dir->lockfd);
    if (dir->dirfd >= 0)
        close(dir->dirfd);
    g_free(dir->path);
    g_free(dir);
}


/* For a write: create the store directory if it is missing. */
static bool
vdStoreDirEnsure(vdStoreDir *dir,
                 GError **error)
{
    if (dir->dirfd >= 0)
        return true;
    if (g_mkdir_with_parents(dir->path, 0700) < 0 ||
        (dir->dirfd = open(dir->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot create the store '%1$s': %2$s"),
                    dir->path, g_strerror(errno));
        return false;
    }
    return true;
}


static bool
vdStoreDirSync(vdStoreDir *dir,
               GError **error)
{
    if (fsync(dir->dirfd) < 0 && errno != EINVAL) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot write the store '%1$s': %2$s"),
                    dir->path, g_strerror(errno));
        return false;
    }
    return true;
}


/* Under the lock: every temporary file is a dead writer's. */
static void
vdStoreDirRemoveTemps(vdStoreDir *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir->path, 0, NULL);
    const char *ent;
    bool removed = false;

    if (!d)
        return;
    while ((ent = g_dir_read_name(d))) {
        if (g_str_has_prefix(ent, VD_STORE_TMP_PREFIX) && unlinkat(dir->dirfd, ent, 0) == 0)
            removed = true;
    }
    if (removed)
        vdStoreDirSync(dir, NULL);
}


static bool
vdStoreDirLock(vdStore *store,
               GError **error)
{
    vdStoreDir *dir = store->priv;

    if (dir->locks > 0) {
        dir->locks++;
        return true;
    }
    if (!vdStoreDirEnsure(dir, error))
        return false;
    if ((dir->lockfd = openat(dir->dirfd, VD_STORE_LOCK_FILE,
                              O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600)) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot lock the store '%1$s': %2$s"),
                    dir->path, g_strerror(errno));
        return false;
    }
    while (flock(dir->lockfd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot lock the store '%1$s': %2$s"),
                    dir->path, g_strerror(errno));
        close(dir->lockfd);
        dir->lockfd = -1;
        return false;
    }
    dir->locks = 1;
    vdStoreDirRemoveTemps(dir);
    return true;
}


static void
vdStoreDirUnlock(vdStore *store)
{
    vdStoreDir *dir = store->priv;

    if (dir->locks == 0 || --dir->locks > 0)
        return;
    close(dir->lockfd);
    dir->lockfd = -1;
}


/* NAME.xml, opened for reading without following a symbolic link; -1 and @error
 * (VD_ERROR_NOT_FOUND when there is no such domain) otherwise. */
static int
vdStoreDirOpenFile(vdStoreDir *dir,
                   const char *name,
                   GError **error)
{
    g_autofree char *file = g_strconcat(name, ".xml", NULL);
    struct stat st;
    int fd;

    if (dir->dirfd < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        return -1;
    }
    /* O_NONBLOCK: a FIFO planted in the store must not hang us in open() */
    fd = openat(dir->dirfd, file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        else if (errno == ELOOP)
            g_set_error(error, VD_ERROR, VD_ERROR_IO,
                        _("'%1$s/%2$s' is a symbolic link: the store follows none"),
                        dir->path, file);
        else
            g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot read '%1$s/%2$s': %3$s"),
                        dir->path, file, g_strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO,
                    _("'%1$s/%2$s' is not a regular file"), dir->path, file);
        close(fd);
        return -1;
    }
    return fd;
}


static char *
vdStoreDirGet(vdStore *store,
              const char *name,
              GError **error)
{
    vdStoreDir *dir = store->priv;
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;
    gsize len = 0;
    int fd;

    if ((fd = vdStoreDirOpenFile(dir, name, error)) < 0)
        return NULL;
    path = g_strdup_printf("%s/%s.xml", dir->path, name);
    xml = vdXMLReadFd(fd, path, &len, error);
    close(fd);
    if (!xml)
        return NULL;
    /* callers treat the definition as a C string: a NUL would cut it short unseen */
    if (memchr(xml, '\0', len)) {
        g_set_error(error, VD_ERROR, VD_ERROR_XML,
                    _("cannot read '%1$s': it contains a NUL byte"), path);
        return NULL;
    }
    return g_steal_pointer(&xml);
}


/* libvirt's virUUIDParse: 32 hexadecimal digits, '-' and ' ' allowed between pairs,
 * blanks around. */
static bool
vdStoreParseUUID(const char *s,
                 guint8 uuid[16])
{
    size_t i = 0;

    while (g_ascii_isspace(*s))
        s++;
    while (i < 16) {
        if (*s == '-' || *s == ' ') {
            s++;
            continue;
        }
        if (!g_ascii_isxdigit(s[0]) || !g_ascii_isxdigit(s[1]))
            return false;
        uuid[i++] = (g_ascii_xdigit_value(s[0]) << 4) | g_ascii_xdigit_value(s[1]);
        s += 2;
    }
    while (*s) {
        if (!g_ascii_isspace(*s++))
            return false;
    }
    return true;
}


static char *
vdStoreFormatUUID(const guint8 uuid[16])
{
    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6],
                           uuid[7], uuid[8], uuid[9], uuid[10], uuid[11], uuid[12],
                           uuid[13], uuid[14], uuid[15]);
}


/* The UUID of a definition: 1 found, 0 none, -1 malformed (error set). */
static int
vdStoreDocUUID(xmlDocPtr doc,
               guint8 uuid[16],
               GError **error)
{
    g_autofree char *text = vdXMLContent(vdXMLChild(xmlDocGetRootElement(doc), "uuid"));

    if (!text)
        return 0;
    if (!vdStoreParseUUID(text, uuid)) {
        g_autofree char *quoted = g_strescape(text, NULL);

        g_set_error(error, VD_ERROR, VD_ERROR_INVALID, _("malformed uuid element '%1$s'"),
                    quoted);
        return -1;
    }
    return 1;
}


/* The UUID stored for @name: 1 found, 0 none (no such domain, no UUID, unreadable). */
static int
vdStoreDirStoredUUID(vdStore *store,
                     const char *name,
                     guint8 uuid[16])
{
    g_autofree char *xml = vdStoreDirGet(store, name, NULL);
    g_autoptr(xmlDoc) doc = xml ? vdXMLParse(xml, strlen(xml), name, "domain", NULL) : NULL;

    return doc && vdStoreDocUUID(doc, uuid, NULL) == 1 ? 1 : 0;
}


/* A define over the stored definition of the same name is an update of that domain
 * only if it is that domain: libvirt refuses another UUID for an existing name, and
 * so no UUID at all, since it would generate a new one. */
bool
vdStoreCheckSameDomain(const char *name,
                       xmlDocPtr stored,
                       xmlDocPtr doc,
                       GError **error)
{
    guint8 a[16];
    guint8 b[16];
    int rc;

    if (vdStoreDocUUID(stored, a, NULL) != 1)
        return true;
    if ((rc = vdStoreDocUUID(doc, b, error)) < 0)
        return false;
    if (rc == 0 || memcmp(a, b, 16) != 0) {
        g_autofree char *s = vdStoreFormatUUID(a);

        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("domain '%1$s' already exists with uuid %2$s"), name, s);
        return false;
    }
    return true;
}


static GPtrArray *vdStoreDirList(vdStore *store, GError **error);


/* What libvirt's virDomainObjListAdd checks before a define: the UUID of @name must
 * be the one stored for that name, and no other domain may have it.  Gives @doc a
 * UUID when it has none, in libvirt's canonical form otherwise. */
static bool
vdStoreDirCheckIdentity(vdStore *store,
                        const char *name,
                        xmlDocPtr doc,
                        GError **error)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr uuidNode = vdXMLChild(root, "uuid");
    g_autoptr(GPtrArray) names = NULL;
    g_autofree char *canonical = NULL;
    guint8 uuid[16];
    guint8 stored[16];
    int rc;
    guint i;

    if ((rc = vdStoreDocUUID(doc, uuid, error)) < 0)
        return false;
    if (rc == 0) {
        g_autofree char *random = g_uuid_string_random();

        vdStoreParseUUID(random, uuid);
    }
    canonical = vdStoreFormatUUID(uuid);

    if (vdStoreDirStoredUUID(store, name, stored) && memcmp(stored, uuid, 16) != 0) {
        g_autofree char *s = vdStoreFormatUUID(stored);

        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("domain '%1$s' already exists with uuid %2$s"), name, s);
        return false;
    }
    if (!(names = vdStoreDirList(store, error)))
        return false;
    for (i = 0; i < names->len; i++) {
        const char *other = g_ptr_array_index(names, i);

        if (g_str_equal(other, name) || !vdStoreDirStoredUUID(store, other, stored))
            continue;
        if (memcmp(stored, uuid, 16) == 0) {
            g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                        _("domain '%1$s' is already defined with uuid %2$s"), other, canonical);
            return false;
        }
    }

    if (uuidNode) {
        g_autofree char *text = vdXMLContent(uuidNode);

        if (!g_str_equal(text, canonical))
            xmlNodeSetContent(uuidNode, (const xmlChar *)canonical);
    } else {
        xmlNodePtr nameNode = vdXMLChild(root, "name");

        uuidNode = xmlNewDocNode(doc, NULL, (const xmlChar *)"uuid", (const xmlChar *)canonical);
        /* where libvirt writes it: right after <name> */
        if (nameNode)
            xmlAddNextSibling(nameNode, uuidNode);
        else
            xmlAddChild(root, uuidNode);
    }
    return true;
}


static bool
vdStoreDirWrite(vdStoreDir *dir,
                const char *name,
                const char *xml,
                GError **error)
{
    g_autofree char *file = g_strconcat(name, ".xml", NULL);
    g_autofree char *tmp = NULL;
    size_t len = strlen(xml);
    size_t done = 0;
    int fd = -1;
    int tries;

    for (tries = 0; tries < 100 && fd < 0; tries++) {
        g_free(tmp);
        tmp = g_strdup_printf(VD_STORE_TMP_PREFIX "%ld-%08x", (long)getpid(), g_random_int());
        fd = openat(dir->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        goto error;
    while (done < len) {
        ssize_t n = write(fd, xml + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto error;
        done += n;
    }
    if (fsync(fd) < 0)
        goto error;
    if (close(fd) < 0) {
        fd = -1;
        goto error;
    }
    fd = -1;
    if (renameat(dir->dirfd, tmp, dir->dirfd, file) < 0)
        goto error;
    return vdStoreDirSync(dir, error);

 error:
    g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot write '%1$s/%2$s': %3$s"),
                dir->path, file, g_strerror(errno));
    if (fd >= 0)
        close(fd);
    if (tmp)
        unlinkat(dir->dirfd, tmp, 0);
    return false;
}


static bool
vdStoreDirPut(vdStore *store,
              const char *name,
              const char *xml,
              unsigned int flags G_GNUC_UNUSED,
              GError **error)
{
    vdStoreDir *dir = store->priv;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *docName = NULL;
    g_autofree char *out = NULL;
    bool ok;

    if (!(doc = vdXMLParse(xml, strlen(xml), name, "domain", error)))
        return false;
    docName = vdXMLContent(vdXMLChild(xmlDocGetRootElement(doc), "name"));
    if (g_strcmp0(docName, name) != 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL,
                    _("the definition stored as '%1$s' is named '%2$s'"), name,
                    docName ? docName : "");
        return false;
    }
    if (!vdStoreDirLock(store, error))
        return false;
    ok = vdStoreDirCheckIdentity(store, name, doc, error) &&
        (out = vdXMLFormat(doc)) &&
        vdStoreDirWrite(dir, name, out, error);
    vdStoreDirUnlock(store);
    return ok;
}


static gint
vdStoreNameCmp(gconstpointer a,
               gconstpointer b)
{
    return g_strcmp0(*(const char **)a, *(const char **)b);
}


/* The names of the regular NAME.xml files: symbolic links and the store's own dot
 * files are no domains. */
static GPtrArray *
vdStoreDirList(vdStore *store,
               GError **error)
{
    vdStoreDir *dir = store->priv;
    g_autoptr(GDir) d = NULL;
    g_autoptr(GError) err = NULL;
    GPtrArray *names;
    const char *ent;

    names = g_ptr_array_new_with_free_func(g_free);
    if (dir->dirfd < 0)
        return names;
    if (!(d = g_dir_open(dir->path, 0, &err))) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot list '%1$s': %2$s"),
                    dir->path, err->message);
        g_ptr_array_unref(names);
        return NULL;
    }
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *name = NULL;
        struct stat st;

        if (!g_str_has_suffix(ent, ".xml") || ent[0] == '.' ||
            fstatat(dir->dirfd, ent, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        name = g_strndup(ent, strlen(ent) - 4);
        if (vdStoreValidName(name, NULL))
            g_ptr_array_add(names, g_steal_pointer(&name));
    }
    g_ptr_array_sort(names, vdStoreNameCmp);
    return names;
}


static bool
vdStoreDirRemove(vdStore *store,
                 const char *name,
                 GError **error)
{
    vdStoreDir *dir = store->priv;
    g_autofree char *file = g_strconcat(name, ".xml", NULL);
    bool ok = false;
    int fd;

    /* nothing to lock (or create) in a store that does not exist */
    if (dir->dirfd < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_NOT_FOUND, _("no domain named '%1$s'"), name);
        return false;
    }
    if (!vdStoreDirLock(store, error))
        return false;
    /* what get refuses is no domain to remove either */
    if ((fd = vdStoreDirOpenFile(dir, name, error)) >= 0) {
        close(fd);
        if (unlinkat(dir->dirfd, file, 0) < 0)
            g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot remove '%1$s/%2$s': %3$s"),
                        dir->path, file, g_strerror(errno));
        else
            ok = vdStoreDirSync(dir, error);
    }
    vdStoreDirUnlock(store);
    return ok;
}


const vdStoreDriver vdStoreDirDriver = {
    .scheme = "dir",
    .open = vdStoreDirOpen,
    .close = vdStoreDirClose,
    .get = vdStoreDirGet,
    .put = vdStoreDirPut,
    .list = vdStoreDirList,
    .remove = vdStoreDirRemove,
    .lock = vdStoreDirLock,
    .unlock = vdStoreDirUnlock,
};
