/*
 * Static files of the reference web client (web/), served by the public
 * process at "/" through the HTTP server's fallback route.
 *
 * The set of files is fixed at start-up: web_load() reads the manifest
 * WEB_MANIFEST in web_root, checks every name it lists against a strict
 * pattern and an allow-list of extensions, and reads each file into
 * memory.  Requests are answered from that table by exact path only, so a
 * request can never reach a file that was not listed, a directory, or
 * anything outside web_root, whatever it spells; everything else is the
 * JSON 404.  HTML carries a strict page CSP (WEB_CSP_HTML).
 */
#ifndef MELDPUNT_WEB_H
#define MELDPUNT_WEB_H

#include <stddef.h>

struct http_request;

#define WEB_MANIFEST	"files.txt"
#define WEB_MAX_FILES	64
#define WEB_FILE_MAX	(1024 * 1024)	/* bytes per file */
#define WEB_NAME_MAX	128

#define WEB_CSP_HTML	"default-src 'none'; script-src 'self'; " \
	"style-src 'self'; img-src 'self'; connect-src 'self'; " \
	"form-action 'none'; frame-ancestors 'none'; base-uri 'none'; " \
	"require-trusted-types-for 'script'; trusted-types 'none'"

/*
 * Load root/WEB_MANIFEST and the files it names, replacing any earlier
 * set.  On error returns -1 with one line in err (naming the file, never
 * its contents).  The set is freed at exit.
 */
int		 web_load(const char *root, char *err, size_t errlen);
/* Free the loaded set; web_serve() then answers 404.  Safe to repeat. */
void		 web_unload(void);
/* Number of files loaded (tests). */
size_t		 web_count(void);
/* Fallback handler for GET and HEAD (http_server_set_fallback). */
void		 web_serve(struct http_request *req, void *arg);
/* Content-Type for a file name by its extension, or NULL if not served. */
const char	*web_content_type(const char *name);

#endif
