/*
 * GDB stub memory: m/M/X at guest virtual addresses, through the guest's
 * own page tables (KVM_TRANSLATE, or a walk of the 4-level tables).
 */
#include <string.h>
#include <sys/ioctl.h>

#include "gdb_internal.h"

/* Walk the guest's 4-level page tables when KVM_TRANSLATE is missing. */
static int walk_tables(struct gdbstub *g, struct vcpu *v, uint64_t gva,
		       uint64_t *gpa)
{
	struct kvm_sregs s;
	uint64_t table, e;

	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return -1;
	if (!(s.cr0 & (1ULL << 31))) {
		*gpa = gva;
		return 0;
	}
	if (!(s.efer & (1ULL << 10)))
		return -1;	/* 32-bit paging: KVM_TRANSLATE or nothing */
	table = s.cr3 & 0x000ffffffffff000ULL;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (unsigned)(gva >> (12 + 9 * level)) & 511;

		if (mem_read(&g->vm->mem, &e, table + idx * 8, 8) < 0 ||
		    !(e & 1))
			return -1;
		if (level && level < 3 && (e & 0x80)) {
			uint64_t size = 1ULL << (12 + 9 * level);

			*gpa = (e & 0x000ffffffffff000ULL & ~(size - 1)) |
			       (gva & (size - 1));
			return 0;
		}
		table = e & 0x000ffffffffff000ULL;
	}
	*gpa = table | (gva & 0xfff);
	return 0;
}

int gdb_translate_on(struct gdbstub *g, struct vcpu *v, uint64_t gva,
		     uint64_t *gpa)
{
	struct kvm_translation t = { .linear_address = gva };

	if (ioctl(v->fd, KVM_TRANSLATE, &t) == 0) {
		if (!t.valid)
			return -1;
		*gpa = t.physical_address;
		return 0;
	}
	return walk_tables(g, v, gva, gpa);
}

int gdb_translate(struct gdbstub *g, uint64_t gva, uint64_t *gpa)
{
	return gdb_translate_on(g, cur_vcpu(g), gva, gpa);
}

/* Host pointer for [gva, gva + len) within one guest page, or NULL. */
static uint8_t *gva_ptr(struct gdbstub *g, uint64_t gva, uint64_t len)
{
	uint64_t gpa;

	if (gdb_translate(g, gva, &gpa) < 0)
		return NULL;
	return mem_ptr(&g->vm->mem, gpa, len);
}

static uint64_t page_chunk(uint64_t addr, uint64_t len)
{
	uint64_t left = PAGE_SIZE - (addr & (PAGE_SIZE - 1));

	return len < left ? len : left;
}

/* Copy guest virtual memory out; returns bytes read (short at a hole). */
uint64_t gdb_read_virt(struct gdbstub *g, uint64_t gva, uint8_t *dst,
		       uint64_t len)
{
	uint64_t done = 0;

	while (done < len) {
		uint64_t n = page_chunk(gva + done, len - done);
		uint8_t *p = gva_ptr(g, gva + done, n);

		if (!p)
			break;
		memcpy(dst + done, p, n);
		done += n;
	}
	return done;
}

/* All or nothing: every page is checked before the first byte changes. */
static int write_virt(struct gdbstub *g, uint64_t gva, const uint8_t *src,
		      uint64_t len)
{
	uint64_t done;

	for (done = 0; done < len; done += page_chunk(gva + done, len - done))
		if (!gva_ptr(g, gva + done, page_chunk(gva + done, len - done)))
			return -1;
	for (done = 0; done < len;) {
		uint64_t n = page_chunk(gva + done, len - done);

		memcpy(gva_ptr(g, gva + done, n), src + done, n);
		done += n;
	}
	return 0;
}

void gdb_cmd_read_mem(struct gdbstub *g, const char *args)
{
	static uint8_t buf[GDB_MAX_PACKET / 2];
	uint64_t addr, len, got;

	if (gdb_parse_addr_len(args, '\0', &addr, &len, NULL) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	if (len > sizeof(buf))
		len = sizeof(buf);	/* gdb accepts a short read */
	got = gdb_read_virt(g, addr, buf, len);
	if (!got && len) {
		gdb_send_str(g, "E14");
		return;
	}
	gdb_hex_encode(g->reply, buf, got);
	gdb_send_str(g, g->reply);
}

void gdb_cmd_write_mem(struct gdbstub *g, char *args, size_t len,
		       bool binary)
{
	uint8_t *data;
	uint64_t addr, n;
	const char *rest;
	long have;

	if (gdb_parse_addr_len(args, ':', &addr, &n, &rest) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	data = (uint8_t *)args + (rest - args);
	have = (long)(len - (size_t)(rest - args));
	if (binary)
		have = gdb_unescape(data, (size_t)have);
	else if ((uint64_t)have != 2 * n ||
		 gdb_hex_decode((char *)data, data, n) < 0)
		have = -1;
	else
		have = (long)n;
	if (have < 0 || (uint64_t)have != n) {
		gdb_send_str(g, "E01");
		return;
	}
	gdb_send_str(g, write_virt(g, addr, data, n) < 0 ? "E14" : "OK");
}
