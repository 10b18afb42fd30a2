# tests/soak/local.mk - make soak (included from Makefile.am): Kerberos and
# NTLM handshakes in a loop through libgss-sspi, without and with the
# gss-sspi-negotiate module, printing RSS growth per 1,000 handshakes.
# Bounded (about a minute); not part of make check or of CI's pass/fail.
EXTRA_PROGRAMS += tests/soak/bench-soak
tests_soak_bench_soak_SOURCES = tests/soak/soak.c
tests_soak_bench_soak_LDADD = libgss-sspi.la $(GSSAPI_LIBS)
CLEANFILES += tests/soak/bench-soak
EXTRA_DIST += tests/soak/soak.sh

soak: tests/soak/bench-soak$(EXEEXT) $(gssmech_LTLIBRARIES)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	GSS_SSPI_NEGOTIATE_MODULE='$(abs_top_builddir)/mech/.libs/gss-sspi-negotiate.so' \
	$(SHELL) $(abs_top_srcdir)/tests/soak/soak.sh
.PHONY: soak
