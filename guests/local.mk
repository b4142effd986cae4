## guests/local.mk - bare-metal test guests for hvrun.
## Included from the top-level Makefile.am (non-recursive); all paths are
## relative to the top of the build tree, sources use $(srcdir).
##
## Raw images (guests/raw/*.img): 16-bit boot sectors linked at 0x7C00,
## started in real mode at 0000:7C00.
## Multiboot v1 ELF32 images (guests/multiboot/*.elf) loaded at 1 MiB.
## See the comment at the top of each source for its output and status.

GUEST_RAW_IMAGES = \
	guests/raw/hello.img \
	guests/raw/exit42.img \
	guests/raw/spin.img \
	guests/raw/triple.img \
	guests/raw/echo.img \
	guests/raw/reset.img \
	guests/raw/popcnt.img

GUEST_MB_IMAGES = \
	guests/multiboot/hello32.elf \
	guests/multiboot/long64.elf \
	guests/multiboot/timer.elf \
	guests/multiboot/timeracc.elf \
	guests/multiboot/smp.elf \
	guests/multiboot/mmio-exit.elf \
	guests/multiboot/kvmleaf.elf \
	guests/multiboot/exit-f4.elf \
	guests/multiboot/module.elf \
	guests/multiboot/low.elf

GUEST_PVH_IMAGES = \
	guests/pvh/hello.elf

GUEST_IMAGES = $(GUEST_RAW_IMAGES) $(GUEST_MB_IMAGES) $(GUEST_PVH_IMAGES)

GUEST_SRCS = \
	guests/raw/hello.S \
	guests/raw/exit42.S \
	guests/raw/spin.S \
	guests/raw/triple.S \
	guests/raw/reset.S \
	guests/raw/popcnt.S \
	guests/raw/echo.S \
	guests/multiboot/hello32.S \
	guests/multiboot/long64.S \
	guests/multiboot/timer.S \
	guests/multiboot/timeracc.S \
	guests/multiboot/smp.S \
	guests/multiboot/mmio-exit.S \
	guests/multiboot/kvmleaf.S \
	guests/multiboot/exit-f4.S \
	guests/multiboot/module.S \
	guests/multiboot/low.S \
	guests/pvh/hello.S

GUEST_LDSCRIPTS = \
	guests/raw/raw.ld \
	guests/multiboot/multiboot.ld \
	guests/multiboot/low.ld \
	guests/pvh/pvh.ld

noinst_DATA += $(GUEST_IMAGES)
EXTRA_DIST += $(GUEST_SRCS) $(GUEST_LDSCRIPTS) guests/raw/serial.inc \
	guests/multiboot/longmode.inc guests/multiboot/irq64.inc
CLEANFILES += $(GUEST_IMAGES) \
	$(GUEST_RAW_IMAGES:.img=.o) $(GUEST_RAW_IMAGES:.img=.elf) \
	$(GUEST_MB_IMAGES:.elf=.o) $(GUEST_PVH_IMAGES:.elf=.o)

# Pure assembly, 32-bit objects (.code16/.code64 inside); no headers, so
# no 32-bit multilib is needed.
GUEST_CCAS = $(CC) -m32 -ffreestanding -nostdinc -c
GUEST_LD = $(LD) -m elf_i386 -nostdlib
GUEST_RAW_LD = $(GUEST_LD) -T $(srcdir)/guests/raw/raw.ld
GUEST_MB_LD = $(GUEST_LD) -T $(srcdir)/guests/multiboot/multiboot.ld
GUEST_PVH_LD = $(GUEST_LD) -T $(srcdir)/guests/pvh/pvh.ld

## raw images: .S -> .o -> .elf (at 0x7C00) -> flat .img
## multiboot images: .S -> .o -> .elf (ELF32 at 1 MiB)
## (GNU make pattern rules: configure.ac turns off automake's portability
## warning for them.)

guests/raw/%.o: $(srcdir)/guests/raw/%.S
	$(AM_V_GEN)$(MKDIR_P) guests/raw && $(GUEST_CCAS) -o $@ $<
$(GUEST_RAW_IMAGES:.img=.o): $(srcdir)/guests/raw/serial.inc
guests/raw/%.elf: guests/raw/%.o $(srcdir)/guests/raw/raw.ld
	$(AM_V_GEN)$(GUEST_RAW_LD) -o $@ $<
guests/raw/%.img: guests/raw/%.elf
	$(AM_V_GEN)$(OBJCOPY) -O binary $< $@

guests/multiboot/%.o: $(srcdir)/guests/multiboot/%.S
	$(AM_V_GEN)$(MKDIR_P) guests/multiboot && $(GUEST_CCAS) -o $@ $<
guests/multiboot/long64.o guests/multiboot/timer.o guests/multiboot/kvmleaf.o \
	guests/multiboot/timeracc.o: \
	$(srcdir)/guests/multiboot/longmode.inc
guests/multiboot/timer.o guests/multiboot/timeracc.o: \
	$(srcdir)/guests/multiboot/irq64.inc
guests/multiboot/%.elf: guests/multiboot/%.o $(srcdir)/guests/multiboot/multiboot.ld
	$(AM_V_GEN)$(GUEST_MB_LD) -o $@ $<
# low.elf loads at 0x8000 (an explicit rule wins over the pattern).
guests/multiboot/low.elf: guests/multiboot/low.o $(srcdir)/guests/multiboot/low.ld
	$(AM_V_GEN)$(GUEST_LD) -T $(srcdir)/guests/multiboot/low.ld -o $@ $<

## PVH images: .S -> .o -> .elf (ELF32 at 1 MiB with the Xen entry note)
guests/pvh/%.o: $(srcdir)/guests/pvh/%.S
	$(AM_V_GEN)$(MKDIR_P) guests/pvh && $(GUEST_CCAS) -o $@ $<
guests/pvh/%.elf: guests/pvh/%.o $(srcdir)/guests/pvh/pvh.ld
	$(AM_V_GEN)$(GUEST_PVH_LD) -o $@ $<
