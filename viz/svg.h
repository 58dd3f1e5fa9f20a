/* svg.h — a PNG figure as an SVG file for papers and slides: the PNG embedded at full
 * resolution (base64), with the figure's title as the SVG <title>. */
#ifndef VZ_SVG_H
#define VZ_SVG_H
/* Writes svg_path (atomically) showing png_path's w x h pixels one to one.
 * ST_ERR_IO naming the file that cannot be read or written. */
int vz_svg_embed_png(const char *png_path, const char *svg_path, int w, int h, const char *title);
#endif
