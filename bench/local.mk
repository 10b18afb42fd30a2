# bench/local.mk - adapter benchmarks (included from Makefile.am): what
# libgss-sspi costs over raw GSS calls for the same work (make bench-adapter;
# not part of make check).
EXTRA_PROGRAMS += bench/bench-adapter
bench_bench_adapter_SOURCES = bench/adapter.c
bench_bench_adapter_LDADD = libgss-sspi.la $(GSSAPI_LIBS)
CLEANFILES += bench/bench-adapter
EXTRA_DIST += bench/adapter.sh

bench-adapter: bench/bench-adapter$(EXEEXT)
	KRB5KDC='$(KRB5KDC)' KDB5_UTIL='$(KDB5_UTIL)' KADMIN_LOCAL='$(KADMIN_LOCAL)' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	$(SHELL) $(abs_top_srcdir)/bench/adapter.sh
.PHONY: bench-adapter
