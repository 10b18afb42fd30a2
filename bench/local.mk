# bench/local.mk - benchmarks (included from Makefile.am; not part of make
# check): `make bench` runs bench/run.sh inside one private realm:
# libgss-sspi against raw GSS (bench-adapter) and a GSS server with and
# without the gss-sspi-negotiate module (bench-module), as ratios.
EXTRA_PROGRAMS = bench/bench-adapter bench/bench-module
bench_bench_adapter_SOURCES = bench/adapter.c bench/adapter_sides.c bench/adapter.h \
	bench/measure.h
bench_bench_adapter_LDADD = libgss-sspi.la $(GSSAPI_LIBS)
bench_bench_module_SOURCES = bench/module.c bench/measure.h
bench_bench_module_LDADD = $(GSSAPI_LIBS)
CLEANFILES += bench/bench-adapter bench/bench-module
EXTRA_DIST += bench/run.sh bench/lib.sh bench/adapter.sh bench/module.sh bench/dumps.awk \
	bench/report.awk

bench: bench/bench-adapter$(EXEEXT) bench/bench-module$(EXEEXT) $(gssmech_LTLIBRARIES)
	KRB5KDC='$(KRB5KDC)' KDB5_UTIL='$(KDB5_UTIL)' KADMIN_LOCAL='$(KADMIN_LOCAL)' \
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	GSS_SSPI_NEGOTIATE_MODULE='$(abs_top_builddir)/mech/.libs/gss-sspi-negotiate.so' \
	$(SHELL) $(abs_top_srcdir)/bench/run.sh
.PHONY: bench
