/*
 * vdprofile.c: the table resolved for one definition
 *
 * The planner never searches the table: it reads a profile, in which the machine
 * type is canonical and every setting already has its rule.  Resolving walks the
 * rules once per (arch, machine, generation); a daemon reading thousands of stored
 * definitions of a few machine types resolves a few profiles.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gi18n-lib.h>
#include <string.h>

#include "engine/vdprofile.h"
#include "util/vderror.h"

#define VD_PROFILE_DEFAULT_ARCH "x86_64"
/* machine.default: whatever the emulator prefers */
#define VD_PROFILE_PREFERRED_MACHINE "preferred"

static void
vdProfileFree(vdProfile *profile)
{
    if (!profile)
        return;
    g_free(profile->arch);
    g_free(profile->machine);
    g_free(profile);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(vdProfile, vdProfileFree);


/* The machine type @written names (an alias or a name), or the table's default for
 * @arch when it names none. */
static bool
vdProfileMachine(const vdTable *table,
                 vdProfile *profile,
                 const char *written,
                 GError **error)
{
    const vdCapsArch *arch;
    const vdCapsMachine *m;
    const char *machine = written;
    const vdFamily *fam;

    if (!(arch = vdTableFindArch(table, profile->arch))) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("No emulator found for arch '%1$s'"), profile->arch);
        return false;
    }
    if (!machine) {
        profile->machineRule = vdTableLookup(table, vdSettingGet(VD_SETTING_MACHINE_DEFAULT)->name,
                                             profile->generation, profile->arch, NULL, NULL);
        if (!profile->machineRule) {
            g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                        _("the table gives no default machine type for arch '%1$s'"),
                        profile->arch);
            return false;
        }
        machine = profile->machineRule->value;
        /* libvirt's own choice: the machine the emulator lists first */
        if (g_str_equal(machine, VD_PROFILE_PREFERRED_MACHINE) && arch->machines->len > 0)
            machine = ((vdCapsMachine *)g_ptr_array_index(arch->machines, 0))->name;
    }
    if (!(m = vdCapsArchFindMachine(arch, machine))) {
        g_set_error(error, VD_ERROR, VD_ERROR_UNSUPPORTED,
                    _("Emulator '%1$s' does not support machine type '%2$s'"),
                    arch->emulator, machine);
        return false;
    }
    if (profile->machineRule)
        profile->machineOrigin = profile->machineRule->id;
    else if (!g_str_equal(m->name, machine))
        profile->machineOrigin = "libvirt.machine-canonical";
    profile->machine = g_strdup(m->name);
    profile->emulator = arch->emulator;
    profile->caps = arch;
    profile->maxCpus = m->maxCpus;
    fam = vdTableFindFamily(table, profile->arch, profile->machine);
    profile->family = fam ? fam->name : NULL;
    return true;
}


static vdProfile *
vdProfileNew(const vdTable *table,
             const char *arch,
             const char *machine,
             unsigned int generation,
             GError **error)
{
    g_autoptr(vdProfile) profile = g_new0(vdProfile, 1);
    size_t s;

    if (!vdTableFindGeneration(table, generation)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("generation %1$u is not defined by the table"), generation);
        return NULL;
    }
    profile->generation = generation;
    profile->archDefaulted = !arch;
    profile->arch = g_strdup(arch ? arch : VD_PROFILE_DEFAULT_ARCH);
    if (!vdProfileMachine(table, profile, machine, error))
        return NULL;
    for (s = 0; s < VD_SETTING_LAST; s++)
        profile->rules[s] = vdTableLookup(table, vdSettingGet(s)->name, generation,
                                          profile->arch, profile->family, profile->machine);
    return g_steal_pointer(&profile);
}


const vdProfile *
vdProfileResolve(const vdTable *table,
                 const char *arch,
                 const char *machine,
                 unsigned int generation,
                 GError **error)
{
    /* the cache belongs to the table, which callers hold const: it is the one
     * thing resolving writes, under the table's lock */
    vdTable *cache = (vdTable *)table;
    g_autofree char *key = g_strdup_printf("%s%c%s%c%u", arch ? arch : "", 0x1f,
                                           machine ? machine : "", 0x1f, generation);
    vdProfile *profile;

    g_mutex_lock(&cache->profilesLock);
    if (!cache->profiles || !(profile = g_hash_table_lookup(cache->profiles, key))) {
        /* refusals are not cached: they are rare, and their message names the input */
        if ((profile = vdProfileNew(table, arch, machine, generation, error))) {
            if (!cache->profiles)
                cache->profiles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                        (GDestroyNotify)vdProfileFree);
            g_hash_table_insert(cache->profiles, g_steal_pointer(&key), profile);
        }
    }
    g_mutex_unlock(&cache->profilesLock);
    return profile;
}


const vdRule *
vdProfileRule(const vdProfile *profile,
              vdSetting setting)
{
    return setting < VD_SETTING_LAST ? profile->rules[setting] : NULL;
}


const char *
vdProfileGet(const vdProfile *profile,
             vdSetting setting)
{
    const vdRule *r = vdProfileRule(profile, setting);

    return r ? r->value : NULL;
}


bool
vdProfileIs(const vdProfile *profile,
            vdSetting setting,
            const char *value)
{
    return g_strcmp0(vdProfileGet(profile, setting), value) == 0;
}


unsigned int
vdProfileUInt(const vdProfile *profile,
              vdSetting setting,
              unsigned int dflt)
{
    const char *v = vdProfileGet(profile, setting);

    return v ? (unsigned int)g_ascii_strtoull(v, NULL, 10) : dflt;
}


/* The next word of the space-separated @*list, and its length in @len; NULL at the
 * end.  Moves @*list past it. */
static const char *
vdProfileNextWord(const char **list,
                  size_t *len)
{
    const char *word;

    if (!*list)
        return NULL;
    *list += strspn(*list, " ");
    if (!**list)
        return NULL;
    word = *list;
    *len = strcspn(word, " ");
    *list += *len;
    return word;
}


/* Whether the list setting @list ("isa hyperv") names @word. */
bool
vdProfileListHas(const char *list,
                 const char *word)
{
    size_t len = word ? strlen(word) : 0;
    const char *w;
    size_t n;

    while (word && (w = vdProfileNextWord(&list, &n))) {
        if (n == len && strncmp(w, word, n) == 0)
            return true;
    }
    return false;
}


/* In a list setting of "name=value" items ("ide=1.1 usb=1.2"), the value of the
 * @nth item called @name, and its length; NULL when there is none. */
const char *
vdProfileItem(const char *list,
              const char *name,
              guint nth,
              size_t *len)
{
    size_t nlen = strlen(name);
    const char *w;
    size_t n;

    while ((w = vdProfileNextWord(&list, &n))) {
        if (n > nlen && w[nlen] == '=' && strncmp(w, name, nlen) == 0 && nth-- == 0) {
            *len = n - nlen - 1;
            return w + nlen + 1;
        }
    }
    return NULL;
}
