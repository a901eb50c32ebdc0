/*
 * vdxml.c: safe XML parsing and libvirt-style formatting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/vderror.h"
#include "util/vdxml.h"

static void
vdXMLSilence(void *ctx, const char *msg, ...)
{
}


/* What one parse learns besides the document, kept in the parser context's _private
 * (libxml2 never touches it). */
typedef struct {
    bool doctype;         /* a document type declaration was met: the parse stopped */
    bool haveFirst;
    int firstLine;        /* the first fatal error, as xmllint and virsh report it */
    char *firstMessage;
} vdXMLParseState;


/* libxml2 goes on after a well-formedness error and ctxt->lastError ends up holding
 * the last of a cascade ("Premature end of data" for a tag mismatch ten lines up);
 * keep the first one. */
static void
vdXMLRecordError(void *ctx,
                 xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    vdXMLParseState *state = ctxt ? ctxt->_private : NULL;

    if (!state || !e || state->haveFirst || e->level != XML_ERR_FATAL)
        return;
    state->haveFirst = true;
    state->firstLine = e->line;
    state->firstMessage = g_strdup(e->message ? e->message : "");
}


/* One line: libxml2's messages end in a newline and some carry a second line
 * ("Bytes: 0xFF 0xFE ..." after an encoding error). */
static char *
vdXMLOneLine(const char *msg)
{
    char *ret = g_strstrip(g_strdup(msg && *msg ? msg : "unknown error"));
    char *p;

    for (p = ret; *p; p++) {
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    }
    return ret;
}


/* A document type declaration in an encoding the byte scan below cannot see still
 * reaches the parser: stop it there, before any entity is declared. */
static void
vdXMLRefuseDoctype(void *ctx,
                   const xmlChar *name,
                   const xmlChar *externalID,
                   const xmlChar *systemID)
{
    xmlParserCtxtPtr ctxt = ctx;
    vdXMLParseState *state = ctxt->_private;

    state->doctype = true;
    xmlStopParser(ctxt);
}


/* A domain definition never needs a document type declaration; refusing it outright
 * closes entity expansion (billion laughs) and external entities in one place. */
static bool
vdXMLHasDoctype(const char *buf, gsize len)
{
    static const char needle[] = "<!DOCTYPE";
    static const char needle2[] = "<!ENTITY";
    gsize i;

    for (i = 0; i + sizeof(needle2) - 1 <= len; i++) {
        if (buf[i] != '<' || buf[i + 1] != '!')
            continue;
        if (i + sizeof(needle) - 1 <= len && memcmp(buf + i, needle, sizeof(needle) - 1) == 0)
            return true;
        if (memcmp(buf + i, needle2, sizeof(needle2) - 1) == 0)
            return true;
    }
    return false;
}


static void
vdXMLDoctypeError(const char *name,
                  GError **error)
{
    g_set_error(error, VD_ERROR, VD_ERROR_XML,
                _("%1$s: document type and entity declarations are not allowed"), name);
}


/* What is refused before libxml2 sees the bytes: too large, empty, a NUL byte, a
 * document type declaration. */
static bool
vdXMLPrecheck(const char *buf,
              gsize len,
              const char *name,
              GError **error)
{
    const char *nul;

    if (len > VD_XML_MAX_SIZE) {
        g_set_error(error, VD_ERROR, VD_ERROR_XML,
                    _("%1$s: document is %2$lu bytes, more than the limit of %3$d"),
                    name, (unsigned long)len, VD_XML_MAX_SIZE);
        return false;
    }
    if (len == 0 || !buf) {
        g_set_error(error, VD_ERROR, VD_ERROR_XML, _("%1$s: document is empty"), name);
        return false;
    }
    /* XML has no character 0; libxml2 stops reading at one, so whatever follows it
     * (junk after </domain>) would go unseen */
    if ((nul = memchr(buf, '\0', len))) {
        gsize line = 1;
        const char *p;

        for (p = buf; p < nul; p++)
            line += *p == '\n';
        g_set_error(error, VD_ERROR, VD_ERROR_XML,
                    _("%1$s:%2$lu: malformed XML: a NUL byte (character 0x0 is not allowed in XML)"),
                    name, (unsigned long)line);
        return false;
    }
    if (vdXMLHasDoctype(buf, len)) {
        vdXMLDoctypeError(name, error);
        return false;
    }
    return true;
}


/* libxml2's parse of @buf, silent, with the first error it reports kept for the
 * message. */
static xmlDocPtr
vdXMLRead(const char *buf,
          gsize len,
          const char *name,
          GError **error)
{
    xmlParserCtxtPtr ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    xmlGenericErrorFunc oldError;
    void *oldErrorCtx;
    vdXMLParseState state = { 0 };
    bool ok = false;

    if (!(ctxt = xmlNewParserCtxt())) {
        g_set_error(error, VD_ERROR, VD_ERROR_INTERNAL, _("cannot allocate an XML parser"));
        return NULL;
    }
    ctxt->sax->warning = vdXMLSilence;
    ctxt->sax->error = vdXMLSilence;
    ctxt->vctxt.error = vdXMLSilence;
    ctxt->vctxt.warning = vdXMLSilence;
    ctxt->sax->internalSubset = vdXMLRefuseDoctype;
    ctxt->sax->serror = vdXMLRecordError;
    ctxt->_private = &state;

    /* Nothing outside the document is ever loaded: a document type declaration was
     * refused above, so no entity or DTD can be referenced, and NONET closes the
     * network.  libxml2's entity loader is process-wide, so it is left alone: a
     * daemon parses on many threads at once.  The generic error handler is
     * per-thread in libxml2; keep it quiet for this parse only. */
    oldErrorCtx = xmlGenericErrorContext;
    oldError = xmlGenericError;
    xmlSetGenericErrorFunc(NULL, vdXMLSilence);
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING |
                            XML_PARSE_NOERROR);
    xmlSetGenericErrorFunc(oldErrorCtx, oldError);
    ctxt->_private = NULL;
    if (state.doctype) {
        vdXMLDoctypeError(name, error);
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *e = &ctxt->lastError;
        g_autofree char *msg = vdXMLOneLine(state.haveFirst ? state.firstMessage : e->message);

        g_set_error(error, VD_ERROR, VD_ERROR_XML,
                    _("%1$s:%2$d: malformed XML: %3$s"), name,
                    state.haveFirst ? state.firstLine : e->line, msg);
    } else {
        ok = true;
    }
    xmlFreeParserCtxt(ctxt);
    g_free(state.firstMessage);
    return ok ? g_steal_pointer(&doc) : NULL;
}


xmlDocPtr
vdXMLParse(const char *buf,
           gsize len,
           const char *filename,
           const char *rootName,
           GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNodePtr root;
    const char *name = filename ? filename : "(stdin)";

    if (!vdXMLPrecheck(buf, len, name, error) ||
        !(doc = vdXMLRead(buf, len, name, error)))
        return NULL;

    if (doc->intSubset || doc->extSubset) {
        vdXMLDoctypeError(name, error);
        return NULL;
    }

    root = xmlDocGetRootElement(doc);
    if (rootName && (!root || !vdXMLNameIs(root, rootName))) {
        g_set_error(error, VD_ERROR, VD_ERROR_XML,
                    _("%1$s:%2$d: expected a <%3$s> document, found <%4$s>"),
                    name, root ? (int)xmlGetLineNo(root) : 1, rootName,
                    root ? (const char *)root->name : "");
        return NULL;
    }

    return g_steal_pointer(&doc);
}


/* Read all of @fd as a stream: a pipe, a terminal, /dev/stdin, <(...) and regular
 * files alike.  Never mapped: a file truncated under a mapping kills the reader with
 * SIGBUS, while read() just returns less, which is caught below.  Stops reading a
 * little past VD_XML_MAX_SIZE, which vdXMLParse() then refuses. */
char *
vdXMLReadFd(int fd,
            const char *name,
            gsize *len,
            GError **error)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    char chunk[65536];
    struct stat before;
    struct stat after;
    bool regular;

    regular = fstat(fd, &before) == 0 && S_ISREG(before.st_mode);
    if (regular && before.st_size > VD_XML_MAX_SIZE) {
        g_set_error(error, VD_ERROR, VD_ERROR_XML,
                    _("%1$s: document is %2$lu bytes, more than the limit of %3$d"),
                    name, (unsigned long)before.st_size, VD_XML_MAX_SIZE);
        return NULL;
    }
    while (buf->len <= VD_XML_MAX_SIZE) {
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot read '%1$s': %2$s"), name,
                        g_strerror(errno));
            return NULL;
        }
        if (n == 0)
            break;
        g_string_append_len(buf, chunk, n);
    }
    /* a regular file must end where it ended when we started: one truncated or
     * rewritten in place meanwhile gave us half of something */
    if (regular && buf->len <= VD_XML_MAX_SIZE &&
        ((gsize)before.st_size != buf->len || fstat(fd, &after) < 0 ||
         after.st_size != before.st_size)) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO,
                    _("cannot read '%1$s': the file changed while it was being read"), name);
        return NULL;
    }
    *len = buf->len;
    return g_string_free(g_steal_pointer(&buf), FALSE);
}


/* Read @path, or standard input for "-", as vdXMLReadFd() does. */
char *
vdXMLReadFile(const char *path,
              gsize *len,
              GError **error)
{
    char *ret;
    int fd;

    if (g_str_equal(path, "-"))
        return vdXMLReadFd(STDIN_FILENO, "(stdin)", len, error);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
        g_set_error(error, VD_ERROR, VD_ERROR_IO, _("cannot read '%1$s': %2$s"), path,
                    g_strerror(errno));
        return NULL;
    }
    ret = vdXMLReadFd(fd, path, len, error);
    close(fd);
    return ret;
}


xmlDocPtr
vdXMLParseFile(const char *path,
               const char *rootName,
               GError **error)
{
    g_autofree char *buf = NULL;
    gsize len = 0;

    if (!(buf = vdXMLReadFile(path, &len, error)))
        return NULL;
    return vdXMLParse(buf, len, g_str_equal(path, "-") ? NULL : path, rootName, error);
}


bool
vdXMLNameIs(xmlNodePtr node,
            const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
        g_str_equal((const char *)node->name, name);
}


xmlNodePtr
vdXMLNextElement(xmlNodePtr node)
{
    for (node = node ? node->next : NULL; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE)
            return node;
    }
    return NULL;
}


xmlNodePtr
vdXMLFirstElement(xmlNodePtr node)
{
    xmlNodePtr n;

    for (n = node ? node->children : NULL; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE)
            return n;
    }
    return NULL;
}


xmlNodePtr
vdXMLChild(xmlNodePtr node,
           const char *name)
{
    xmlNodePtr n;

    for (n = node ? node->children : NULL; n; n = n->next) {
        if (vdXMLNameIs(n, name))
            return n;
    }
    return NULL;
}


/* The value of the attribute @name (in no namespace) of @node, as xmlGetNoNsProp()
 * reads it, or NULL.  Most values are one text node, read where it stands; any other
 * is put together in *@owned, which the caller frees.  Reading is the view's most
 * frequent call: a copy per read would cost more than the read. */
static const char *
vdXMLPropRef(xmlNodePtr node,
             const char *name,
             xmlChar **owned)
{
    xmlAttrPtr a;

    *owned = NULL;
    if (!node || node->type != XML_ELEMENT_NODE)
        return NULL;
    for (a = node->properties; a; a = a->next) {
        if (!a->ns && g_str_equal((const char *)a->name, name))
            break;
    }
    if (!a)
        return NULL;
    if (!a->children)
        return "";
    if (!a->children->next &&
        (a->children->type == XML_TEXT_NODE || a->children->type == XML_CDATA_SECTION_NODE))
        return (const char *)a->children->content;
    *owned = xmlGetNoNsProp(node, (const xmlChar *)name);
    return (const char *)*owned;
}


char *
vdXMLPropGet(xmlNodePtr node,
             const char *name)
{
    xmlChar *owned;
    char *ret = g_strdup(vdXMLPropRef(node, name, &owned));

    xmlFree(owned);
    return ret;
}


bool
vdXMLPropIs(xmlNodePtr node,
            const char *name,
            const char *value)
{
    xmlChar *owned;
    const char *v = vdXMLPropRef(node, name, &owned);
    bool ret = v && g_str_equal(v, value);

    xmlFree(owned);
    return ret;
}


/* Returns 1 when found, 0 when absent, -1 on a malformed value (error set). */
int
vdXMLPropUInt(xmlNodePtr node,
              const char *name,
              unsigned int *value,
              GError **error)
{
    g_autofree char *v = vdXMLPropGet(node, name);
    guint64 n = 0;
    const char *s;
    guint base = 10;

    if (!v)
        return 0;
    s = v;
    if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X")) {
        s += 2;
        base = 16;
    }
    if (!*s || !g_ascii_string_to_unsigned(s, base, 0, G_MAXUINT, &n, NULL)) {
        g_set_error(error, VD_ERROR, VD_ERROR_INVALID,
                    _("line %1$ld: invalid value '%2$s' for attribute '%3$s' of <%4$s>"),
                    xmlGetLineNo(node), v, name, (const char *)node->name);
        return -1;
    }
    *value = (unsigned int)n;
    return 1;
}


/* @value in decimal, or for @hexDigits > 0 as "0x" and at least that many lowercase
 * hex digits: the forms libvirt writes numbers in.  Written at the end of @buf;
 * returns where it starts.  printf costs more than the rest of writing an attribute. */
const char *
vdXMLNumber(char buf[VD_XML_NUMBER_LEN],
            guint64 value,
            int hexDigits)
{
    static const char digits[] = "0123456789abcdef";
    char *p = buf + VD_XML_NUMBER_LEN - 1;
    guint base = hexDigits > 0 ? 16 : 10;
    int n = 0;

    *p = '\0';
    do {
        *--p = digits[value % base];
        value /= base;
        n++;
    } while ((value || n < hexDigits) && p > buf + 2);
    if (hexDigits > 0) {
        *--p = 'x';
        *--p = '0';
    }
    return p;
}


/* Append the attribute @name = vdXMLNumber(@value, @hexDigits) to @node, which has
 * none of that name yet. */
void
vdXMLAddPropNumber(xmlNodePtr node,
                   const char *name,
                   guint64 value,
                   int hexDigits)
{
    char buf[VD_XML_NUMBER_LEN];

    xmlNewProp(node, (const xmlChar *)name, (const xmlChar *)vdXMLNumber(buf, value, hexDigits));
}


char *
vdXMLContent(xmlNodePtr node)
{
    xmlChar *c;
    char *ret;

    if (!node || !(c = xmlNodeGetContent(node)))
        return NULL;
    ret = g_strdup((const char *)c);
    xmlFree(c);
    return ret;
}


/* Put the attributes that @order names first, in that order; the rest keep theirs. */
void
vdXMLSortAttrs(xmlNodePtr node,
               const char * const *order)
{
    xmlAttrPtr head = NULL;
    xmlAttrPtr tail = NULL;
    size_t i;

    for (i = 0; order[i]; i++) {
        xmlAttrPtr a;

        for (a = node->properties; a; a = a->next) {
            if (!a->ns && g_str_equal((const char *)a->name, order[i]))
                break;
        }
        if (!a)
            continue;
        /* unlink */
        if (a->prev)
            a->prev->next = a->next;
        else
            node->properties = a->next;
        if (a->next)
            a->next->prev = a->prev;
        a->prev = tail;
        a->next = NULL;
        if (tail)
            tail->next = a;
        else
            head = a;
        tail = a;
    }
    if (!head)
        return;
    tail->next = node->properties;
    if (node->properties)
        node->properties->prev = tail;
    node->properties = head;
}


static void
vdXMLEscape(GString *out,
            const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep;

        switch (*s) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        case '"':
            rep = "&quot;";
            break;
        default:
            continue;
        }
        g_string_append_len(out, run, s - run);
        g_string_append(out, rep);
        run = s + 1;
    }
    g_string_append_len(out, run, s - run);
}


static void
vdXMLIndent(GString *out,
            int indent)
{
    static const char spaces[] = "                                                                ";

    while (indent > 0) {
        int n = MIN(indent, (int)sizeof(spaces) - 1);

        g_string_append_len(out, spaces, n);
        indent -= n;
    }
}


static bool
vdXMLIsBlank(xmlNodePtr n)
{
    const char *s;

    if (n->type != XML_TEXT_NODE)
        return false;
    for (s = (const char *)n->content; s && *s; s++) {
        if (!g_ascii_isspace(*s))
            return false;
    }
    return true;
}


static void
vdXMLFormatName(GString *out,
                xmlNodePtr node)
{
    if (node->ns && node->ns->prefix)
        g_string_append_printf(out, "%s:", (const char *)node->ns->prefix);
    g_string_append(out, (const char *)node->name);
}


static void
vdXMLFormatElement(GString *out,
                   xmlNodePtr node,
                   int indent)
{
    xmlNsPtr ns;
    xmlAttrPtr a;
    xmlNodePtr c;
    bool hasElements = false;
    bool hasContent = false;

    vdXMLIndent(out, indent);
    g_string_append_c(out, '<');
    vdXMLFormatName(out, node);
    for (ns = node->nsDef; ns; ns = ns->next) {
        g_string_append(out, " xmlns");
        if (ns->prefix)
            g_string_append_printf(out, ":%s", (const char *)ns->prefix);
        g_string_append(out, "='");
        vdXMLEscape(out, (const char *)ns->href);
        g_string_append_c(out, '\'');
    }
    for (a = node->properties; a; a = a->next) {
        g_string_append_c(out, ' ');
        if (a->ns && a->ns->prefix) {
            g_string_append(out, (const char *)a->ns->prefix);
            g_string_append_c(out, ':');
        }
        g_string_append(out, (const char *)a->name);
        g_string_append(out, "='");
        if (a->children && !a->children->next && a->children->type == XML_TEXT_NODE) {
            /* the usual case: one text node, no need to build a copy */
            vdXMLEscape(out, (const char *)a->children->content);
        } else if (a->children) {
            xmlChar *v = xmlNodeListGetString(node->doc, a->children, 1);

            if (v) {
                vdXMLEscape(out, (const char *)v);
                xmlFree(v);
            }
        }
        g_string_append_c(out, '\'');
    }

    for (c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE)
            hasElements = true;
        else if (c->type == XML_TEXT_NODE && !vdXMLIsBlank(c))
            hasContent = true;
    }

    if (!hasElements && !hasContent) {
        g_string_append(out, "/>\n");
        return;
    }

    if (!hasElements) {
        g_string_append_c(out, '>');
        for (c = node->children; c; c = c->next) {
            if (c->type == XML_TEXT_NODE)
                vdXMLEscape(out, (const char *)c->content);
        }
    } else {
        g_string_append(out, ">\n");
        for (c = node->children; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE) {
                vdXMLFormatElement(out, c, indent + 2);
            } else if (c->type == XML_COMMENT_NODE) {
                vdXMLIndent(out, indent + 2);
                g_string_append_printf(out, "<!--%s-->\n", (const char *)c->content);
            } else if (c->type == XML_TEXT_NODE && !vdXMLIsBlank(c)) {
                g_autofree char *t = g_strstrip(g_strdup((const char *)c->content));

                vdXMLIndent(out, indent + 2);
                vdXMLEscape(out, t);
                g_string_append_c(out, '\n');
            }
        }
        vdXMLIndent(out, indent);
    }
    g_string_append(out, "</");
    vdXMLFormatName(out, node);
    g_string_append(out, ">\n");
}


char *
vdXMLFormatNode(xmlNodePtr node,
                int indent)
{
    GString *out = g_string_new(NULL);

    vdXMLFormatElement(out, node, indent);
    return g_string_free(out, FALSE);
}


/* Two-space indentation and single-quoted attributes, as libvirt writes domains. */
char *
vdXMLFormat(xmlDocPtr doc)
{
    GString *out = g_string_new(NULL);
    xmlNodePtr n;

    for (n = doc->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE)
            vdXMLFormatElement(out, n, 0);
        else if (n->type == XML_COMMENT_NODE)
            g_string_append_printf(out, "<!--%s-->\n", (const char *)n->content);
    }
    return g_string_free(out, FALSE);
}
