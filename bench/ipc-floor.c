/*
 * ipc-floor - the floor for bench/ipc: what the host itself does.
 *
 *   ipc-floor rt N SIZE     two processes ping-pong N messages of SIZE
 *                           bytes over a unix SOCK_SEQPACKET pair (the
 *                           socket type --chan uses), blocking; prints
 *                           "floor: X ns/rt"
 *   ipc-floor copy N BYTES  memcpy of BYTES/2 bytes, N times, between the
 *                           two halves of a MAP_SHARED file mapping;
 *                           prints "memcpy: X MB/s"
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int round_trips(long n, size_t size)
{
	static char buf[65537];
	int sv[2];
	uint64_t t;

	if (size > sizeof(buf) || socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return 1;
	if (fork() == 0) {
		ssize_t r;

		close(sv[0]);
		while ((r = recv(sv[1], buf, sizeof(buf), 0)) >= 0 && r == (ssize_t)size)
			if (send(sv[1], buf, (size_t)r, 0) != r)
				break;
		_exit(0);
	}
	close(sv[1]);
	t = now_ns();
	for (long i = 0; i < n; i++)
		if (send(sv[0], buf, size, 0) != (ssize_t)size ||
		    recv(sv[0], buf, sizeof(buf), 0) != (ssize_t)size)
			return 1;
	t = now_ns() - t;
	close(sv[0]);
	wait(NULL);
	printf("floor: %.0f ns/rt\n", (double)t / (double)n);
	return 0;
}

static int copy(long n, size_t bytes)
{
	FILE *f = tmpfile();
	uint8_t *p;
	uint64_t t;

	if (!f || ftruncate(fileno(f), (off_t)bytes) < 0)
		return 1;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fileno(f), 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 1, bytes);
	t = now_ns();
	for (long i = 0; i < n; i++) {
		memcpy(p + bytes / 2, p, bytes / 2);
		__asm__ volatile("" ::: "memory");
	}
	t = now_ns() - t;
	printf("memcpy: %.0f MB/s\n", (double)n * (double)(bytes / 2) * 1e3 / (double)t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "rt"))
		return round_trips(atol(argv[2]), (size_t)atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "copy"))
		return copy(atol(argv[2]), (size_t)atol(argv[3]));
	fprintf(stderr, "usage: ipc-floor rt N SIZE | copy N BYTES\n");
	return 2;
}
