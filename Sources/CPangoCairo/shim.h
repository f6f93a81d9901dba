// cairo's drawing, PDF and PNG writers, and the part of Pango relance lays text out with, as
// Debian provides them (libcairo2-dev, libpango1.0-dev).
//
// cairo's headers need no include path. Pango's pull in GLib's, whose include folders depend
// on the architecture and whose pkg-config flags carry -pthread, which SwiftPM refuses with a
// warning on every build; so, as the Rust bindings (gtk-rs pango-sys) do, the dozen Pango
// functions used are declared here with their documented prototypes (stable since Pango 1.10,
// PangoCairo 1.10; https://docs.gtk.org/Pango/), the types left opaque.
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>

typedef struct _PangoLayout PangoLayout;
typedef struct _PangoFontDescription PangoFontDescription;

// PangoAlignment: PANGO_ALIGN_LEFT 0, PANGO_ALIGN_CENTER 1, PANGO_ALIGN_RIGHT 2.
// PangoWrapMode: PANGO_WRAP_WORD 0, PANGO_WRAP_CHAR 1, PANGO_WRAP_WORD_CHAR 2.
// PANGO_SCALE: 1024 Pango units per device unit.

PangoLayout *pango_cairo_create_layout(cairo_t *cr);
void pango_cairo_show_layout(cairo_t *cr, PangoLayout *layout);
void pango_layout_set_text(PangoLayout *layout, const char *text, int length);
void pango_layout_set_markup(PangoLayout *layout, const char *markup, int length);
void pango_layout_set_width(PangoLayout *layout, int width);
void pango_layout_set_wrap(PangoLayout *layout, int wrap);
void pango_layout_set_alignment(PangoLayout *layout, int alignment);
void pango_layout_set_spacing(PangoLayout *layout, int spacing);
void pango_layout_set_font_description(PangoLayout *layout, const PangoFontDescription *desc);
void pango_layout_get_size(PangoLayout *layout, int *width, int *height);
PangoFontDescription *pango_font_description_from_string(const char *str);
void pango_font_description_free(PangoFontDescription *desc);
void g_object_unref(void *object);
