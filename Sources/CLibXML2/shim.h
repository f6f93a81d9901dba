// libxml2's streaming reader (xmlTextReader), for bank statements of any size. Entities are never
// substituted and the network never used (XML_PARSE_NONET); a DTD is refused before parsing.
#include <libxml/xmlreader.h>
