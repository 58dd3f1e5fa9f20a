/* montage.h — a grid of equally sized RGB8 tiles on a plain background. */
#ifndef VZ_MONTAGE_H
#define VZ_MONTAGE_H

/* Places tiles[r * cols + c] ([tile_h][tile_w][3]; NULL leaves that cell empty) with
 * `margin` pixels of grey level bg around and between them. *out is malloc'ed
 * [*out_h][*out_w][3] with *out_w = cols * tile_w + (cols + 1) * margin (rows alike). */
int vz_montage(const unsigned char *const *tiles, int tile_w, int tile_h, int rows, int cols, int margin,
               unsigned char bg, unsigned char **out, int *out_w, int *out_h);

#endif
