/*
 * vdstamp.c: the generation stamp a definition carries in <metadata>
 *
 * libvirt keeps foreign metadata verbatim, so a namespaced element there survives
 * every define, reload and migration.  It says which generation of the table the
 * definition was completed under and what the engine supplied, by stable device key:
 *
 *   <vd:defaults xmlns:vd='...' generation='1'>
 *     <vd:machine rule='x86.machine.default'/>
 *     <vd:device key='controller/usb/0' rule='x86.i440fx.usb.implicit'/>
 *     <vd:prop key='disk/vda' name='driver-type' rule='all.disk.driver-format'/>
 *   </vd:defaults>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine/vdengine.h"
#include "guard/vdstamp.h"
#include "util/vderror.h"
#include "util/vdxml.h"

/* Rules that are libvirt's mechanisms rather than rows of the table. */
static const char *const vdMechanisms[][2] = {
    { "libvirt.address-assignment", N_("libvirt gives every device that needs one an address") },
    { "libvirt.controller-index", N_("a controller without an index gets the lowest unused one") },
    { "libvirt.implicit-controller", N_("a device that needs a controller gets one") },
    { "libvirt.console-compat", N_("console[0] and serial[0] are the same port") },
    { "libvirt.machine-canonical", N_("a machine alias is replaced by the versioned machine it stands for") },
    { "libvirt.disk-device", N_("a disk without a device kind is a disk") },
    { "libvirt.disk-bus", N_("a disk's bus follows from its target name") },
    { "libvirt.cdrom-readonly", N_("CD-ROMs are read-only") },
    { "libvirt.video-heads", N_("a video card has one head unless told otherwise") },
    { "libvirt.video-primary", N_("the first video card is the primary one") },
    { "libvirt.vnc-autoport", N_("VNC picks a free port at start") },
    { "libvirt.graphics-listen", N_("a display without a listen address gets the default one") },
    { "libvirt.chr-port", N_("a character device without a port gets the next free one") },
    { "libvirt.input-bus", N_("a passthrough input is a virtio device") },
    { "libvirt.watchdog-action", N_("a watchdog resets the guest unless told otherwise") },
    { "libvirt.hostdev-managed", N_("host devices are not managed unless told otherwise") },
    { "libvirt.vsock-model", N_("vsock is a virtio device") },
    { "libvirt.vsock-cid", N_("the vsock context id is allocated at start") },
    { "libvirt.shmem-size", N_("an ivshmem region is 4 MiB unless told otherwise") },
    { "libvirt.shmem-msi", N_("an ivshmem doorbell uses MSI with ioeventfd") },
    { "libvirt.pci-model-name", N_("a PCI controller is backed by a specific QEMU device") },
    { "libvirt.usb-none", N_("USB model none has no address") },
    { "libvirt.filesystem-type", N_("a filesystem without a type is a mount") },
    { "libvirt.filesystem-accessmode", N_("a mounted filesystem passes file ownership through") },
    { "libvirt.rng-random", N_("a random backend without a device reads /dev/random") },
    { "libvirt.serial-model", N_("a PCI or USB serial port is the QEMU device of the same name") },
    { "libvirt.channel-runtime", N_("a stored definition keeps no runtime socket path or state") },
    { "libvirt.usb-companion", N_("each UHCI companion of an EHCI controller owns two of its ports") },
    { "libvirt.spice-autoport", N_("SPICE with autoport picks its ports at start") },
    { "libvirt.runtime-state", N_("a stored definition keeps no name or path a running guest was given") },
    { "libvirt.mdev-display", N_("a mediated device has no display unless asked for") },
    { "libvirt.redirdev-bus", N_("a redirected device is a USB device") },
    { "libvirt.tcp-protocol", N_("a TCP character backend speaks raw unless told otherwise") },
    { "libvirt.tpm-device", N_("a passthrough TPM is the host's /dev/tpm0 unless told otherwise") },
    { "libvirt.vhostuser-virtio", N_("vhost-user and vDPA interfaces are virtio") },
};


const char *
vdOriginDescribe(const char *origin)
{
    size_t i;

    for (i = 0; origin && i < G_N_ELEMENTS(vdMechanisms); i++) {
        if (g_str_equal(vdMechanisms[i][0], origin))
            return _(vdMechanisms[i][1]);
    }
    return NULL;
}


void
vdStampClear(vdStamp *stamp)
{
    g_free(stamp->machineInput);
    memset(stamp, 0, sizeof(*stamp));
}


static bool
vdStampIsOurs(xmlNodePtr n,
              const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
        g_str_equal((const char *)n->ns->href, VD_STAMP_NS) &&
        g_str_equal((const char *)n->name, name);
}


static xmlNodePtr
vdStampFind(xmlDocPtr doc)
{
    xmlNodePtr metadata = vdXMLChild(xmlDocGetRootElement(doc), "metadata");
    xmlNodePtr n;

    for (n = metadata ? metadata->children : NULL; n; n = n->next) {
        if (vdStampIsOurs(n, "defaults"))
            return n;
    }
    return NULL;
}


bool
vdStampPresent(xmlDocPtr doc)
{
    return vdStampFind(doc) != NULL;
}


/* The generation @doc is stamped with, 1 without a stamp; 0 on error. */
unsigned int
vdStampGeneration(xmlDocPtr doc,
                  bool *present,
                  GError **error)
{
    xmlNodePtr node = vdStampFind(doc);
    unsigned int gen = 1;

    if (present)
        *present = node != NULL;
    if (node && vdXMLPropUInt(node, "generation", &gen, error) < 0)
        return 0;
    if (gen == 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: the defaults stamp names generation 0"), xmlGetLineNo(node));
        return 0;
    }
    return gen;
}


/* Read the stamp of @from (default: @def's own document) and mark what it says the
 * engine supplied on @def's devices. */
bool
vdStampRead(vdDomainDef *def,
            xmlDocPtr from,
            vdStamp *stamp,
            GError **error)
{
    xmlNodePtr node = vdStampFind(from ? from : def->doc);
    g_autoptr(GHashTable) keys = NULL;
    g_autoptr(GHashTable) byKey = NULL;
    GHashTableIter iter;
    gpointer devp;
    gpointer keyp;
    xmlNodePtr n;
    unsigned int gen = 1;

    vdStampClear(stamp);
    stamp->generation = 1;
    if (!node)
        return true;
    stamp->present = true;
    if (vdXMLPropUInt(node, "generation", &gen, error) < 0)
        return false;
    if (gen == 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: the defaults stamp names generation 0"), xmlGetLineNo(node));
        return false;
    }
    stamp->generation = gen;

    /* one map from key to device, not a search per entry */
    keys = vdDomainDefKeys(def);
    byKey = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_iter_init(&iter, keys);
    while (g_hash_table_iter_next(&iter, &devp, &keyp))
        g_hash_table_insert(byKey, keyp, devp);

    for (n = node->children; n; n = n->next) {
        g_autofree char *key = NULL;
        g_autofree char *rule = NULL;
        g_autofree char *name = NULL;
        vdDevice *dev;
        int prop;

        if (n->type != XML_ELEMENT_NODE)
            continue;
        rule = vdXMLPropGet(n, "rule");
        if (!rule)
            rule = g_strdup("");
        if (vdStampIsOurs(n, "machine")) {
            /* the first claim on the machine counts; the stamp writes one */
            if (stamp->machineSupplied)
                continue;
            stamp->machineSupplied = true;
            stamp->machineInput = vdXMLPropGet(n, "input");
            def->machineOrigin = g_intern_string(rule);
            continue;
        }
        key = vdXMLPropGet(n, "key");
        /* an item whose device is gone was removed by the user: forget it */
        if (!key || !(dev = g_hash_table_lookup(byKey, key)))
            continue;
        if (vdStampIsOurs(n, "device")) {
            dev->origin = g_intern_string(rule);
        } else if (vdStampIsOurs(n, "prop")) {
            name = vdXMLPropGet(n, "name");
            if (g_strcmp0(name, "address") == 0)
                dev->addrOrigin = g_intern_string(rule);
            else if ((prop = vdPropTypeFromString(name)) >= 0 && vdDeviceGet(dev, prop))
                dev->propOrigin[prop] = g_intern_string(rule);
        }
    }
    return true;
}


/* Take back everything the stamp says the engine supplied, so that a generation can
 * decide it again; what the user wrote stays. */
void
vdStampStrip(vdDomainDef *def,
             const vdStamp *stamp)
{
    size_t k;
    size_t p;
    guint i;

    if (stamp->machineSupplied) {
        g_free(def->machine);
        def->machine = g_strdup(stamp->machineInput);
        def->machineOrigin = NULL;
    }
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        GPtrArray *devs = def->devices[k];

        for (i = 0; i < devs->len; i++) {
            vdDevice *dev = g_ptr_array_index(devs, i);

            if (dev->origin) {
                dev->removed = true;
                continue;
            }
            for (p = 0; p < VD_PROP_LAST; p++) {
                if (dev->propOrigin[p])
                    vdDeviceTake(dev, p, NULL, dev->propOrigin[p]);
            }
            if (dev->addrOrigin) {
                vdAddressClear(&dev->addr);
                dev->addrChanged = true;
            }
        }
        /* removed devices no longer take part; their nodes go at the next sync */
        for (i = devs->len; i-- > 0;) {
            vdDevice *dev = g_ptr_array_index(devs, i);

            if (dev->removed) {
                if (dev->node) {
                    xmlUnlinkNode(dev->node);
                    xmlFreeNode(dev->node);
                }
                g_ptr_array_remove_index(devs, i);
            }
        }
    }
}


static bool
vdStampAddressEqual(const vdAddress *a,
                    const vdAddress *b)
{
    return a->type == b->type && a->domain == b->domain && a->bus == b->bus &&
        a->slot == b->slot && a->function == b->function && a->multi == b->multi &&
        a->controller == b->controller && a->target == b->target && a->unit == b->unit &&
        a->port == b->port && g_strcmp0(a->usbPort, b->usbPort) == 0 &&
        a->cssid == b->cssid && a->ssid == b->ssid && a->devno == b->devno &&
        a->reg == b->reg && a->hasReg == b->hasReg && a->hasZpci == b->hasZpci &&
        a->zpciUid == b->zpciUid && a->zpciFid == b->zpciFid;
}


static void
vdStampDistrust(vdDomainDef *def,
                vdStamp *stamp)
{
    size_t k;
    guint i;

    stamp->machineSupplied = false;
    def->machineOrigin = NULL;
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(def->devices[k], i);

            dev->origin = NULL;
            dev->addrOrigin = NULL;
            memset(dev->propOrigin, 0, sizeof(dev->propOrigin));
        }
    }
}


/* @def as the stamped generation completes it from @copy, a copy of its document,
 * with its claims taken back; NULL if the generation cannot, which means it did not
 * supply what is claimed. */
static vdDomainDef *
vdStampDerive(const vdTable *table,
              vdDomainDef *def,
              vdStamp *stamp,
              xmlDocPtr copy,
              bool keepOrder)
{
    vdEngineOptions opts = { .generation = stamp->generation, .newDomain = true };
    g_autoptr(vdDomainDef) derived = NULL;
    g_autoptr(GError) err = NULL;
    size_t k;
    guint i;

    if (!(derived = vdDomainDefParseFlags(copy, keepOrder ? VD_DOMAIN_PARSE_KEEP_ORDER : 0, &err)))
        return NULL;
    /* the same document read the same way: the devices correspond one to one */
    for (k = 0; k < VD_DEVICE_LAST; k++) {
        if (derived->devices[k]->len != def->devices[k]->len)
            return NULL;
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *from = g_ptr_array_index(def->devices[k], i);
            vdDevice *to = g_ptr_array_index(derived->devices[k], i);

            to->origin = from->origin;
            to->addrOrigin = from->addrOrigin;
            memcpy(to->propOrigin, from->propOrigin, sizeof(to->propOrigin));
        }
    }
    vdStampStrip(derived, stamp);
    if (!vdEngineApply(derived, table, &opts, &err))
        return NULL;
    return g_steal_pointer(&derived);
}


/* Drops the claims on @dev that @d, its counterpart in the completion (NULL if it has
 * none), does not confirm; returns whether one was dropped. */
static bool
vdStampConfirmDevice(vdDevice *dev,
                     const vdDevice *d)
{
    bool dropped = false;
    size_t p;

    if (dev->origin) {
        bool same = d && d->origin && d->kind == dev->kind;

        for (p = 0; same && p < VD_PROP_LAST; p++)
            same = g_strcmp0(d->props[p], dev->props[p]) == 0;
        if (!same) {
            dev->origin = NULL;
            dropped = true;
        }
    }
    for (p = 0; p < VD_PROP_LAST; p++) {
        if (dev->propOrigin[p] &&
            (!d || !d->propOrigin[p] || g_strcmp0(d->props[p], dev->props[p]) != 0)) {
            dev->propOrigin[p] = NULL;
            dropped = true;
        }
    }
    if (dev->addrOrigin &&
        (!d || !d->addrOrigin || !vdStampAddressEqual(&d->addr, &dev->addr))) {
        dev->addrOrigin = NULL;
        dropped = true;
    }
    return dropped;
}


/* One round of vdStampTrust(): the claims on @def are taken back from a copy, the
 * stamped generation completes it, and every claim it does not confirm is dropped.
 * Returns whether a claim was dropped, so that the caller can go round again: with
 * fewer claims taken back, the completion can differ. */
static bool
vdStampTrustRound(const vdTable *table,
                  vdDomainDef *def,
                  vdStamp *stamp,
                  bool keepOrder,
                  bool *failed)
{
    g_autoptr(xmlDoc) copy = xmlCopyDoc(def->doc, 1);
    g_autoptr(vdDomainDef) derived = NULL;
    g_autoptr(GHashTable) keys = NULL;
    g_autoptr(GHashTable) derivedKeys = NULL;
    g_autoptr(GHashTable) byKey = NULL;
    GHashTableIter iter;
    gpointer devp;
    gpointer keyp;
    const char *machine;
    bool dropped = false;
    size_t k;
    guint i;

    *failed = false;
    if (!(derived = vdStampDerive(table, def, stamp, copy, keepOrder))) {
        *failed = true;
        return false;
    }

    machine = derived->newMachine ? derived->newMachine : derived->machine;
    if (stamp->machineSupplied &&
        (!derived->machineOrigin || g_strcmp0(machine, def->machine) != 0)) {
        stamp->machineSupplied = false;
        def->machineOrigin = NULL;
        dropped = true;
    }

    derivedKeys = vdDomainDefKeys(derived);
    byKey = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_iter_init(&iter, derivedKeys);
    while (g_hash_table_iter_next(&iter, &devp, &keyp))
        g_hash_table_insert(byKey, keyp, devp);
    keys = vdDomainDefKeys(def);

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(def->devices[k], i);
            const vdDevice *d;

            if (!vdDeviceIsSupplied(dev))
                continue;
            d = g_hash_table_lookup(byKey, g_hash_table_lookup(keys, dev));
            if (vdStampConfirmDevice(dev, d))
                dropped = true;
        }
    }
    return dropped;
}


/* A stamp is its owner's claim, not proof: keep only the claims that name what the
 * stamped generation itself supplies when it completes the definition with every
 * claimed item taken back.  A device the engine would not add, a value or an address
 * it would not choose, a machine it would not pick: each is the owner's, and stays
 * through an upgrade.  Dropping a claim changes what is taken back, so this goes round
 * until every claim left is confirmed; applying the engine again then confirms the
 * same ones.  Without the stamped generation in @table nothing is trusted.  Returns
 * whether every claim held at the first look. */
bool
vdStampTrust(const vdTable *table,
             vdDomainDef *def,
             vdStamp *stamp,
             bool keepOrder)
{
    unsigned int round;

    if (!stamp->present)
        return true;
    if (!vdTableFindGeneration(table, stamp->generation)) {
        vdStampDistrust(def, stamp);
        return false;
    }
    for (round = 0; round < 8; round++) {
        bool failed = false;

        if (!vdStampTrustRound(table, def, stamp, keepOrder, &failed)) {
            if (failed)
                vdStampDistrust(def, stamp);
            return round == 0 && !failed;
        }
    }
    vdStampDistrust(def, stamp);
    return false;
}


/* How many items @def says the engine supplied, the machine included. */
guint
vdStampClaims(const vdDomainDef *def)
{
    guint n = def->machineOrigin ? 1 : 0;
    size_t k;
    size_t p;
    guint i;

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            const vdDevice *dev = g_ptr_array_index(def->devices[k], i);

            n += (dev->origin != NULL) + (dev->addrOrigin != NULL);
            for (p = 0; p < VD_PROP_LAST; p++)
                n += dev->propOrigin[p] != NULL;
        }
    }
    return n;
}


static xmlNodePtr
vdStampMetadata(vdDomainDef *def)
{
    static const char *const before[] = { "name", "uuid", "genid", "title", "description" };
    xmlNodePtr metadata = vdXMLChild(def->root, "metadata");
    xmlNodePtr after = NULL;
    xmlNodePtr n;
    size_t i;

    if (metadata)
        return metadata;
    metadata = xmlNewDocNode(def->doc, NULL, (const xmlChar *)"metadata", NULL);
    for (n = vdXMLFirstElement(def->root); n; n = vdXMLNextElement(n)) {
        for (i = 0; i < G_N_ELEMENTS(before); i++) {
            if (vdXMLNameIs(n, before[i]))
                after = n;
        }
    }
    if (after)
        xmlAddNextSibling(after, metadata);
    else if (def->root->children)
        xmlAddPrevSibling(def->root->children, metadata);
    else
        xmlAddChild(def->root, metadata);
    return metadata;
}


static void
vdStampEntry(xmlNodePtr parent,
             xmlNsPtr ns,
             const char *element,
             const char *key,
             const char *name,
             const char *rule,
             const char *input)
{
    xmlNodePtr e = xmlNewChild(parent, ns, (const xmlChar *)element, NULL);

    /* a new element: append, with no search for an attribute it cannot have yet */
    if (key)
        xmlNewProp(e, (const xmlChar *)"key", (const xmlChar *)key);
    if (name)
        xmlNewProp(e, (const xmlChar *)"name", (const xmlChar *)name);
    xmlNewProp(e, (const xmlChar *)"rule", (const xmlChar *)(rule ? rule : ""));
    if (input)
        xmlNewProp(e, (const xmlChar *)"input", (const xmlChar *)input);
}


/* libvirt reads the first <metadata> only, and in it the first element of each
 * namespace; it drops the rest.  Any stamp but the one just written goes the same way,
 * so that no stale claim is left for a later reader to find. */
static void
vdStampDropOthers(xmlNodePtr root,
                  xmlNodePtr keep)
{
    xmlNodePtr m;
    xmlNodePtr n;
    xmlNodePtr next;

    for (m = vdXMLFirstElement(root); m; m = vdXMLNextElement(m)) {
        if (!vdXMLNameIs(m, "metadata"))
            continue;
        for (n = m->children; n; n = next) {
            next = n->next;
            if (n != keep && vdStampIsOurs(n, "defaults")) {
                xmlUnlinkNode(n);
                xmlFreeNode(n);
            }
        }
    }
}


/* Replace the stamp with one describing @def as it is now. */
bool
vdStampWrite(vdDomainDef *def,
             unsigned int generation,
             const vdStamp *previous,
             GError **error)
{
    xmlNodePtr old = vdStampFind(def->doc);
    xmlNodePtr metadata = vdStampMetadata(def);
    g_autoptr(GHashTable) keys = vdDomainDefKeys(def);
    xmlNodePtr stamp;
    xmlNsPtr ns;
    size_t k;
    size_t p;
    guint i;

    stamp = xmlNewDocNode(def->doc, NULL, (const xmlChar *)"defaults", NULL);
    ns = xmlNewNs(stamp, (const xmlChar *)VD_STAMP_NS, (const xmlChar *)VD_STAMP_PREFIX);
    xmlSetNs(stamp, ns);
    vdXMLAddPropNumber(stamp, "generation", generation, 0);

    if (def->machineOrigin) {
        /* the machine as the user wrote it, so that an upgrade can choose again */
        const char *input = def->machine;

        if (previous && previous->machineSupplied)
            input = previous->machineInput;
        vdStampEntry(stamp, ns, "machine", NULL, NULL, def->machineOrigin, input);
    }

    for (k = 0; k < VD_DEVICE_LAST; k++) {
        for (i = 0; i < def->devices[k]->len; i++) {
            vdDevice *dev = g_ptr_array_index(def->devices[k], i);
            const char *key;

            if (dev->removed || !vdDeviceIsSupplied(dev))
                continue;
            key = g_hash_table_lookup(keys, dev);
            if (dev->origin) {
                vdStampEntry(stamp, ns, "device", key, NULL, dev->origin, NULL);
                continue;
            }
            for (p = 0; p < VD_PROP_LAST; p++) {
                if (dev->propOrigin[p] && dev->props[p])
                    vdStampEntry(stamp, ns, "prop", key, vdPropTypeToString(p),
                                 dev->propOrigin[p], NULL);
            }
            if (dev->addrOrigin && dev->addr.type != VD_ADDRESS_NONE)
                vdStampEntry(stamp, ns, "prop", key, "address", dev->addrOrigin, NULL);
        }
    }

    if (old) {
        xmlReplaceNode(old, stamp);
        xmlFreeNode(old);
    } else {
        xmlAddChild(metadata, stamp);
    }
    vdStampDropOthers(def->root, stamp);
    xmlReconciliateNs(def->doc, stamp);
    return true;
}
