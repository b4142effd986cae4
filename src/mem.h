/* Guest physical memory: the only place a guest address becomes a host pointer. */
#ifndef HVRUN_MEM_H
#define HVRUN_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board.h"	/* MEM_HOLE_START, MEM_HOLE_END */

#define MEM_MIN_SIZE   (1ULL << 20)
#define MEM_MAX_SIZE   (1ULL << 40)
#define MEM_MAX_REGIONS 2
#define MEM_MAX_SHARED  8

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct mem {
	struct mem_region region[MEM_MAX_REGIONS];
	int nr_regions;
	uint64_t ram_size;
	void *mapping;		/* one host mapping backs every region */
	int fd;			/* mem_init_shared's memfd, else -1 */
	/* Memory outside RAM that guest calls may name like RAM: PV shared
	 * regions (--shm), mapped and unmapped by their owner. */
	struct mem_region shared[MEM_MAX_SHARED];
	int nr_shared;
};

/* Lay out and map ram_size bytes of zeroed guest RAM. -errno on failure. */
int mem_init(struct mem *m, uint64_t ram_size);
/* The same in a memfd mapped MAP_SHARED (m->fd, file offset = the host
 * address's offset from m->mapping) that another process may map: for
 * vhost-user back-ends (--share). */
int mem_init_shared(struct mem *m, uint64_t ram_size);
/* The same, but RAM's first contents are fd's bytes from offset (page
 * aligned), mapped private: restoring a snapshot reads no page until the
 * guest touches it. */
int mem_init_file(struct mem *m, uint64_t ram_size, int fd, uint64_t offset);
void mem_free(struct mem *m);

/* Add host memory at [gpa, gpa + size) after mem_init: the caller keeps
 * it mapped while m lives. -EINVAL when it overlaps RAM or another
 * region, wraps, or there are MEM_MAX_SHARED already. */
int mem_add_shared(struct mem *m, uint64_t gpa, uint64_t size, void *host);

/*
 * Host pointer for guest physical range [gpa, gpa + len), or NULL when any
 * byte of it is outside one RAM or shared region (a range never spans the
 * hole, nor two regions) or gpa + len overflows. A zero-length range is valid where gpa is in RAM or
 * at the end of a region. Every guest address goes through here.
 */
void *mem_ptr(const struct mem *m, uint64_t gpa, uint64_t len);

/* Copy between guest and host memory; -EFAULT when mem_ptr would say NULL. */
int mem_read(const struct mem *m, void *dst, uint64_t gpa, uint64_t len);
int mem_write(const struct mem *m, uint64_t gpa, const void *src, uint64_t len);

/* Highest guest physical address + 1 that is RAM. */
uint64_t mem_top(const struct mem *m);

#endif
