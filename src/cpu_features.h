/*
 * Named CPUID feature bits for --cpu-features: the /proc/cpuinfo flag names
 * of the standard leaves and the KVM paravirtual features of leaf
 * 0x40000001 (linux/kvm_para.h KVM_FEATURE_*, named as QEMU names them).
 */
#ifndef HVRUN_CPU_FEATURES_H
#define HVRUN_CPU_FEATURES_H

#include <stdint.h>

enum cpuid_reg { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

struct cpu_feature {
	const char *name;
	uint32_t leaf, subleaf;
	enum cpuid_reg reg;
	uint32_t mask;		/* kvm-clock is two bits */
};

/* The table has fewer entries than this: a bitmap of them fits vm_config. */
#define CPU_FEATURES_MAX 256
#define CPU_FEATURE_WORDS (CPU_FEATURES_MAX / 64)

extern const struct cpu_feature cpu_features[];
extern const unsigned int cpu_features_count;

/* Index of name in cpu_features, or -1. */
int cpu_feature_find(const char *name);

#endif
