/* html.h — a plain index.html of pictures with captions, written atomically (a
 * temporary file renamed over the path when complete). Text is HTML-escaped. */
#ifndef VZ_HTML_H
#define VZ_HTML_H

typedef struct vz_html vz_html;

/* Starts a page titled `title`. ST_ERR_IO naming path if it cannot be created. */
int vz_html_begin(vz_html **out, const char *path, const char *title);
/* A section heading. */
void vz_html_heading(vz_html *h, const char *text);
/* A paragraph of text. */
void vz_html_text(vz_html *h, const char *text);
/* A picture (file relative to the page) shown `width` pixels wide (pixels kept
 * sharp when enlarged), with its caption below it. Consecutive figures flow in rows. */
void vz_html_figure(vz_html *h, const char *file, int width, const char *caption);
/* Finishes and renames the page into place; ST_ERR_IO if any write failed. Frees h. */
int vz_html_end(vz_html *h);
#endif
