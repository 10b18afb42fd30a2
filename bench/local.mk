# bench/local.mk - adapter benchmarks (included from Makefile.am).
