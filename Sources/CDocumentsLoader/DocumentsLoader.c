// Definitions of the cairo, Pango, libpng and libqrencode functions relance calls, each forwarding
// to the library's own, found with dlopen/dlsym the first time relance_documents_load() runs. The
// Swift code calls the libraries' functions by their names, as declared in their headers; this file
// stands in for the libraries at link time. Callers check relance_documents_load() first (the
// Swift side does, in DocumentLibraries), so no forwarder runs before its pointer is set.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>
#include <png.h>
#include <qrencode.h>
#include "../CPangoCairo/shim.h"
#include "DocumentsLoader.h"

#define FORWARD(ret, name, params, args) \
    static ret (*p_##name) params; \
    ret name params { return p_##name args; }
#define FORWARD_VOID(name, params, args) \
    static void (*p_##name) params; \
    void name params { p_##name args; }

FORWARD(cairo_t *, cairo_create, (cairo_surface_t *target), (target))
FORWARD_VOID(cairo_destroy, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_fill, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_stroke, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_show_page, (cairo_t *cr), (cr))
FORWARD_VOID(cairo_line_to, (cairo_t *cr, double x, double y), (cr, x, y))
FORWARD_VOID(cairo_move_to, (cairo_t *cr, double x, double y), (cr, x, y))
FORWARD_VOID(cairo_rectangle, (cairo_t *cr, double x, double y, double width, double height), (cr, x, y, width, height))
FORWARD_VOID(cairo_set_line_width, (cairo_t *cr, double width), (cr, width))
FORWARD_VOID(cairo_set_source_rgb, (cairo_t *cr, double red, double green, double blue), (cr, red, green, blue))
FORWARD(const char *, cairo_status_to_string, (cairo_status_t status), (status))
FORWARD_VOID(cairo_surface_destroy, (cairo_surface_t *surface), (surface))
FORWARD_VOID(cairo_surface_finish, (cairo_surface_t *surface), (surface))
FORWARD(cairo_status_t, cairo_surface_status, (cairo_surface_t *surface), (surface))
FORWARD(cairo_surface_t *, cairo_pdf_surface_create_for_stream,
        (cairo_write_func_t write_func, void *closure, double width_in_points, double height_in_points),
        (write_func, closure, width_in_points, height_in_points))
FORWARD_VOID(cairo_pdf_surface_set_metadata, (cairo_surface_t *surface, cairo_pdf_metadata_t metadata, const char *utf8),
             (surface, metadata, utf8))

FORWARD(PangoLayout *, pango_cairo_create_layout, (cairo_t *cr), (cr))
FORWARD_VOID(pango_cairo_show_layout, (cairo_t *cr, PangoLayout *layout), (cr, layout))
FORWARD_VOID(pango_layout_set_text, (PangoLayout *layout, const char *text, int length), (layout, text, length))
FORWARD_VOID(pango_layout_set_markup, (PangoLayout *layout, const char *markup, int length), (layout, markup, length))
FORWARD_VOID(pango_layout_set_width, (PangoLayout *layout, int width), (layout, width))
FORWARD_VOID(pango_layout_set_wrap, (PangoLayout *layout, int wrap), (layout, wrap))
FORWARD_VOID(pango_layout_set_alignment, (PangoLayout *layout, int alignment), (layout, alignment))
FORWARD_VOID(pango_layout_set_spacing, (PangoLayout *layout, int spacing), (layout, spacing))
FORWARD_VOID(pango_layout_set_font_description, (PangoLayout *layout, const PangoFontDescription *desc), (layout, desc))
FORWARD_VOID(pango_layout_get_size, (PangoLayout *layout, int *width, int *height), (layout, width, height))
FORWARD(PangoFontDescription *, pango_font_description_from_string, (const char *str), (str))
FORWARD_VOID(pango_font_description_free, (PangoFontDescription *desc), (desc))
FORWARD_VOID(g_object_unref, (void *object), (object))

FORWARD(png_structp, png_create_write_struct,
        (png_const_charp user_png_ver, png_voidp error_ptr, png_error_ptr error_fn, png_error_ptr warn_fn),
        (user_png_ver, error_ptr, error_fn, warn_fn))
FORWARD(png_infop, png_create_info_struct, (png_const_structrp png_ptr), (png_ptr))
FORWARD_VOID(png_destroy_write_struct, (png_structpp png_ptr_ptr, png_infopp info_ptr_ptr), (png_ptr_ptr, info_ptr_ptr))
FORWARD_VOID(png_set_write_fn, (png_structrp png_ptr, png_voidp io_ptr, png_rw_ptr write_data_fn, png_flush_ptr output_flush_fn),
             (png_ptr, io_ptr, write_data_fn, output_flush_fn))
FORWARD(png_voidp, png_get_io_ptr, (png_const_structrp png_ptr), (png_ptr))
FORWARD(png_voidp, png_get_error_ptr, (png_const_structrp png_ptr), (png_ptr))
FORWARD_VOID(png_set_IHDR,
             (png_const_structrp png_ptr, png_inforp info_ptr, png_uint_32 width, png_uint_32 height, int bit_depth, int color_type,
              int interlace_method, int compression_method, int filter_method),
             (png_ptr, info_ptr, width, height, bit_depth, color_type, interlace_method, compression_method, filter_method))
FORWARD_VOID(png_set_PLTE, (png_structrp png_ptr, png_inforp info_ptr, png_const_colorp palette, int num_palette),
             (png_ptr, info_ptr, palette, num_palette))
FORWARD_VOID(png_set_filter, (png_structrp png_ptr, int method, int filters), (png_ptr, method, filters))
FORWARD_VOID(png_set_compression_level, (png_structrp png_ptr, int level), (png_ptr, level))
FORWARD_VOID(png_write_info, (png_structrp png_ptr, png_const_inforp info_ptr), (png_ptr, info_ptr))
FORWARD_VOID(png_write_row, (png_structrp png_ptr, png_const_bytep row), (png_ptr, row))
FORWARD_VOID(png_write_end, (png_structrp png_ptr, png_inforp info_ptr), (png_ptr, info_ptr))

FORWARD(QRcode *, QRcode_encodeData, (int size, const unsigned char *data, int version, QRecLevel level), (size, data, version, level))
FORWARD_VOID(QRcode_free, (QRcode *qrcode), (qrcode))

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];

static void *open_library(const char *name) {
    void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL && failure[0] == 0) snprintf(failure, sizeof failure, "%s", dlerror());
    return handle;
}

#define RESOLVE(handle, name) \
    do { \
        *(void **)(&p_##name) = (handle) ? dlsym((handle), #name) : NULL; \
        if (p_##name == NULL && failure[0] == 0) snprintf(failure, sizeof failure, "%s: %s", #name, "not found"); \
    } while (0)

static void load(void) {
    void *cairo = open_library("libcairo.so.2");
    void *pango = open_library("libpango-1.0.so.0");
    void *pangocairo = open_library("libpangocairo-1.0.so.0");
    void *gobject = open_library("libgobject-2.0.so.0");
    void *png = open_library("libpng16.so.16");
    void *qrencode = open_library("libqrencode.so.4");
    if (failure[0] != 0) return;
    RESOLVE(cairo, cairo_create); RESOLVE(cairo, cairo_destroy); RESOLVE(cairo, cairo_fill); RESOLVE(cairo, cairo_stroke);
    RESOLVE(cairo, cairo_show_page); RESOLVE(cairo, cairo_line_to); RESOLVE(cairo, cairo_move_to); RESOLVE(cairo, cairo_rectangle);
    RESOLVE(cairo, cairo_set_line_width); RESOLVE(cairo, cairo_set_source_rgb); RESOLVE(cairo, cairo_status_to_string);
    RESOLVE(cairo, cairo_surface_destroy); RESOLVE(cairo, cairo_surface_finish); RESOLVE(cairo, cairo_surface_status);
    RESOLVE(cairo, cairo_pdf_surface_create_for_stream); RESOLVE(cairo, cairo_pdf_surface_set_metadata);
    RESOLVE(pangocairo, pango_cairo_create_layout); RESOLVE(pangocairo, pango_cairo_show_layout);
    RESOLVE(pango, pango_layout_set_text); RESOLVE(pango, pango_layout_set_markup); RESOLVE(pango, pango_layout_set_width);
    RESOLVE(pango, pango_layout_set_wrap); RESOLVE(pango, pango_layout_set_alignment); RESOLVE(pango, pango_layout_set_spacing);
    RESOLVE(pango, pango_layout_set_font_description); RESOLVE(pango, pango_layout_get_size);
    RESOLVE(pango, pango_font_description_from_string); RESOLVE(pango, pango_font_description_free);
    RESOLVE(gobject, g_object_unref);
    RESOLVE(png, png_create_write_struct); RESOLVE(png, png_create_info_struct); RESOLVE(png, png_destroy_write_struct);
    RESOLVE(png, png_set_write_fn); RESOLVE(png, png_get_io_ptr); RESOLVE(png, png_get_error_ptr); RESOLVE(png, png_set_IHDR);
    RESOLVE(png, png_set_PLTE); RESOLVE(png, png_set_filter); RESOLVE(png, png_set_compression_level);
    RESOLVE(png, png_write_info);
    RESOLVE(png, png_write_row); RESOLVE(png, png_write_end);
    RESOLVE(qrencode, QRcode_encodeData); RESOLVE(qrencode, QRcode_free);
}

int relance_documents_load(char *message, int length) {
    pthread_once(&once, load);
    if (failure[0] != 0) {
        if (message != NULL && length > 0) snprintf(message, (size_t)length, "%s", failure);
        return 0;
    }
    return 1;
}
