#include "CXMLReader.h"
#include <libxml/xmlreader.h>

struct relance_xml_reader { xmlTextReaderPtr reader; };

relance_xml_reader *relance_xml_open(const char *buffer, int size) {
    int options = XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
    xmlTextReaderPtr reader = xmlReaderForMemory(buffer, size, NULL, NULL, options);
    if (reader == NULL) return NULL;
    relance_xml_reader *wrapper = xmlMalloc(sizeof(relance_xml_reader));
    if (wrapper == NULL) { xmlFreeTextReader(reader); return NULL; }
    wrapper->reader = reader;
    return wrapper;
}

int relance_xml_next(relance_xml_reader *wrapper, int *kind, const char **name, const char **value, int *empty) {
    int status = xmlTextReaderRead(wrapper->reader);
    if (status != 1) return status;
    *kind = xmlTextReaderNodeType(wrapper->reader);
    *name = (const char *)xmlTextReaderConstLocalName(wrapper->reader);
    *value = (*kind == 3 || *kind == 4) ? (const char *)xmlTextReaderConstValue(wrapper->reader) : NULL;
    *empty = *kind == 1 ? xmlTextReaderIsEmptyElement(wrapper->reader) : 0;
    return 1;
}

char *relance_xml_attribute(relance_xml_reader *wrapper, const char *name) {
    return (char *)xmlTextReaderGetAttribute(wrapper->reader, (const xmlChar *)name);
}

void relance_xml_free(char *value) { if (value) xmlFree(value); }

int relance_xml_line(relance_xml_reader *wrapper) { return xmlTextReaderGetParserLineNumber(wrapper->reader); }

void relance_xml_close(relance_xml_reader *wrapper) {
    if (wrapper == NULL) return;
    xmlFreeTextReader(wrapper->reader);
    xmlFree(wrapper);
}
