/*
 * vdxml.h: safe XML parsing and libvirt-style formatting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* Definitions larger than this are refused before parsing. */
#define VD_XML_MAX_SIZE (8 * 1024 * 1024)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);

xmlDocPtr vdXMLParse(const char *buf,
                     gsize len,
                     const char *filename,
                     const char *rootName,
                     GError **error);

char *vdXMLReadFd(int fd,
                  const char *name,
                  gsize *len,
                  GError **error);

char *vdXMLReadFile(const char *path,
                    gsize *len,
                    GError **error);

xmlDocPtr vdXMLParseFile(const char *path,
                         const char *rootName,
                         GError **error);

char *vdXMLFormat(xmlDocPtr doc);
char *vdXMLFormatNode(xmlNodePtr node, int indent);

char *vdXMLPropGet(xmlNodePtr node, const char *name);
bool vdXMLPropIs(xmlNodePtr node, const char *name, const char *value);
int vdXMLPropUInt(xmlNodePtr node, const char *name, unsigned int *value, GError **error);
xmlNodePtr vdXMLChild(xmlNodePtr node, const char *name);
xmlNodePtr vdXMLNextElement(xmlNodePtr node);
xmlNodePtr vdXMLFirstElement(xmlNodePtr node);
bool vdXMLNameIs(xmlNodePtr node, const char *name);
char *vdXMLContent(xmlNodePtr node);
/* room for any guint64 in vdXMLNumber()'s forms */
#define VD_XML_NUMBER_LEN 24
const char *vdXMLNumber(char buf[VD_XML_NUMBER_LEN], guint64 value, int hexDigits);
void vdXMLAddPropNumber(xmlNodePtr node, const char *name, guint64 value, int hexDigits);

void vdXMLSortAttrs(xmlNodePtr node, const char * const *order);
