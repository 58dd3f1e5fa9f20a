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
/* A picture (file relative to the page) shown `width` pixels wide (0: its own size,
 * narrowed to the page) (pixels kept
 * sharp when enlarged), with its caption below it. Consecutive figures flow in rows. */
void vz_html_figure(vz_html *h, const char *file, int width, const char *caption);
/* The page's own content lies between these two comments, for vz_html_index. */
#define VZ_HTML_BODY_BEGIN "<!-- stvit-page-body -->"
#define VZ_HTML_BODY_END "<!-- /stvit-page-body -->"
/* Finishes and renames the page into place; ST_ERR_IO if any write failed. Frees h. */
int vz_html_end(vz_html *h);
/* dir/index.html: every page of this kind in dir (*.html other than index.html, by
 * name), their content one after the other under `title`, so several runs into one
 * folder show together and none overwrites another's page. ST_ERR_IO. */
int vz_html_index(const char *dir, const char *title);
#endif
