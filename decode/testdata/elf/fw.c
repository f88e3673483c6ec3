/*
 * fw.c - a tiny sketch-shaped program for the decode package's symbolizer
 * fixture. It is never run: it only has to give realistic ESP8266 code
 * addresses (flash-mapped irom0 and IRAM), an inlined function, calls in both
 * CALL0 and CALLX0 form, and a crash path (a NULL struct pointer read inside
 * an inlined function, as Exception (28) LoadProhibited would report it).
 */

struct sensor {
	int id;
	int value;
};

volatile unsigned int ticks;
struct sensor *current; /* never set: reading through it is the crash */

int util_mix(int v);
void timer_isr(void);
unsigned int util_checksum(const unsigned char *p, unsigned int n);

/* Inlined into read_sensor: the crashing load happens here. */
static inline int scale(const struct sensor *s)
{
	int v = s->value;
	return util_mix(v) * 3 + (int)ticks;
}

__attribute__((noinline)) int read_sensor(const struct sensor *s)
{
	int r = scale(s);
	return r + s->id;
}

__attribute__((noinline)) void process(void)
{
	int v = read_sensor(current);
	ticks += (unsigned int)v;
}

static unsigned char buf[16];

__attribute__((noinline)) void loop(void)
{
	process();
	timer_isr();
	buf[ticks & 15] = (unsigned char)util_checksum(buf, sizeof buf);
}

void setup(void)
{
	ticks = 0;
}

void app_main(void)
{
	setup();
	for (;;)
		loop();
}

/* In IRAM, like an IRAM_ATTR interrupt handler. */
__attribute__((section(".iram.text"), noinline)) void timer_isr(void)
{
	ticks++;
	if (ticks & 0x100)
		ticks ^= util_mix((int)ticks);
}
