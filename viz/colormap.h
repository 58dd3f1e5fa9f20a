/* colormap.h — colour maps for heat maps and distinct colours for labelled regions. */
#ifndef VZ_COLORMAP_H
#define VZ_COLORMAP_H

typedef enum { VZ_CMAP_VIRIDIS, VZ_CMAP_JET } vz_cmap;

/* Colour of t in [0,1] (clamped; NaN counts as 0), from the 256-entry table the way
 * matplotlib's colormaps index it: entry min(255, floor(256 t)). */
void vz_colormap(vz_cmap which, float t, unsigned char rgb[3]);

/* A bright colour for item `index` (>= 0): hue steps by the golden ratio, brightness
 * and saturation cycle with the index, so consecutive indices differ strongly. */
void vz_palette(int index, unsigned char rgb[3]);

/* The colour of cell (row, col) of a grid of regions (super tokens): any two of the
 * 8 neighbouring cells differ clearly in hue, whatever the grid's width. */
void vz_palette_cell(int row, int col, unsigned char rgb[3]);

#endif
