/* Writable, zeroed, read-only and thread-local data; static locals; strings; a switch table. */
int initialised_global = 42;
int zeroed_global;
static int file_static = 7;
const int table[8] = { 1, 2, 3, 5, 8, 13, 21, 34 };
__thread int per_thread;
int common_candidate __attribute__((common));

static const char *const names[] = { "zero", "one", "two", "three" };

const char *name_of(unsigned i)
{
	return i < 4 ? names[i] : "many";
}

int next_id(void)
{
	static int counter;
	static int calls = 100;
	calls++;
	return ++counter + file_static;
}

int bump_thread(void)
{
	return ++per_thread;
}

int classify(int c)
{
	switch (c) {
	case 0: return 11;
	case 1: return 23;
	case 2: return 35;
	case 3: return 47;
	case 4: return 59;
	case 5: return 61;
	case 6: return 73;
	default: return table[c & 7] + initialised_global + zeroed_global;
	}
}
