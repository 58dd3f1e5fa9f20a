/* supertoken_map.h — which super token each token belongs to (Figure 4 of the
 * paper): the initial grid cell, and the learned association's argmax. Label l is
 * super token l of the padded hh x ww grid, i.e. cell (l / ww, l % ww). */
#ifndef VZ_SUPERTOKEN_MAP_H
#define VZ_SUPERTOKEN_MAP_H

/* Initial super tokens of an h0 x w0 token grid cut into sh x sw cells:
 * labels[y][x] = (y / sh) * ww + x / sw with ww = ceil(w0 / sw). ST_ERR_ARG on
 * empty sizes. */
int vz_stoken_grid_labels(int h0, int w0, int sh, int sw, int *labels);

/* Learned super tokens: for each token of the top-left h0 x w0 of the padded h x w
 * grid, the super token (absolute index) among the 9 around its cell that it is most
 * associated with. Neighbours outside the grid are never chosen; ties go to the
 * lower k. assoc: [9][h*w] (k-major, as STA stores A); labels: [h0][w0]. ST_ERR_ARG
 * if h, w are not multiples of sh, sw or h0 x w0 does not fit. */
int vz_stoken_assign(const float *assoc, int h, int w, int sh, int sw, int h0, int w0, int *labels);
#endif
