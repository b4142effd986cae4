/* PIO/MMIO range registry. Ranges are registered before any vCPU runs and
 * never change afterwards, so lookups need no lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

void bus_free(struct bus *b)
{
	free(b->ranges);
	bus_init(b, b->name);
}

/* Index of the first range whose base is greater than addr. */
static size_t upper_bound(const struct bus *b, uint64_t addr)
{
	size_t lo = 0, hi = b->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct bus_range *bus_find(const struct bus *b, uint64_t addr)
{
	size_t i = upper_bound(b, addr);
	const struct bus_range *r;

	if (i == 0)
		return NULL;
	r = &b->ranges[i - 1];
	return addr - r->base < r->len ? r : NULL;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len, bus_io_fn fn,
		 void *opaque, const char *name)
{
	size_t i;

	if (len == 0 || base + len - 1 < base || !fn)
		return -EINVAL;
	i = upper_bound(b, base);
	if (i > 0 && base - b->ranges[i - 1].base < b->ranges[i - 1].len)
		return -EEXIST;
	if (i < b->nr && b->ranges[i].base - base < len)
		return -EEXIST;

	if (b->nr == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		struct bus_range *n = realloc(b->ranges, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->ranges = n;
		b->cap = cap;
	}
	memmove(&b->ranges[i + 1], &b->ranges[i],
		(b->nr - i) * sizeof(b->ranges[0]));
	b->ranges[i] = (struct bus_range){ base, len, fn, opaque, name };
	b->nr++;
	return 0;
}

bool bus_access(const struct bus *b, uint64_t addr, uint8_t *data,
		uint32_t len, bool is_write)
{
	const struct bus_range *r = bus_find(b, addr);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	r->fn(r->opaque, addr, data, len, is_write);
	return true;
}
