/*
 * GDB stub breakpoints and watchpoints (Z/z): int3 and debug registers
 * through KVM_SET_GUEST_DEBUG, or emulated by single-stepping where KVM
 * hands debug traps to the guest; and what a debug exit means.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../log.h"
#include "gdbstub.h"
#include "gdb_internal.h"

static struct sw_bp *find_sw(struct gdbstub *g, uint64_t addr)
{
	for (int i = 0; i < MAX_SW_BP; i++)
		if (g->sw[i].used && g->sw[i].addr == addr)
			return &g->sw[i];
	return NULL;
}

static int find_hw_hit(struct gdbstub *g, uint64_t dr6)
{
	for (int i = 0; i < NR_HW_BP; i++)
		if (g->hw[i].used && (dr6 & (1ULL << i)))
			return i;
	return -1;
}

static bool watch_hit(struct gdbstub *g, struct vcpu *v, int *slot)
{
	for (int i = 0; i < NR_HW_BP; i++) {
		uint64_t gpa, val = 0;

		if (!g->hw[i].used || g->hw[i].type == 1 ||
		    vcpu_translate(v, g->hw[i].addr, &gpa) < 0 ||
		    mem_read(&g->vm->mem, &val, gpa, g->hw[i].len) < 0)
			continue;
		if (val != g->watch_val[i]) {
			g->watch_val[i] = val;
			*slot = i;
			return true;
		}
	}
	return false;
}

/* Stop reply names of watchpoint types (Z2 write, Z3 read, Z4 access);
 * x86 cannot watch reads alone, so a read watchpoint is an access one. */
static const char *const watch_names[] = {
	[2] = "watch", [3] = "awatch", [4] = "awatch",
};

/* Emulated mode: after each single-step, should the guest stop here? */
static bool emulated_stop(struct gdbstub *g, struct vcpu *v, char *extra,
			  size_t size)
{
	struct kvm_regs r;
	int slot;

	if (vcpu_get_regs(v, &r) < 0)
		return true;
	/* Inside a stub but for our step's #DB: the guest's own int3 or a
	 * fault. Step on to its report, which stops into gdb. */
	if (gdb_pv_unwind_step(g, v, &r) < 0 && gdb_in_pv_stubs(g, r.rip))
		return false;
	if (g->stepping[v->id])
		return true;
	for (int i = 0; i < MAX_SW_BP && g->nr_sw; i++)
		if (g->sw[i].used && g->sw[i].addr == r.rip) {
			snprintf(extra, size, "swbreak:;");
			return true;
		}
	for (int i = 0; i < NR_HW_BP && g->nr_hw; i++)
		if (g->hw[i].used && g->hw[i].type == 1 &&
		    g->hw[i].addr == r.rip) {
			snprintf(extra, size, "hwbreak:;");
			return true;
		}
	if (g->nr_hw && watch_hit(g, v, &slot)) {
		snprintf(extra, size, "%s:%llx;", watch_names[g->hw[slot].type],
			 (unsigned long long)g->hw[slot].addr);
		return true;
	}
	return false;
}

/*
 * The guest's own int3, not one of gdb's: hand the #BP back to the guest
 * (as QEMU does), so it sees what it would without gdb: its handler, or
 * for a PV guest the stub's report, which stops into gdb as a crash.
 * RIP is still at the int3; KVM kept the instruction length for this.
 */
static int reinject_bp(struct vcpu *v)
{
	struct kvm_vcpu_events ev;

	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return -1;
	ev.exception.injected = 1;
	ev.exception.pending = 0;
	ev.exception.nr = 3;
	ev.exception.has_error_code = 0;
	ev.exception.error_code = 0;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev);
}

/* If the #BP cannot go back: gdb sees SIGTRAP after it, as for a process. */
static void skip_int3(struct vcpu *v)
{
	struct kvm_regs r;

	log_warn("gdb: cannot re-inject vCPU %d's int3 (%s): stopping after it",
		 v->id, strerror(errno));
	if (vcpu_get_regs(v, &r) == 0) {
		r.rip++;
		gdb_set_regs(v, &r);
	}
}

void gdbstub_debug_exit(struct gdbstub *g, struct vcpu *v)
{
	struct kvm_debug_exit_arch *d = &v->run->debug.arch;
	char extra[48] = "";
	int hw;

	log_info(3, "gdb: vCPU %d debug exit, exception %u, pc 0x%llx, dr6 0x%llx",
		 v->id, d->exception, (unsigned long long)d->pc,
		 (unsigned long long)d->dr6);
	/* Breakpoint tables only change while this thread is parked. */
	if (g->emulate) {
		bool stop = emulated_stop(g, v, extra, sizeof(extra));

		gdb_step_unlock(g, v);
		if (!stop)
			return;
	} else if (d->exception == 3 && find_sw(g, d->pc)) {
		snprintf(extra, sizeof(extra), "swbreak:;");
	} else if (d->exception == 3) {
		if (reinject_bp(v) == 0)
			return;
		skip_int3(v);
	} else if (d->exception == 1 && (hw = find_hw_hit(g, d->dr6)) >= 0) {
		if (g->hw[hw].type == 1)
			snprintf(extra, sizeof(extra), "hwbreak:;");
		else
			snprintf(extra, sizeof(extra), "%s:%llx;",
				 watch_names[g->hw[hw].type],
				 (unsigned long long)g->hw[hw].addr);
	}
	pthread_mutex_lock(&g->lock);
	/* If another vCPU stopped the guest first, a breakpoint hits again
	 * on resume: RIP still points at the int3. */
	gdb_request_stop(g, v->id, GDB_SIGTRAP, extra);
	pthread_mutex_unlock(&g->lock);
}

/* Emulated mode: an hbreak that a debug register serves all the same. */
static bool hw_native(const struct gdbstub *g, const struct hw_bp *h)
{
	return g->dr_cpl0 && h->type == 1 && (h->addr >> 63);
}

/* Emulated mode: is there a breakpoint only single-stepping can see? */
static bool must_step_all(const struct gdbstub *g)
{
	if (g->nr_sw)
		return true;
	for (int n = 0; n < NR_HW_BP; n++)
		if (g->hw[n].used && !hw_native(g, &g->hw[n]))
			return true;
	return false;
}

/* DR0-3 and DR7 for the hardware breakpoints and watchpoints (emulated
 * mode: the native ones only); false when there are none. */
static bool set_debugregs(const struct gdbstub *g, struct kvm_guest_debug *dbg)
{
	static const unsigned rw[] = { 0, 0, 1, 3, 3 };
	bool any = false;

	dbg->arch.debugreg[7] = 0x600;
	for (int n = 0; n < NR_HW_BP; n++) {
		const struct hw_bp *h = &g->hw[n];
		unsigned len = h->len == 8 ? 2 : h->len == 4 ? 3 :
			       h->len == 2 ? 1 : 0;

		if (!h->used || (g->emulate && !hw_native(g, h)))
			continue;
		any = true;
		dbg->arch.debugreg[n] = h->addr;
		dbg->arch.debugreg[7] |= (2ULL << (n * 2)) |
			((uint64_t)rw[h->type] << (16 + n * 4)) |
			((uint64_t)(h->type == 1 ? 0 : len) << (18 + n * 4));
	}
	return any;
}

/* Backend, STOPPED: apply breakpoints and stepping to every vCPU. */
int gdb_apply_debug(struct gdbstub *g, int step)
{
	struct vm *vm = g->vm;
	struct kvm_guest_debug dbg;
	bool step_all = g->emulate && must_step_all(g);
	int ret = 0;

	for (int i = 0; i < vm->nr_vcpus; i++) {
		g->stepping[i] = i == step;
		g->step_armed[i] = false;
		memset(&dbg, 0, sizeof(dbg));
		if (g->attached && g->can_debug && g->emulate) {
			if (i == step || step_all)
				dbg.control = KVM_GUESTDBG_ENABLE |
					      KVM_GUESTDBG_SINGLESTEP;
			g->step_armed[i] = dbg.control != 0;
			if (set_debugregs(g, &dbg))
				dbg.control |= KVM_GUESTDBG_ENABLE |
					       KVM_GUESTDBG_USE_HW_BP;
		} else if (g->attached && g->can_debug) {
			dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
			if (set_debugregs(g, &dbg))
				dbg.control |= KVM_GUESTDBG_USE_HW_BP;
			if (i == step) {
				dbg.control |= KVM_GUESTDBG_SINGLESTEP;
				if (g->blockirq)
					dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
			}
		}
		if (ioctl(vm->vcpus[i].fd, KVM_SET_GUEST_DEBUG, &dbg) < 0) {
			log_warn("gdb: KVM_SET_GUEST_DEBUG on vCPU %d: %s", i,
				 strerror(errno));
			ret = -1;
		}
	}
	return ret;
}

static const char *insert_sw(struct gdbstub *g, uint64_t addr)
{
	struct sw_bp *b = find_sw(g, addr);
	uint64_t gpa;
	uint8_t *p;

	if (b)
		return "OK";
	for (int i = 0; i < MAX_SW_BP && !b; i++)
		if (!g->sw[i].used)
			b = &g->sw[i];
	if (!b)
		return "E28";	/* ENOSPC */
	if (vcpu_translate(cur_vcpu(g), addr, &gpa) < 0 ||
	    !(p = mem_ptr(&g->vm->mem, gpa, 1)))
		return "E14";
	b->used = true;
	b->addr = addr;
	b->gpa = gpa;
	b->orig = *p;
	if (!g->emulate)
		*p = 0xcc;
	g->nr_sw++;
	return "OK";
}

static void remove_sw(struct gdbstub *g, struct sw_bp *b)
{
	uint8_t *p = mem_ptr(&g->vm->mem, b->gpa, 1);

	/* Only undo our own int3: the guest may have rewritten the byte. */
	if (p && *p == 0xcc && !g->emulate)
		*p = b->orig;
	b->used = false;
	g->nr_sw--;
}

static uint64_t watch_value(struct gdbstub *g, uint64_t addr, uint64_t len)
{
	uint64_t val = 0;

	gdb_read_virt(g, addr, (uint8_t *)&val, len);
	return val;
}

static const char *insert_hw(struct gdbstub *g, int type, uint64_t addr,
			     uint64_t len)
{
	if (type != 1 && len != 1 && len != 2 && len != 4 && len != 8)
		return "E22";
	if (type != 1 && (addr & (len - 1)))
		return "E22";	/* debug registers need aligned ranges */
	for (int i = 0; i < NR_HW_BP; i++) {
		if (g->hw[i].used)
			continue;
		g->hw[i] = (struct hw_bp){ true, type, addr, len };
		g->nr_hw++;
		if (g->emulate && type != 1)
			g->watch_val[i] = watch_value(g, addr, len);
		return "OK";
	}
	return "E28";
}

static const char *remove_hw(struct gdbstub *g, int type, uint64_t addr)
{
	for (int i = 0; i < NR_HW_BP; i++)
		if (g->hw[i].used && g->hw[i].type == type &&
		    g->hw[i].addr == addr) {
			g->hw[i].used = false;
			g->nr_hw--;
			return "OK";
		}
	return "E22";
}

void gdb_cmd_break(struct gdbstub *g, const char *args, bool insert)
{
	int type;
	uint64_t addr, kind;
	struct sw_bp *b;

	if (gdb_parse_break(args, &type, &addr, &kind) < 0) {
		gdb_send_str(g, "E01");
		return;
	}
	if (!g->can_debug) {
		gdb_send_str(g, "E01");
		return;
	}
	/*
	 * Emulated watchpoints compare values after each step: they cannot
	 * see reads, which would take decoding every stepped instruction's
	 * memory operands. The empty reply makes gdb say it cannot insert
	 * them (and not fall back to something that silently misses).
	 */
	if (g->emulate && (type == 3 || type == 4)) {
		gdb_send_str(g, "");
		return;
	}
	if (type != 0) {
		gdb_send_str(g, insert ? insert_hw(g, type, addr, kind) :
			     remove_hw(g, type, addr));
		return;
	}
	if (insert) {
		gdb_send_str(g, insert_sw(g, addr));
		return;
	}
	b = find_sw(g, addr);
	if (b)
		remove_sw(g, b);
	gdb_send_str(g, "OK");
}

void gdb_remove_all_breakpoints(struct gdbstub *g)
{
	for (int i = 0; i < MAX_SW_BP; i++)
		if (g->sw[i].used)
			remove_sw(g, &g->sw[i]);
	memset(g->hw, 0, sizeof(g->hw));
	g->nr_hw = 0;
}
