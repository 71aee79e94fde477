/* A dense switch becomes a jump table (in .rodata, with relocations into the function); one
 * case changes. Another function with its own switch table does not change. */
#include "../include/kernel.h"

extern int op_a(int), op_b(int), op_c(int), op_d(int), op_e(int), op_f(int);

int run_op(int op, int v)
{
	switch (op) {
	case 0: return op_a(v);
	case 1: return op_b(v);
	case 2: return op_c(v + 7);
	case 3: return op_d(v);
	case 4: return op_e(v);
	case 5: return op_f(v);
	case 6: return op_a(v * 3);
	default: return -22;
	}
}

int run_other(int op, int v)
{
	switch (op) {
	case 0: return op_f(v);
	case 1: return op_e(v);
	case 2: return op_d(v + 2);
	case 3: return op_c(v);
	case 4: return op_b(v);
	case 5: return op_a(v);
	case 6: return op_b(v * 5);
	default: return -95;
	}
}
