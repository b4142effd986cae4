## guests/pv/local.mk - hvrun paravirtual (PV) guests and their SDK.
## Included from the top-level Makefile.am (non-recursive); paths are
## relative to the top of the build tree, sources use $(srcdir).
##
## guests/sdk/: crt0, the ABI note, hypercall wrappers, a minimal FDT
## reader, printf/string/crc32 and the pv.ld linker script.
## guests/pv/*.elf: ELF64 examples linked at 1 MiB against the SDK; the
## comment at the top of each source gives its output and exit status.
##
## Names start with PV_ and avoid automake's suffixes (_SOURCES, _HEADERS,
## _CFLAGS, _LDFLAGS...): these are data files for automake, not programs.
## Built with our own freestanding flags, never $(AM_CFLAGS), which may
## carry sanitizer options.

PV_EXAMPLES = hello disk-crc disk-write disk-journal net-echo net-ping smp \
	null bench-hc bench-blk compute gdbtest load soak flood lastline bigio \
	chan-test shm-test blk-server blk-client chan-ping aio-crc snap snap-poll
# Built for ABI version 1 (note-v1.o): an old image must run unchanged.
PV_V1_EXAMPLES = abi-v1
PV_IMAGES = $(PV_EXAMPLES:%=guests/pv/%.elf) $(PV_V1_EXAMPLES:%=guests/pv/%.elf)
PV_EXAMPLE_OBJS = $(PV_EXAMPLES:%=guests/pv/%.o) $(PV_V1_EXAMPLES:%=guests/pv/%.o)

PV_SDK_OBJS = \
	guests/sdk/crt0.o \
	guests/sdk/note.o \
	guests/sdk/hypercall.o \
	guests/sdk/fdt.o \
	guests/sdk/printf.o \
	guests/sdk/string.o \
	guests/sdk/crc32.o \
	guests/sdk/blkq.o

PV_HDRS = \
	$(srcdir)/guests/sdk/hv.h \
	$(top_srcdir)/include/hvrun/abi.h

PV_LDSCRIPT = $(srcdir)/guests/sdk/pv.ld

PV_DIST_FILES = \
	guests/sdk/hv.h \
	guests/sdk/crt0.S \
	guests/sdk/note.c \
	guests/sdk/hypercall.c \
	guests/sdk/fdt.c \
	guests/sdk/printf.c \
	guests/sdk/string.c \
	guests/sdk/crc32.c \
	guests/sdk/blkq.c \
	guests/sdk/pv.ld \
	$(PV_EXAMPLES:%=guests/pv/%.c) $(PV_V1_EXAMPLES:%=guests/pv/%.c) \
	guests/pv/blk-proto.h

# Freestanding x86-64: no libc, no red zone (hypercalls `call` into the
# hypercall page), no SSE (no FPU state to worry about), no PIC (linked at
# fixed addresses). -fno-tree-loop-distribute-patterns keeps gcc from
# compiling memset's own loop into a call to memset. Sections per
# function so --gc-sections drops the SDK parts a guest does not use.
PV_INCLUDES = -I$(top_srcdir)/include -I$(srcdir)/guests/sdk
PV_CC_FLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter \
	-ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-fno-stack-protector -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections
PV_LINK_FLAGS = -nostdlib -static -no-pie -T $(PV_LDSCRIPT) \
	-Wl,--gc-sections -Wl,-z,max-page-size=4096 -Wl,--build-id=none
PV_COMPILE = $(CC) $(PV_INCLUDES) $(PV_CC_FLAGS)

noinst_DATA += $(PV_IMAGES)
EXTRA_DIST += $(PV_DIST_FILES)
CLEANFILES += $(PV_IMAGES) $(PV_EXAMPLE_OBJS) $(PV_SDK_OBJS) \
	guests/sdk/note-v1.o

# Keep the objects make would delete as intermediates: the SDK's are
# shared by every image, and all are handy for objdump.
.SECONDARY: $(PV_SDK_OBJS) $(PV_EXAMPLE_OBJS) guests/sdk/note-v1.o

guests/sdk/%.o: $(srcdir)/guests/sdk/%.c $(PV_HDRS)
	$(AM_V_CC)$(MKDIR_P) guests/sdk && $(PV_COMPILE) -c -o $@ $<
guests/sdk/%.o: $(srcdir)/guests/sdk/%.S
	$(AM_V_CCAS)$(MKDIR_P) guests/sdk && $(PV_COMPILE) -c -o $@ $<
guests/pv/%.o: $(srcdir)/guests/pv/%.c $(PV_HDRS) $(srcdir)/guests/pv/blk-proto.h
	$(AM_V_CC)$(MKDIR_P) guests/pv && $(PV_COMPILE) -c -o $@ $<
guests/pv/%.elf: guests/pv/%.o $(PV_SDK_OBJS) $(PV_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(PV_CC_FLAGS) $(PV_LINK_FLAGS) -o $@ $(PV_SDK_OBJS) $<

guests/sdk/note-v1.o: $(srcdir)/guests/sdk/note.c $(PV_HDRS)
	$(AM_V_CC)$(MKDIR_P) guests/sdk && $(PV_COMPILE) -DHV_NOTE_VERSION=1 -c -o $@ $<
PV_V1_SDK_OBJS = $(filter-out guests/sdk/note.o,$(PV_SDK_OBJS)) guests/sdk/note-v1.o
$(PV_V1_EXAMPLES:%=guests/pv/%.elf): guests/pv/%.elf: guests/pv/%.o $(PV_V1_SDK_OBJS) $(PV_LDSCRIPT)
	$(AM_V_CCLD)$(CC) $(PV_CC_FLAGS) $(PV_LINK_FLAGS) -o $@ $(PV_V1_SDK_OBJS) $<
