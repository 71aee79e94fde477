// C++ inline functions and template instances land in COMDAT section groups.
template <typename T> T twice(T v) { return v + v; }

inline int shared_inline(int x) { return x * 3 + 1; }

int use_templates(int a, long b)
{
	return twice(a) + static_cast<int>(twice(b)) + shared_inline(a);
}
