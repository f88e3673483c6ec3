/* util.c - a second compilation unit, so the line index spans several CUs. */

int util_mix(int v)
{
	v ^= v >> 7;
	return v * 31 + 5;
}

unsigned int util_checksum(const unsigned char *p, unsigned int n)
{
	unsigned int sum = 0;
	while (n--)
		sum = (sum << 1) ^ *p++;
	return sum;
}
