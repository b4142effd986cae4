/*
 * GDB stub registers: g/G/p/P and the one amd64 target description.
 */
#include <string.h>
#include <sys/ioctl.h>

#include "gdb_internal.h"

/* gdb's writes reach KVM at once: a step re-armed next must see them. */
int gdb_set_regs(struct vcpu *v, const struct kvm_regs *r)
{
	if (vcpu_set_regs(v, r) < 0)
		return -1;
	return vcpu_flush_regs(v);
}

/*
 * One fixed amd64 description whatever mode the guest is in, so the 'g'
 * packet never changes size. Remote register numbers follow this order.
 */
static const char target_xml[] =
	"<?xml version=\"1.0\"?>\n"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
	"<target version=\"1.0\">\n"
	"<architecture>i386:x86-64</architecture>\n"
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	"<flags id=\"i386_eflags\" size=\"4\">\n"
	"<field name=\"CF\" start=\"0\" end=\"0\"/>\n"
	"<field name=\"PF\" start=\"2\" end=\"2\"/>\n"
	"<field name=\"AF\" start=\"4\" end=\"4\"/>\n"
	"<field name=\"ZF\" start=\"6\" end=\"6\"/>\n"
	"<field name=\"SF\" start=\"7\" end=\"7\"/>\n"
	"<field name=\"TF\" start=\"8\" end=\"8\"/>\n"
	"<field name=\"IF\" start=\"9\" end=\"9\"/>\n"
	"<field name=\"DF\" start=\"10\" end=\"10\"/>\n"
	"<field name=\"OF\" start=\"11\" end=\"11\"/>\n"
	"</flags>\n"
	"<reg name=\"rax\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
	"<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
	"<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
	"<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
	"<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
	"<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
	"<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	"<reg name=\"xmm0\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm1\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm2\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm3\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm4\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm5\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm6\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm7\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm8\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm9\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm10\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm11\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm12\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm13\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm14\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"xmm15\" bitsize=\"128\" type=\"uint128\"/>\n"
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\"/>\n"
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	"<reg name=\"fs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
	"</feature>\n"
	"<feature name=\"org.hvrun.x86.control\">\n"
	"<reg name=\"cr0\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"<reg name=\"efer\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
	"</feature>\n"
	"</target>\n";

enum {
	GR_RIP = 16, GR_EFLAGS, GR_CS, GR_GS = 23, GR_ST0,
	GR_FCTRL = 32, GR_XMM0 = 40, GR_MXCSR = 56, GR_FS_BASE,
	GR_GS_BASE, GR_CR0, GR_CR2, GR_CR3, GR_CR4, GR_EFER, GR_NR,
};

static unsigned reg_size(int n)
{
	if (n < GR_EFLAGS)
		return 8;
	if (n < GR_ST0)
		return 4;
	if (n < GR_FCTRL)
		return 10;
	if (n < GR_XMM0)
		return 4;
	if (n < GR_MXCSR)
		return 16;
	if (n == GR_MXCSR)
		return 4;
	return 8;
}

struct cpu_state {
	struct kvm_regs r;
	struct kvm_sregs s;
};

static int get_state(struct vcpu *v, struct cpu_state *st)
{
	if (vcpu_get_regs(v, &st->r) < 0 ||
	    ioctl(v->fd, KVM_GET_SREGS, &st->s) < 0)
		return -1;
	return 0;
}

/* Register n as little-endian bytes; x87 and SSE state reads as zero. */
static void reg_value(const struct cpu_state *st, int n, uint8_t *out)
{
	const struct kvm_regs *r = &st->r;
	const struct kvm_sregs *s = &st->s;
	const uint64_t gpr[16] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp, r->rsp,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
	};
	const uint16_t seg[6] = {
		s->cs.selector, s->ss.selector, s->ds.selector,
		s->es.selector, s->fs.selector, s->gs.selector,
	};
	uint64_t v = 0;

	memset(out, 0, reg_size(n));
	if (n < 16)
		v = gpr[n];
	else if (n == GR_RIP)
		v = r->rip;
	else if (n == GR_EFLAGS)
		v = r->rflags;
	else if (n >= GR_CS && n <= GR_GS)
		v = seg[n - GR_CS];
	else if (n == GR_FS_BASE)
		v = s->fs.base;
	else if (n == GR_GS_BASE)
		v = s->gs.base;
	else if (n == GR_CR0)
		v = s->cr0;
	else if (n == GR_CR2)
		v = s->cr2;
	else if (n == GR_CR3)
		v = s->cr3;
	else if (n == GR_CR4)
		v = s->cr4;
	else if (n == GR_EFER)
		v = s->efer;
	for (unsigned i = 0; i < 8 && i < reg_size(n); i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

/* Writes reach the GPRs, RIP and RFLAGS; the rest is read-only here. */
static void reg_store(struct cpu_state *st, int n, const uint8_t *in)
{
	struct kvm_regs *r = &st->r;
	__u64 *gpr[16] = {
		&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp,
		&r->rsp, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
		&r->r14, &r->r15,
	};
	uint64_t v = 0;

	for (unsigned i = 0; i < 8 && i < reg_size(n); i++)
		v |= (uint64_t)in[i] << (8 * i);
	if (n < 16)
		*gpr[n] = v;
	else if (n == GR_RIP)
		r->rip = v;
	else if (n == GR_EFLAGS)
		r->rflags = (uint32_t)v | 2;	/* bit 1 is always set */
}

void gdb_cmd_read_regs(struct gdbstub *g)
{
	struct cpu_state st;
	uint8_t val[16];
	char *p = g->reply;

	if (get_state(cur_vcpu(g), &st) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	for (int n = 0; n < GR_NR; n++) {
		reg_value(&st, n, val);
		gdb_hex_encode(p, val, reg_size(n));
		p += 2 * reg_size(n);
	}
	gdb_send_packet(g, g->reply, (size_t)(p - g->reply));
}

void gdb_cmd_write_regs(struct gdbstub *g, const char *hex)
{
	struct cpu_state st;
	uint8_t val[16];
	struct vcpu *v = cur_vcpu(g);

	if (get_state(v, &st) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	/* gdb may send fewer registers than it read: take what is there. */
	for (int n = 0; n < GR_NR && strlen(hex) >= 2 * reg_size(n); n++) {
		if (gdb_hex_decode(hex, val, reg_size(n)) < 0) {
			gdb_send_str(g, "E01");
			return;
		}
		reg_store(&st, n, val);
		hex += 2 * reg_size(n);
	}
	gdb_send_str(g, gdb_set_regs(v, &st.r) < 0 ? "E01" : "OK");
}

void gdb_cmd_read_reg(struct gdbstub *g, const char *args)
{
	struct cpu_state st;
	uint64_t n;
	uint8_t val[16];

	if (gdb_parse_hex(&args, &n) < 0 || *args || n >= GR_NR) {
		gdb_send_str(g, "E01");
		return;
	}
	if (get_state(cur_vcpu(g), &st) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	reg_value(&st, (int)n, val);
	gdb_hex_encode(g->reply, val, reg_size((int)n));
	gdb_send_str(g, g->reply);
}

void gdb_cmd_write_reg(struct gdbstub *g, const char *args)
{
	struct cpu_state st;
	struct vcpu *v = cur_vcpu(g);
	uint64_t n;
	uint8_t val[16];

	if (gdb_parse_hex(&args, &n) < 0 || *args++ != '=' || n >= GR_NR ||
	    strlen(args) != 2 * reg_size((int)n) ||
	    gdb_hex_decode(args, val, reg_size((int)n)) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	if (get_state(v, &st) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	reg_store(&st, (int)n, val);
	gdb_send_str(g, gdb_set_regs(v, &st.r) < 0 ? "E01" : "OK");
}

void gdb_cmd_xfer(struct gdbstub *g, const char *args)
{
	const char *prefix = "features:read:target.xml:";
	uint64_t off, len, size = sizeof(target_xml) - 1;

	if (strncmp(args, prefix, strlen(prefix)) ||
	    gdb_parse_addr_len(args + strlen(prefix), '\0', &off, &len, NULL) < 0) {
		gdb_send_str(g, "E00");
		return;
	}
	if (off >= size) {
		gdb_send_str(g, "l");
		return;
	}
	if (len > GDB_MAX_PACKET - 1)
		len = GDB_MAX_PACKET - 1;
	if (len > size - off)
		len = size - off;
	g->reply[0] = off + len < size ? 'm' : 'l';
	memcpy(g->reply + 1, target_xml + off, len);
	gdb_send_packet(g, g->reply, len + 1);
}
