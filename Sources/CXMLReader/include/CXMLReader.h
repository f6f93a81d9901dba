// A narrow window on libxml2's streaming reader (xmlTextReader) for relance's bank statements.
// libxml2's own headers stay inside this C target: they pull in the system ICU, which clashes
// with Foundation's in Swift.
#ifndef RELANCE_XML_READER_H
#define RELANCE_XML_READER_H

typedef struct relance_xml_reader relance_xml_reader;

/// A reader over `size` bytes: no network, no entity substitution, no DTD loading, huge documents allowed. NULL on failure.
relance_xml_reader *relance_xml_open(const char *buffer, int size);

/// The next node: 1 and its kind (1 element, 3 text, 4 CDATA, 15 end of element) with the element's
/// local name (interned: the same pointer for the same name) or the text, and whether the element
/// is empty; 0 at the end of the document; -1 on an error.
int relance_xml_next(relance_xml_reader *reader, int *kind, const char **name, const char **value, int *empty);

/// The value of an attribute of the current element (free it with relance_xml_free), or NULL.
char *relance_xml_attribute(relance_xml_reader *reader, const char *name);
void relance_xml_free(char *value);

/// The line the parser stands on (for messages).
int relance_xml_line(relance_xml_reader *reader);

void relance_xml_close(relance_xml_reader *reader);

#endif
