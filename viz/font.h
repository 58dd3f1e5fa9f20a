/* font.h — text on RGB8 pictures with a built-in 5x7 bitmap font (printable ASCII),
 * so figure labels need no font library. A glyph cell is 6x9 font pixels (one
 * column of spacing, a row for descenders and one of spacing), each font pixel drawn as scale x scale. */
#ifndef VZ_FONT_H
#define VZ_FONT_H

#define VZ_GLYPH_W 6   /* advance per character, font pixels */
#define VZ_GLYPH_H 9   /* line height, font pixels (7 rows, a descender, a space) */

/* Width and height in image pixels of text at `scale` (lines split at '\n'). */
int vz_text_width(const char *text, int scale);
int vz_text_height(const char *text, int scale);

/* Draws text with its top-left corner at (x, y), clipped to the w x h image; other
 * bytes than printable ASCII draw as '?'. */
void vz_draw_text(unsigned char *rgb, int w, int h, int x, int y, const char *text, int scale,
                  const unsigned char color[3]);
#endif
