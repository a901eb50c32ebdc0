/*
 * qemu_defaults.c: the QEMU driver's use of libvirt-defaults
 *
 * Every domain definition the driver parses passes through here before
 * libvirt's parser sees it.  Why it is parsed (the parse flags) decides the
 * engine's context: a define or create is 'new', or 'update' of the domain
 * already known by that UUID or name; a config read back at start or reload
 * is 'load'; a migration is 'migrate'; a save image or snapshot is
 * 'restore'; an owner's VIR_DOMAIN_DEFINE_DEFAULTS_UPGRADE is 'upgrade'.
 * Status XML is left alone, and so is any other parse (libvirt's internal
 * copies), except with defaults_engine_only, where it is 'parse': with libvirt's
 * own defaults off, what libvirt fills in on every parse is the engine's to do.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <libvirt-defaults.h>

#include "qemu_capabilities.h"
#include "qemu_defaults.h"
#include "qemu_domain.h"
#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.qemu_defaults");

/* The table is read-only once loaded and shared by every thread. */
static vdDefaults *qemuDefaultsTable;

static int
qemuDefaultsOnceInit(void)
{
    g_autoptr(GError) err = NULL;

    if (!(qemuDefaultsTable = vdDefaultsNew(&err))) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("cannot load the defaults table: %s"), err->message);
        return -1;
    }
    return 0;
}

VIR_ONCE_GLOBAL_INIT(qemuDefaults);


/* The defaults for guests of one emulator: its machine types and capabilities in
 * place of the built-in QEMU 7.2 profile, made once per capabilities object of
 * libvirt's cache.  The cache hands out a new object when it finds a binary
 * changed; the entry of the old one stays, as another thread may be using it,
 * until the daemon ends.  */
static GMutex qemuDefaultsEmulatorsLock;
static GHashTable *qemuDefaultsEmulators;   /* virQEMUCaps * (a reference) -> vdDefaults * */


static void
qemuDefaultsEmulatorUnref(void *qemuCaps)
{
    virObjectUnref(qemuCaps);
}


/* The binary a definition runs on: its <emulator>, or libvirt's choice for its
 * architecture. */
static char *
qemuDefaultsEmulatorPath(virQEMUDriver *driver,
                         xmlXPathContextPtr ctxt)
{
    g_autofree char *emulator = virXPathString("string(./devices/emulator[1])", ctxt);
    g_autofree char *archstr = NULL;
    virArch arch = driver->hostarch;

    if (emulator && *emulator)
        return g_steal_pointer(&emulator);
    archstr = virXPathString("string(./os/type[1]/@arch)", ctxt);
    if (archstr && *archstr && (arch = virArchFromString(archstr)) == VIR_ARCH_NONE)
        return NULL;
    return virQEMUCapsGetDefaultEmulator(driver->hostarch, arch);
}


/* The defaults for the emulator of @ctxt's definition; the built-in ones when
 * libvirt knows no capabilities for it (libvirt reports that itself, once it
 * parses). */
static vdDefaults *
qemuDefaultsForEmulator(virQEMUDriver *driver,
                        xmlXPathContextPtr ctxt)
{
    g_autofree char *binary = qemuDefaultsEmulatorPath(driver, ctxt);
    g_autoptr(virQEMUCaps) qemuCaps = NULL;
    g_autoptr(GMutexLocker) locker = NULL;
    g_autofree char *xml = NULL;
    g_autoptr(GError) err = NULL;
    vdDefaults *defaults;

    if (!binary || !(qemuCaps = virQEMUCapsCacheLookup(driver->qemuCapsCache, binary))) {
        virResetLastError();
        return qemuDefaultsTable;
    }
    locker = g_mutex_locker_new(&qemuDefaultsEmulatorsLock);
    if (!qemuDefaultsEmulators)
        qemuDefaultsEmulators = g_hash_table_new_full(NULL, NULL, qemuDefaultsEmulatorUnref,
                                                      (GDestroyNotify)vdDefaultsFree);
    if ((defaults = g_hash_table_lookup(qemuDefaultsEmulators, qemuCaps)))
        return defaults;
    if (!(xml = virQEMUCapsFormat(qemuCaps)) ||
        !(defaults = vdDefaultsNewForEmulator(qemuDefaultsTable, xml, -1, &err))) {
        VIR_WARN("the defaults engine cannot read the capabilities of '%s': %s",
                 binary, err ? err->message : "");
        virResetLastError();
        return qemuDefaultsTable;
    }
    g_hash_table_insert(qemuDefaultsEmulators, g_steal_pointer(&qemuCaps), defaults);
    return defaults;
}


/* Whether libvirt's own defaults are off for a parse with @parseFlags: with
 * defaults_engine_only, but for the second check's parse (qemuDefaultsParsed()). */
bool
qemuDefaultsEngineOnly(virQEMUDriver *driver,
                       unsigned int parseFlags)
{
    g_autoptr(virQEMUDriverConfig) cfg = NULL;

    if (!driver || (parseFlags & VIR_DOMAIN_DEF_PARSE_DEFAULTS_CHECK))
        return false;
    cfg = virQEMUDriverGetConfig(driver);
    return cfg->defaultsEngineOnly;
}


/* The definition of the domain @ctxt's definition would replace, as a
 * document in @stored (NULL when there is none).  Returns -1 on error. */
static int
qemuDefaultsStoredDoc(virQEMUDriver *driver,
                      xmlXPathContextPtr ctxt,
                      xmlDocPtr *stored)
{
    g_autofree char *uuidstr = virXPathString("string(./uuid[1])", ctxt);
    g_autofree char *name = virXPathString("string(./name[1])", ctxt);
    g_autofree char *xml = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virDomainObj *vm = NULL;
    virDomainDef *def;

    *stored = NULL;
    if (!driver->domains)
        return 0;
    if (uuidstr && virUUIDParse(uuidstr, uuid) == 0)
        vm = virDomainObjListFindByUUID(driver->domains, uuid);
    if (!vm && name)
        vm = virDomainObjListFindByName(driver->domains, name);
    if (!vm)
        return 0;

    def = vm->newDef ? vm->newDef : vm->def;
    xml = virDomainDefFormat(def, driver->xmlopt,
                             VIR_DOMAIN_DEF_FORMAT_INACTIVE |
                             VIR_DOMAIN_DEF_FORMAT_SECURE);
    virDomainObjEndAPI(&vm);
    if (!xml)
        return -1;
    if (!(*stored = virXMLParse(NULL, xml, _("(stored domain definition)"), "domain",
                                NULL, NULL, false)))
        return -1;
    return 0;
}


static bool
qemuDefaultsContext(virQEMUDriverConfig *cfg,
                    unsigned int parseFlags,
                    vdContext *ctx)
{
    if (parseFlags & VIR_DOMAIN_DEF_PARSE_STATUS)
        return false;
    if (parseFlags & VIR_DOMAIN_DEF_PARSE_DEFAULTS_UPGRADE)
        *ctx = VD_CONTEXT_UPGRADE;
    else if (parseFlags & VIR_DOMAIN_DEF_PARSE_MIGRATING)
        *ctx = VD_CONTEXT_MIGRATE;
    else if (parseFlags & VIR_DOMAIN_DEF_PARSE_RESTORE)
        *ctx = VD_CONTEXT_RESTORE;
    else if (parseFlags & VIR_DOMAIN_DEF_PARSE_CONFIG_RELOAD)
        *ctx = VD_CONTEXT_LOAD;
    else if (parseFlags & VIR_DOMAIN_DEF_PARSE_ABI_UPDATE)
        *ctx = VD_CONTEXT_NEW;
    else if (cfg->defaultsEngineOnly)
        /* libvirt's own copies and any other parse: with libvirt's defaults
         * off, the engine fills in what libvirt would on every parse */
        *ctx = VD_CONTEXT_PARSE;
    else
        return false;
    return true;
}


/* What of qemu.conf and the daemon's environment the engine's defaults consult,
 * read at every parse as libvirt's own code does. */
static void
qemuDefaultsHostSettings(virQEMUDriverConfig *cfg,
                         vdHostSettings *host)
{
    host->channelTargetDir = cfg->channelTargetDir;
    host->vncAllowHostAudio = cfg->vncAllowHostAudio;
    host->nogfxAllowHostAudio = cfg->nogfxAllowHostAudio;
    host->audioDriver = g_getenv("QEMU_AUDIO_DRV");
    host->sdlAudioDriver = g_getenv("SDL_AUDIODRIVER");
}


/* Whether the definition has consoles, and whether the first is serial[0] seen as a
 * console (no target type is one). */
static bool
qemuDefaultsSerialConsoleFirst(xmlXPathContextPtr ctxt,
                               bool *any)
{
    g_autofree char *type = NULL;

    if (!(*any = virXPathBoolean("count(./devices/console) > 0", ctxt) == 1))
        return false;
    type = virXPathString("string(./devices/console[1]/target/@type)", ctxt);
    return !type || !*type || STREQ(type, "serial");
}


/* libvirt's parser numbers consoles by their place in the document, and puts the
 * console for serial[0] in front of them itself once they are numbered (with its
 * implicit devices, so not with defaults_engine_only).  Where the definition had
 * consoles of its own and the engine put that stub in front of them, the stub goes
 * again, or libvirt would number those consoles one higher than stock does; libvirt
 * adds it back as it parses. */
static void
qemuDefaultsDropConsoleStub(xmlXPathContextPtr ctxt)
{
    xmlNodePtr stub = virXPathNode("./devices/console[1]", ctxt);

    if (!stub)
        return;
    xmlUnlinkNode(stub);
    xmlFreeNode(stub);
}


/* libvirt's class of error for the engine's: a definition that is not valid is
 * an XML error, one the defaults cannot satisfy an unsupported configuration. */
static int
qemuDefaultsErrorCode(const GError *err)
{
    if (err->domain != VD_ERROR)
        return VIR_ERR_INTERNAL_ERROR;
    switch ((vdErrorCode)err->code) {
    case VD_ERROR_INVALID:
        return VIR_ERR_XML_ERROR;
    case VD_ERROR_UNSUPPORTED:
    case VD_ERROR_ABI:
        return VIR_ERR_CONFIG_UNSUPPORTED;
    case VD_ERROR_INTERNAL:
    case VD_ERROR_TABLE:
    case VD_ERROR_IO:
    case VD_ERROR_NOT_FOUND:
        break;
    }
    return VIR_ERR_INTERNAL_ERROR;
}


/* An explicit upgrade moves to the generation the new text's stamp names when
 * that differs from the stored one (an older one is then refused), or else to
 * the one new definitions get. */
static unsigned int
qemuDefaultsUpgradeTarget(xmlNodePtr domain,
                          xmlDocPtr stored,
                          unsigned int newGeneration)
{
    gboolean stamped = FALSE;
    unsigned int claimed = vdDefaultsStampedGeneration(domain, &stamped);
    unsigned int from = vdDefaultsStampedGeneration(xmlDocGetRootElement(stored), NULL);

    if (stamped && claimed != from)
        return claimed;
    if (newGeneration)
        return newGeneration;
    return vdDefaultsCurrentGeneration(qemuDefaultsTable);
}


int
qemuDefaultsParseXML(xmlXPathContextPtr ctxt,
                     unsigned int parseFlags,
                     void *opaque,
                     void *parseOpaque G_GNUC_UNUSED)
{
    virQEMUDriver *driver = opaque;
    g_autoptr(virQEMUDriverConfig) cfg = virQEMUDriverGetConfig(driver);
    g_autoptr(xmlDoc) stored = NULL;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) warnings = NULL;
    g_autofree char *name = NULL;
    vdHostSettings host;
    bool dropStub = false;
    bool consoles;
    unsigned int generation = cfg->defaultsGeneration;
    unsigned int flags = 0;
    vdContext ctx;
    size_t i;

    if (!cfg->defaultsEngine || (parseFlags & VIR_DOMAIN_DEF_PARSE_DEFAULTS_CHECK) ||
        !qemuDefaultsContext(cfg, parseFlags, &ctx))
        return 0;
    if (qemuDefaultsInitialize() < 0)
        return -1;

    if (ctx == VD_CONTEXT_NEW || ctx == VD_CONTEXT_UPGRADE) {
        if (qemuDefaultsStoredDoc(driver, ctxt, &stored) < 0)
            return -1;
        if (!stored)
            ctx = VD_CONTEXT_NEW;
        else if (ctx == VD_CONTEXT_NEW)
            ctx = VD_CONTEXT_UPDATE;
    }

    /* only new definitions and upgrades get it: a mistake in qemu.conf must not
     * keep the daemon from reading back the guests it has */
    if ((ctx == VD_CONTEXT_NEW || ctx == VD_CONTEXT_UPGRADE) &&
        generation && !vdDefaultsHasGeneration(qemuDefaultsTable, generation)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("defaults_generation %u in qemu.conf is not a generation this build knows (newest: %u)"),
                       generation, vdDefaultsCurrentGeneration(qemuDefaultsTable));
        return -1;
    }

    switch (ctx) {
    case VD_CONTEXT_NEW:
        /* a stamped definition (another host's guest) keeps its generation */
        flags |= VD_DEFAULTS_KEEP_STAMP;
        break;
    case VD_CONTEXT_UPGRADE: {
        unsigned int from = vdDefaultsStampedGeneration(xmlDocGetRootElement(stored), NULL);

        generation = qemuDefaultsUpgradeTarget(ctxt->node, stored, generation);
        if (generation < from) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("domain is generation %u of the defaults: moving it to generation %u is a downgrade, which is refused"),
                           from, generation);
            return -1;
        }
        if (generation == from)
            ctx = VD_CONTEXT_UPDATE;
        break;
    }
    case VD_CONTEXT_UPDATE:
    case VD_CONTEXT_LOAD:
    case VD_CONTEXT_MIGRATE:
    case VD_CONTEXT_RESTORE:
    case VD_CONTEXT_PARSE:
    case VD_CONTEXT_LAST:
        break;
    }
    if (cfg->defaultsUnstamped)
        flags |= VD_DEFAULTS_NO_STAMP;
    if (!(parseFlags & VIR_DOMAIN_DEF_PARSE_INACTIVE))
        flags |= VD_DEFAULTS_LIVE;
    qemuDefaultsHostSettings(cfg, &host);

    /* only a completion adds the stub, and libvirt puts its own back unless
     * defaults_engine_only keeps it from adding devices */
    if ((ctx == VD_CONTEXT_NEW || ctx == VD_CONTEXT_UPDATE || ctx == VD_CONTEXT_UPGRADE) &&
        !cfg->defaultsEngineOnly)
        dropStub = !qemuDefaultsSerialConsoleFirst(ctxt, &consoles) && consoles;
    if (!vdDefaultsCompleteHost(qemuDefaultsForEmulator(driver, ctxt), ctxt->node, stored, ctx,
                                generation, flags, &host, &warnings, &err)) {
        /* what libvirt's parser would refuse too is the parser's to say */
        virReportError(qemuDefaultsErrorCode(err), "%s", err->message);
        return VIR_DOMAIN_DEF_PARSE_CALLBACK_REFUSED;
    }
    if (dropStub && qemuDefaultsSerialConsoleFirst(ctxt, &consoles))
        qemuDefaultsDropConsoleStub(ctxt);

    name = virXPathString("string(./name[1])", ctxt);
    for (i = 0; warnings && warnings[i]; i++)
        VIR_WARN("domain '%s' (%s): %s", NULLSTR(name), vdContextToString(ctx), warnings[i]);

    /* a completed document has its controllers where the definition keeps them */
    if (ctx == VD_CONTEXT_NEW || ctx == VD_CONTEXT_UPDATE || ctx == VD_CONTEXT_UPGRADE ||
        ctx == VD_CONTEXT_PARSE)
        return 1;
    return 0;
}


/* The first line where @a and @b differ, as "'A' becomes 'B'". */
static char *
qemuDefaultsFirstDifference(const char *a,
                            const char *b)
{
    g_auto(GStrv) la = g_strsplit(a, "\n", -1);
    g_auto(GStrv) lb = g_strsplit(b, "\n", -1);
    size_t i;

    for (i = 0; la[i] && lb[i] && STREQ(la[i], lb[i]); i++)
        ;
    return g_strdup_printf("'%s' becomes '%s'",
                           la[i] ? g_strstrip(la[i]) : "", lb[i] ? g_strstrip(lb[i]) : "");
}


/* The second check, for tests and audits: with the engine in charge, a definition
 * parsed again with libvirt's own default-adding code on must come out the same.
 * What libvirt would still add or change is reported as an error, naming it. */
int
qemuDefaultsParsed(const virDomainDef *def,
                   unsigned int parseFlags,
                   void *opaque,
                   void *parseOpaque)
{
    virQEMUDriver *driver = opaque;
    g_autoptr(virQEMUDriverConfig) cfg = virQEMUDriverGetConfig(driver);
    unsigned int formatFlags = VIR_DOMAIN_DEF_FORMAT_SECURE;
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;
    g_autofree char *diff = NULL;

    if (!cfg->defaultsEngine || !cfg->defaultsEngineOnly || !cfg->defaultsCheck ||
        (parseFlags & (VIR_DOMAIN_DEF_PARSE_DEFAULTS_CHECK | VIR_DOMAIN_DEF_PARSE_STATUS)))
        return 0;
    if (parseFlags & VIR_DOMAIN_DEF_PARSE_INACTIVE)
        formatFlags |= VIR_DOMAIN_DEF_FORMAT_INACTIVE;
    if (!(first = virDomainDefFormat((virDomainDef *)def, driver->xmlopt, formatFlags)) ||
        !(again = virDomainDefParseString(first, driver->xmlopt, parseOpaque,
                                          parseFlags | VIR_DOMAIN_DEF_PARSE_DEFAULTS_CHECK)) ||
        !(second = virDomainDefFormat(again, driver->xmlopt, formatFlags)))
        return -1;
    if (STREQ(first, second))
        return 0;
    diff = qemuDefaultsFirstDifference(first, second);
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("after the defaults engine, libvirt's own defaults would still change the definition: %s"),
                   diff);
    return -1;
}
