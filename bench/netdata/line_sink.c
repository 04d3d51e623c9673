/* line_sink.c — a loopback receiver for `make bench-netdata`: accepts any number of
 * TCP connections, reads and discards everything, and counts bytes and lines.
 *
 *   line_sink STATUS_FILE
 *
 * Listens on an ephemeral port of 127.0.0.1 and prints it as stdout's first line. Every
 * 0.2 s it rewrites STATUS_FILE with "LINES BYTES CONNECTIONS" (written to a temporary
 * name and renamed, so a reader never sees half a line). SIGTERM / SIGINT: exits 0.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 64

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: line_sink STATUS_FILE\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(ls, 16) != 0 ||
	    getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
		perror("line_sink");
		return 1;
	}
	printf("%u\n", ntohs(a.sin_port));
	fflush(stdout);

	struct pollfd pf[MAX_CONNS + 1];
	int nfds = 1;
	pf[0] = (struct pollfd){.fd = ls, .events = POLLIN};
	static char buf[1 << 20];
	unsigned long long lines = 0, bytes = 0, conns = 0;
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	while (!stop) {
		int r = poll(pf, (nfds_t)nfds, 200);
		if (r < 0 && errno != EINTR)
			return 1;
		for (int i = nfds - 1; r > 0 && i >= 1; i--) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(pf[i].fd, buf, sizeof(buf));
			if (got <= 0) {
				close(pf[i].fd);
				pf[i] = pf[--nfds];
				continue;
			}
			bytes += (unsigned long long)got;
			for (char *q = buf, *end = buf + got; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
				lines++;
		}
		if (r > 0 && (pf[0].revents & POLLIN) && nfds <= MAX_CONNS) {
			int fd = accept(ls, NULL, NULL);
			if (fd >= 0) {
				pf[nfds++] = (struct pollfd){.fd = fd, .events = POLLIN};
				conns++;
			}
		}
		FILE *f = fopen(tmp, "w");
		if (f != NULL) {
			fprintf(f, "%llu %llu %llu\n", lines, bytes, conns);
			fclose(f);
			rename(tmp, argv[1]);
		}
	}
	return 0;
}
