/* Guest physical memory map. See mem.h: nothing else turns a guest address
 * into a host pointer. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

/* A memfd of ram_size bytes mapped shared, its fd in *fd: a vhost-user
 * back-end maps the same pages (SET_MEM_TABLE passes the fd). Sparse,
 * so a large guest costs only the pages it touches. */
static void *map_memfd(uint64_t ram_size, int *fd)
{
	void *p;

	*fd = memfd_create("hvrun-ram", MFD_CLOEXEC);
	if (*fd < 0)
		return MAP_FAILED;
	if (ftruncate(*fd, (off_t)ram_size) == 0) {
		p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_NORESERVE, *fd, 0);
		if (p != MAP_FAILED)
			return p;
	}
	close(*fd);
	*fd = -1;
	return MAP_FAILED;
}

static int init(struct mem *m, uint64_t ram_size, bool shared)
{
	uint64_t low;
	void *p;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (ram_size < MEM_MIN_SIZE || ram_size > MEM_MAX_SIZE ||
	    ram_size % 4096)
		return -EINVAL;

	/*
	 * Private anonymous memory unless another process must map it: a
	 * read of a page nobody wrote maps the shared zero page there, where
	 * shared memory allocates one (a PV guest's 1 GiB console_write of
	 * untouched memory would cost 1 GiB). NORESERVE: a large guest costs
	 * only the pages it touches.
	 */
	if (shared)
		p = map_memfd(ram_size, &m->fd);
	else
		p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;

	m->mapping = p;
	m->ram_size = ram_size;
	low = ram_size < MEM_HOLE_START ? ram_size : MEM_HOLE_START;
	m->region[0] = (struct mem_region){ .gpa = 0, .size = low, .host = p };
	m->nr_regions = 1;
	if (ram_size > low) {
		m->region[1] = (struct mem_region){
			.gpa = MEM_HOLE_END,
			.size = ram_size - low,
			.host = (uint8_t *)p + low,
		};
		m->nr_regions = 2;
	}
	return 0;
}

int mem_init(struct mem *m, uint64_t ram_size)
{
	return init(m, ram_size, false);
}

int mem_init_shared(struct mem *m, uint64_t ram_size)
{
	return init(m, ram_size, true);
}

int mem_init_file(struct mem *m, uint64_t ram_size, int fd, uint64_t offset)
{
	int err = offset % 4096 ? -EINVAL : mem_init(m, ram_size);
	void *p;

	if (err)
		return err;
	/* Over mem_init's mapping, so the layout is its own. Copy-on-write:
	 * pages come from the page cache as the guest touches them, and
	 * what it writes stays in this process. */
	p = mmap(m->mapping, ram_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED, fd, (off_t)offset);
	if (p == MAP_FAILED) {
		err = -errno;
		mem_free(m);
		return err;
	}
	return 0;
}

void mem_free(struct mem *m)
{
	if (m->mapping)
		munmap(m->mapping, m->ram_size);
	if (m->mapping && m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* Do [a, a + as) and [b, b + bs) share a byte? Sizes are nonzero and
 * neither range wraps. */
static int overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

int mem_add_shared(struct mem *m, uint64_t gpa, uint64_t size, void *host)
{
	if (m->nr_shared == MEM_MAX_SHARED || size == 0 || gpa + size < gpa)
		return -EINVAL;
	for (int i = 0; i < m->nr_regions; i++)
		if (overlaps(gpa, size, m->region[i].gpa, m->region[i].size))
			return -EINVAL;
	for (int i = 0; i < m->nr_shared; i++)
		if (overlaps(gpa, size, m->shared[i].gpa, m->shared[i].size))
			return -EINVAL;
	m->shared[m->nr_shared++] = (struct mem_region){
		.gpa = gpa, .size = size, .host = host,
	};
	return 0;
}

/* The host pointer for [gpa, gpa + len) within one of n regions. */
static void *region_ptr(const struct mem_region *rs, int n, uint64_t gpa,
			uint64_t len)
{
	for (int i = 0; i < n; i++) {
		const struct mem_region *r = &rs[i];
		uint64_t off;

		if (gpa < r->gpa || gpa - r->gpa > r->size)
			continue;
		off = gpa - r->gpa;
		/* Written so that no sum can wrap: off <= size here. */
		if (len > r->size - off)
			return NULL;
		if (len == 0 && off == r->size && i + 1 < n &&
		    rs[i + 1].gpa == gpa)
			continue;
		return r->host + off;
	}
	return NULL;
}

void *mem_ptr(const struct mem *m, uint64_t gpa, uint64_t len)
{
	void *p = region_ptr(m->region, m->nr_regions, gpa, len);

	return p ? p : region_ptr(m->shared, m->nr_shared, gpa, len);
}

int mem_read(const struct mem *m, void *dst, uint64_t gpa, uint64_t len)
{
	const void *src = mem_ptr(m, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int mem_write(const struct mem *m, uint64_t gpa, const void *src, uint64_t len)
{
	void *dst = mem_ptr(m, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

uint64_t mem_top(const struct mem *m)
{
	const struct mem_region *r;

	if (m->nr_regions == 0)
		return 0;
	r = &m->region[m->nr_regions - 1];
	return r->gpa + r->size;
}
