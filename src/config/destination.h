/* The `[backend] destination` list of the socket backends: netdata's syntax
 * (FORMATS.md §1.4), parsed once at startup into entries the sender tries in order.
 *
 * Grammar, one entry:   [PROTOCOL:]HOST[%IFACE][:PORT]      or   unix:PATH
 *
 * - Entries are separated by runs of whitespace (space, \t, \n, \v, \f, \r) and commas;
 *   empty entries (",,") do not exist and are not counted. Entries are numbered from 1
 *   in messages.
 * - PROTOCOL is `tcp` (the default), `udp` or `unix`, in any case. `unix:` takes the rest
 *   of the entry as a path (1 to 107 bytes: sun_path less its NUL), which therefore
 *   cannot hold whitespace or commas. A relative path is accepted.
 * - HOST is a name or an address (at most 255 bytes). An IPv6 address MUST be written in
 *   brackets, `[::1]`; the brackets are not stored, `ipv6_literal` records them. Their
 *   content is not checked to be an address, as netdata did not check it either
 *   (`[10.0.0.1]` works); the resolver has the last word.
 * - %IFACE is the IPv6 scope: 1 to 15 bytes (IFNAMSIZ less its NUL), without `:`, `%`,
 *   `[`, `]`. It may be written inside the brackets, `[fe80::1%eth0]:2003`, or after
 *   them or after a name, `[fe80::1]%eth0:2003`, `host%eth0:2003`; all store it apart.
 * - PORT is a decimal number 1-65535 (leading zeros allowed, stored without them) or a
 *   service name: 1 to 31 letters, digits, `-` or `_` (as /etc/services spells them,
 *   `kerberos_master`), with at least one letter. Whether the name exists is the resolver's
 *   business, not the parser's. Without PORT the caller's default is used.
 *
 * Where mxp parts from netdata, on purpose:
 * - The seed ended an entry at the first `/` and skipped the rest (`host:2003/x`). mxp
 *   does the same for tcp/udp entries, for compatibility, but says so: the ignored part
 *   is reported in `warn`. An entry that starts with `/` had an empty host in the seed
 *   (the whole entry was skipped); mxp rejects it and points to `unix:`.
 * - That cut made `unix:/abs/path` unusable in the seed (only `unix:` was left). mxp
 *   keeps the whole path after `unix:`.
 * - `host:` (empty port) silently meant the default port in the seed; mxp rejects it as
 *   the likely typo it is.
 * - prometheus_remote_write had no default port in the seed (port 0, which always
 *   fails). A NULL or "" default port means "no default": an entry without a port is
 *   then an error instead of a connection to port 0.
 * - An IPv6 address without brackets (`fe80::1%eth0`, `::1`, `2001:db8::1:2003`) is
 *   ambiguous: the last group may be a port. The seed cut it at the first `:` and tried
 *   host `fe80`, which never worked. mxp rejects any unbracketed host part made of hex
 *   digits, `.` and two or more `:` and asks for brackets.
 * - The seed took `sctp:x` as host `sctp`, service `x`. mxp reports an unknown protocol
 *   when an entry without a known prefix starts with WORD: (WORD being a letter, then
 *   letters, digits, `+`, `-`, `.`) and either WORD is a protocol or scheme mxp does not
 *   speak (sctp, dccp, udplite, raw, tls, ssl, http, https, tcp4, tcp6, udp4, udp6,
 *   file), or what follows cannot start a port: `[` or `/` (`x:[::1]`, `http://x`). Any
 *   other `WORD:PORT` is a host and a port: `host:graphite` is host `host`, service
 *   `graphite`, and `x:host:1` is host `x` with the bad port `host:1`. A host named like
 *   a word of that list can still be reached by writing `tcp:` first.
 */
#ifndef MXP_CONFIG_DESTINATION_H
#define MXP_CONFIG_DESTINATION_H

#include <stdbool.h>
#include <stddef.h>

/* How an entry connects. */
enum mxp_dest_proto {
	MXP_DEST_TCP,  /* stream socket to HOST:PORT, the default */
	MXP_DEST_UDP,  /* datagram socket to HOST:PORT */
	MXP_DEST_UNIX, /* stream socket to the path in `host` */
};

/* Sizes of the fields below, NUL included. */
#define MXP_DEST_HOST_MAX 256  /* a host name (DNS allows 253) or a unix path */
#define MXP_DEST_IFACE_MAX 16  /* IFNAMSIZ */
#define MXP_DEST_PORT_MAX 32   /* a number or a service name */
#define MXP_DEST_UNIX_PATH_MAX 107 /* bytes of a unix path: sizeof(sun_path) - 1 */

/* One entry of the list, every field NUL-terminated. */
struct mxp_destination {
	enum mxp_dest_proto proto;
	char host[MXP_DEST_HOST_MAX];   /* name or address, without brackets; unix: the path */
	char iface[MXP_DEST_IFACE_MAX]; /* IPv6 scope, "" when none (always "" for unix) */
	char port[MXP_DEST_PORT_MAX];   /* decimal number or service name, the default filled
					 * in; "" for unix */
	bool ipv6_literal;              /* HOST was written in [...] */
};

/* Parses `list` (NULL is taken as ""), filling a missing port with `default_port` (a
 * number or service name; NULL or "" means there is no default).
 *
 * Returns 0, and stores in *out a new array of *n (>= 1) entries in the order written,
 * which the caller owns and MUST free with free().
 *
 * Returns -EINVAL when the list is empty or an entry is wrong (the first wrong entry
 * stops the parse), or when `default_port` is not a valid port; -ENOMEM when memory runs
 * out. *out is then NULL, *n is 0, and `err` (may be NULL; errlen bytes, truncated,
 * always NUL-terminated when errlen > 0) says what is wrong and where, for example
 * "entry 2 'host:99999': port 99999 is out of range (1-65535)", or "destination is empty".
 *
 * `warn` (may be NULL; warnlen bytes) receives on success one note per entry that had a
 * part accepted but ignored, joined by "; " (cut to warnlen), or "" when nothing was
 * ignored or the parse failed, e.g.
 * "entry 1 'host:2003/x': '/x' is ignored (netdata skips from the first '/')". */
int mxp_destinations_parse(const char *list, const char *default_port,
			   struct mxp_destination **out, size_t *n,
			   char *err, size_t errlen, char *warn, size_t warnlen);

/* Writes `d` in netdata's syntax, with its protocol always spelled out and a scope inside
 * the brackets: "tcp:localhost:2003", "udp:[fe80::1%eth0]:8125", "unix:/run/x.sock".
 * Parsing the text again gives the same fields.
 *
 * Like snprintf: writes at most len bytes, NUL included (nothing when len is 0), and
 * returns the length the whole text needs, without its NUL. 400 bytes always suffice. */
size_t mxp_destination_format(const struct mxp_destination *d, char *buf, size_t len);

#endif /* MXP_CONFIG_DESTINATION_H */
