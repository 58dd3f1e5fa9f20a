/* draw.h — drawing on RGB8 images ([h][w][3], in place): region colours, region
 * boundaries and box outlines. Everything is clipped to the image. */
#ifndef VZ_DRAW_H
#define VZ_DRAW_H

/* rgb = the vz_palette_cell colour of each pixel's label, where label l is grid cell
 * (l / grid_w, l % grid_w) of a grid grid_w cells wide; negative labels give black. */
void vz_paint_labels(const int *labels, int w, int h, int grid_w, unsigned char *rgb);

/* Colours every pixel whose right or bottom neighbour has a different label: a
 * one-pixel line on the top/left side of each boundary. labels: [h][w]. */
void vz_draw_boundaries(unsigned char *rgb, int w, int h, const int *labels, const unsigned char color[3]);

/* Outline of the box with top-left corner (x, y) and size box_w x box_h, drawn
 * `thickness` pixels inwards from its edge. */
void vz_draw_rect(unsigned char *rgb, int w, int h, int x, int y, int box_w, int box_h, int thickness,
                  const unsigned char color[3]);

#endif
