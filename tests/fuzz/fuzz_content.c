/*
 * libFuzzer target for what the staff process parses after opening a
 * reporter's sealed bytes (daemon/rparse.c, called from cases.c work_read
 * and identity.c contact_open, attach_staff.c meta_open): the decrypted
 * report content, the decrypted contact details and the decrypted
 * attachment metadata.  A reporter controls these bytes entirely,
 * and they are parsed inside the process that holds the keys.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "daemon/rparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	json_t	*v;
	char	*s;

	if ((v = rparse_content(data, len)) != NULL) {
		/* As the handler does: it goes into a JSON answer. */
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		free(s);
		json_decref(v);
	}
	if ((v = rparse_contact(data, len)) != NULL) {
		const char	*k;
		json_t		*m;

		json_object_foreach(v, k, m)
			(void)json_string_value(m);
		json_decref(v);
	}
	if ((v = rparse_attach_meta(data, len, 255, 10 << 20)) != NULL) {
		/* What the handler then relies on. */
		if (json_object_size(v) != 3 || json_string_length(
		    json_object_get(v, "name")) > 255 || json_integer_value(
		    json_object_get(v, "size")) > (10 << 20) ||
		    json_integer_value(json_object_get(v, "size")) < 0)
			__builtin_trap();
		json_decref(v);
	}
	return (0);
}
