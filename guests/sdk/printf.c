/*
 * printf.c - the small printf family of the PV guest SDK.
 *
 * Conversions: %s %c %d %i %u %x %X %p %%, length modifiers l, ll and z,
 * a field width (digits or *), and the '0' and '-' flags. No floating point
 * (guests build with -mgeneral-regs-only).
 *
 * printf() formats into a buffer on its own stack and hands it to
 * hv_console_write() at each '\n', when the buffer fills and at the end:
 * no shared state, so vCPUs may print at once (lines can interleave; take
 * a lock around printf to keep them whole).
 */
#include "hv.h"

#define LINE_MAX	256

/* Output sink: a bounded string, or a line buffer flushed to the console. */
struct sink {
	char *buf;
	size_t size;
	size_t len;		/* chars in buf (line) or written so far (string) */
	int console;
	int total;		/* chars produced, as printf returns */
};

static void flush(struct sink *o)
{
	if (o->console && o->len) {
		hv_console_write(o->buf, o->len);
		o->len = 0;
	}
}

static void put(struct sink *o, char ch)
{
	o->total++;
	if (o->console) {
		o->buf[o->len++] = ch;
		if (ch == '\n' || o->len == o->size)
			flush(o);
		return;
	}
	/* Strings keep room for the NUL; the rest is counted, not stored. */
	if (o->len + 1 < o->size)
		o->buf[o->len] = ch;
	o->len++;
}

static void pad(struct sink *o, char ch, int n)
{
	while (n-- > 0)
		put(o, ch);
}

static void put_field(struct sink *o, const char *s, int len, int width,
		      int left, char padch, int sign)
{
	int fill = width - len - (sign != 0);

	/* Zero padding goes after the sign, space padding before it. */
	if (!left && padch == ' ')
		pad(o, ' ', fill);
	if (sign)
		put(o, (char)sign);
	if (!left && padch == '0')
		pad(o, '0', fill);
	while (len-- > 0)
		put(o, *s++);
	if (left)
		pad(o, ' ', fill);
}

/* Digits of v in base, most significant first, into the end of buf. */
static int utoa(unsigned long long v, unsigned int base, int upper,
		char *buf, int size)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int i = size;

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	return i;
}

static void format(struct sink *o, const char *fmt, va_list ap)
{
	char num[24];
	const char *s;
	unsigned long long u;
	long long v;
	int width, left, lng, start, sign;
	char padch;

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		fmt++;
		left = 0;
		padch = ' ';
		for (;; fmt++) {
			if (*fmt == '-')
				left = 1;
			else if (*fmt == '0')
				padch = '0';
			else
				break;
		}
		if (left)
			padch = ' ';
		width = 0;
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		lng = 0;
		while (*fmt == 'l' || *fmt == 'z') {
			lng = *fmt == 'z' ? 1 : lng + 1;
			fmt++;
		}
		sign = 0;
		switch (*fmt) {
		case '\0':
			return;
		case '%':
			put(o, '%');
			break;
		case 'c':
			num[0] = (char)va_arg(ap, int);
			put_field(o, num, 1, width, left, ' ', 0);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			put_field(o, s, (int)strlen(s), width, left, ' ', 0);
			break;
		case 'd':
		case 'i':
			v = lng >= 2 ? va_arg(ap, long long) :
			    lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
			sign = v < 0 ? '-' : 0;
			start = utoa(u, 10, 0, num, sizeof(num));
			put_field(o, num + start, (int)sizeof(num) - start,
				  width, left, padch, sign);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng >= 2 ? va_arg(ap, unsigned long long) :
			    lng == 1 ? va_arg(ap, unsigned long) :
				       va_arg(ap, unsigned int);
			start = utoa(u, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				     num, sizeof(num));
			put_field(o, num + start, (int)sizeof(num) - start,
				  width, left, padch, 0);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			start = utoa(u, 16, 0, num, sizeof(num));
			num[--start] = 'x';
			num[--start] = '0';
			put_field(o, num + start, (int)sizeof(num) - start,
				  width, left, ' ', 0);
			break;
		default:
			/* Unknown conversion: show it rather than guess. */
			put(o, '%');
			put(o, *fmt);
			break;
		}
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink o = { .buf = buf, .size = size };

	format(&o, fmt, ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.total;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	struct sink o = { .buf = line, .size = sizeof(line), .console = 1 };

	format(&o, fmt, ap);
	flush(&o);
	return o.total;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* As C's puts: s and a newline. */
int puts(const char *s)
{
	return printf("%s\n", s);
}

void hv_print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
	/* bytes/ns * 1000 = MB/s; in tenths. */
	uint64_t mbs10 = bytes * 10000 / (ns ? ns : 1);

	printf("%s %llu bytes in %llu.%llu ms: %llu.%llu MB/s\n", what,
	       (unsigned long long)bytes, (unsigned long long)(ns / 1000000),
	       (unsigned long long)(ns / 100000 % 10),
	       (unsigned long long)(mbs10 / 10),
	       (unsigned long long)(mbs10 % 10));
}
