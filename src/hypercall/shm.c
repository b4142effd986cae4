/*
 * Shared memory for PV guests (--shm PATH,size=SIZE): the file's pages,
 * mapped MAP_SHARED into guest physical space above RAM's top in the PC
 * hole, where hvrun's identity map already reaches (2 MiB pages over
 * 0-4 GiB), and named to mem_ptr so that every call may use them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "../log.h"
#include "../mem.h"
#include "../vm.h"
#include "ipc.h"

/* board.h checks that [HVRUN_SHM_BASE, HVRUN_SHM_END) overlaps nothing. */

/* The file at path, of exactly size bytes: created at that size if
 * absent (or empty: a peer that created it a moment ago), else refused
 * when its size differs. An fd, or -1 (logged). */
static int open_file(const char *path, uint64_t size, struct stat *out)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		log_err("--shm %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("--shm %s: not a regular file", path);
		goto fail;
	}
	if (st.st_size == 0 && ftruncate(fd, (off_t)size) < 0) {
		log_err("--shm %s: cannot size it: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_size != 0 && (uint64_t)st.st_size != size) {
		log_err("--shm %s: the file has %llu bytes, not the %llu asked for",
			path, (unsigned long long)st.st_size,
			(unsigned long long)size);
		goto fail;
	}
	*out = st;
	return fd;
fail:
	close(fd);
	return -1;
}

static int map_one(struct vm *vm, struct pv_shm *s, uint64_t gpa)
{
	struct stat st;
	int fd = open_file(s->path, s->size, &st);

	if (fd < 0)
		return -1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->host = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s->host == MAP_FAILED) {
		s->host = NULL;
		log_err("--shm %s: cannot map it: %s", s->path, strerror(errno));
		return -1;
	}
	s->gpa = gpa;
	if (mem_add_shared(&vm->mem, gpa, s->size, s->host) < 0) {
		log_err("--shm %s: no room in guest physical space", s->path);
		return -1;
	}
	return 0;
}

int pv_shm_map_all(struct vm *vm)
{
	struct pv_ipc *ipc = vm->ipc;
	const struct vm_config *cfg = vm->cfg;
	uint64_t gpa = HVRUN_SHM_BASE;

	for (; ipc->nr_shm < cfg->nr_shms; ipc->nr_shm++) {
		const struct config_shm *c = &cfg->shms[ipc->nr_shm];
		struct pv_shm *s = &ipc->shm[ipc->nr_shm];

		s->size = c->size;
		s->path = strndup(c->spec, c->path_len);
		if (!s->path) {
			log_err("out of memory");
			return -1;
		}
		if (c->size > HVRUN_SHM_END - gpa) {
			log_err("--shm %s: the shared regions need more than %llu MiB in all",
				s->path, (HVRUN_SHM_END - HVRUN_SHM_BASE) >> 20);
			return -1;
		}
		if (map_one(vm, s, gpa) < 0)
			return -1;
		/* The next region on a 2 MiB boundary: one large page each. */
		gpa += (c->size + HVRUN_SHM_ALIGN - 1) & ~(HVRUN_SHM_ALIGN - 1);
	}
	return 0;
}

void pv_shm_unmap_all(struct pv_ipc *ipc)
{
	for (int i = 0; i < HVRUN_SHM_MAX; i++) {
		struct pv_shm *s = &ipc->shm[i];

		if (s->host)
			munmap(s->host, s->size);
		free(s->path);
		memset(s, 0, sizeof(*s));
	}
	ipc->nr_shm = 0;
}
