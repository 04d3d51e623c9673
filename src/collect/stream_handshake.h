/* stream_handshake.h — the first exchange of netdata's streaming protocol, parent side.
 *
 * A child opens a TCP connection and sends one HTTP-like request line,
 *   STREAM key=API_KEY&hostname=H&machine_guid=G&update_every=N&tags=T&ver=V&... HTTP/1.1
 * then headers and an empty line. The parent answers with one prompt (no newline) that
 * says which protocol the stream speaks, or an error text, and the child then writes
 * plugins.d commands (collect/plugin_protocol.h) for as long as it is connected.
 *
 * Values are taken as sent (netdata 1.37 does not encode spaces: its OS names arrive
 * raw), with %XX escapes decoded. `ver` is either a protocol version (netdata < 1.37:
 * 0 to 7) or, with bit 6 (VCAPS) set, a bitmask of capabilities (netdata 1.37 sends
 * 16376: V1 ... BINARY). mxp speaks version 4 at most: host labels (LABEL, OVERWRITE),
 * the claim id, chart labels (CLABEL); no compression, replication or functions.
 *
 * Pure functions, no allocation: the fuzz target fuzz_stream_hello reads any bytes.
 */
#ifndef MXP_STREAM_HANDSHAKE_H
#define MXP_STREAM_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most bytes a request (line and headers) may take; netdata's is 8192 too. */
#define MXP_STREAM_HELLO_MAX 8192

/* The prompts (netdata's, exact: the child compares them). */
#define MXP_STREAM_PROMPT_V1 "Hit me baby, push them over..."
#define MXP_STREAM_PROMPT_V2 "Hit me baby, push them over and bring the host labels..."
#define MXP_STREAM_PROMPT_VN "Hit me baby, push them over with the version="
#define MXP_STREAM_ERROR_ALREADY "This GUID is already streaming to this server"
#define MXP_STREAM_ERROR_DENIED "You are not permitted to access this. Check the logs for more info."

/* The protocol version mxp answers with at most: 4 = claim id + chart labels. */
#define MXP_STREAM_VERSION_MAX 4
/* ver's bit that makes it a capability mask, and the capabilities mxp looks at. */
#define MXP_STREAM_CAP_V1 (1u << 3)
#define MXP_STREAM_CAP_V2 (1u << 4)
#define MXP_STREAM_CAP_VN (1u << 5)
#define MXP_STREAM_CAP_VCAPS (1u << 6)
#define MXP_STREAM_CAP_HLABELS (1u << 7)
#define MXP_STREAM_CAP_CLAIM (1u << 8)
#define MXP_STREAM_CAP_CLABELS (1u << 9)

struct mxp_stream_hello {
	char key[64];
	char hostname[256];
	char registry_hostname[256];
	char machine_guid[64];
	char os[64];
	char timezone[64];
	char tags[1024];
	char program_version[64];   /* from the User-Agent header: "netdata/v1.37.1" */
	int update_every;           /* 0 when not sent */
	bool has_ver;
	uint32_t ver;               /* as sent */
	size_t length;              /* bytes of the request, headers and blank line included */
};

/* Reads a request from buf[0..len). Returns 0 when it is complete (out filled), 1 when
 * more bytes are needed, or -1 when it is not a streaming request or a field does not
 * fit (why says which). Does not read past len. */
int mxp_stream_hello_parse(const char *buf, size_t len, struct mxp_stream_hello *out, const char **why);

/* Whether s is a UUID in its text form (36 characters, 8-4-4-4-12 hex digits), as
 * netdata requires of API keys and machine GUIDs. */
bool mxp_stream_is_uuid(const char *s);

/* The version the stream will speak with a child that sent h (0: the first protocol, no
 * labels; 1: host labels; 2 to MXP_STREAM_VERSION_MAX), and the prompt that says so
 * into reply (cap bytes, NUL-terminated; the prompt is sent without the NUL). Returns
 * the version. */
int mxp_stream_negotiate(const struct mxp_stream_hello *h, char *reply, size_t cap);

#endif
