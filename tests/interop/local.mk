# tests/interop/local.mk - the interoperability matrix (included from Makefile.am).
#
# `make interop` builds the interop servers and clients and runs
# tests/interop/run-matrix.sh: independent implementations (Wine's secur32,
# Heimdal, Samba's ntlm_auth, MIT, real Windows tokens, curl, Java JGSS,
# python3-ntlm-auth, impacket) against our SSPI server, with and without the
# gss-sspi-negotiate module, and our SSPI client against a raw MIT acceptor.  See
# tests/interop/README.md.

INTEROP_WIRE = tests/interop/wire.c tests/interop/wire.h
# What the two SSPI programs (interop-server, sspi-client) share besides.
INTEROP_SSPI_WIRE = tests/interop/sspi_wire.c tests/interop/sspi_wire.h $(INTEROP_WIRE)

# The native programs build with `make check` too, so header changes that
# break them show at once; the matrix itself runs only with `make interop`.
check_PROGRAMS += \
	tests/interop/interop-server \
	tests/interop/gss-server \
	tests/interop/sspi-client \
	tests/interop/gss-client-mit \
	tests/interop/ntlm-auth-client \
	tests/interop/interop-replay

tests_interop_interop_server_SOURCES = tests/interop/interop_server.c $(INTEROP_SSPI_WIRE)
tests_interop_interop_server_LDADD = libgss-sspi.la
tests_interop_sspi_client_SOURCES = tests/interop/sspi_client.c $(INTEROP_SSPI_WIRE)
tests_interop_sspi_client_LDADD = libgss-sspi.la
tests_interop_gss_server_SOURCES = tests/interop/gss_server.c $(INTEROP_WIRE)
tests_interop_gss_server_LDADD = $(GSSAPI_LIBS)
tests_interop_gss_client_mit_SOURCES = tests/interop/gss_client.c $(INTEROP_WIRE)
tests_interop_gss_client_mit_LDADD = $(GSSAPI_LIBS)
tests_interop_ntlm_auth_client_SOURCES = tests/interop/ntlm_auth_client.c $(INTEROP_WIRE)
tests_interop_interop_replay_SOURCES = tests/interop/replay_client.c $(INTEROP_WIRE) \
	tests/windows_keytab.c tests/windows_keytab.h
tests_interop_interop_replay_LDADD = libgss-sspi-common.la $(GSSAPI_LIBS)

# Two clients need toolchains that configure does not look for: Heimdal's
# GSS-API (heimdal-multidev) and mingw-w64.  Each is built when its toolchain
# is there; otherwise the runner reports its cells as SKIP with the reason.
INTEROP_CFLAGS = -std=gnu11 $(WARN_CFLAGS)
INTEROP_MINGW_CC = x86_64-w64-mingw32-gcc
INTEROP_SRC = $(srcdir)/tests/interop

tests/interop/gss-client-heimdal: $(INTEROP_SRC)/gss_client.c $(INTEROP_SRC)/wire.c $(INTEROP_SRC)/wire.h
	$(AM_V_CC)$(MKDIR_P) tests/interop; \
	if pkg-config --exists heimdal-gssapi; then \
	  $(CC) $(INTEROP_CFLAGS) -DGSS_CLIENT_HEIMDAL $$(pkg-config --cflags heimdal-gssapi) \
	    -o $@ $(INTEROP_SRC)/gss_client.c $(INTEROP_SRC)/wire.c \
	    $$(pkg-config --libs heimdal-gssapi) \
	    -Wl,-rpath,$$(pkg-config --variable=libdir heimdal-gssapi); \
	else echo "interop: no heimdal-gssapi (apt-get install heimdal-multidev): Heimdal cells will skip"; fi

tests/interop/sspi-client.exe: $(INTEROP_SRC)/sspi_client.c $(INTEROP_SRC)/sspi_wire.c \
		$(INTEROP_SRC)/sspi_wire.h $(INTEROP_SRC)/wire.c $(INTEROP_SRC)/wire.h
	$(AM_V_CC)$(MKDIR_P) tests/interop; \
	if command -v $(INTEROP_MINGW_CC) >/dev/null 2>&1; then \
	  $(INTEROP_MINGW_CC) -std=c11 $(WARN_CFLAGS) -O2 -o $@ $(INTEROP_SRC)/sspi_client.c \
	    $(INTEROP_SRC)/sspi_wire.c $(INTEROP_SRC)/wire.c -lsecur32 -lws2_32; \
	else echo "interop: no $(INTEROP_MINGW_CC) (apt-get install gcc-mingw-w64-x86-64): Wine cells will skip"; fi

INTEROP_BUILT = \
	tests/interop/interop-server$(EXEEXT) \
	tests/interop/gss-server$(EXEEXT) \
	tests/interop/sspi-client$(EXEEXT) \
	tests/interop/gss-client-mit$(EXEEXT) \
	tests/interop/ntlm-auth-client$(EXEEXT) \
	tests/interop/interop-replay$(EXEEXT) \
	tests/interop/gss-client-heimdal \
	tests/interop/sspi-client.exe

# The matrix, then the sockets sample server with its mingw-built client
# under Wine (tests/sample-sockets.sh --wine).  The matrix also runs the
# module (its "with module" cells) and the demo HTTP server (curl's cells);
# the Python and Java clients run from the source tree (Java compiled by the
# runner).
interop: $(INTEROP_BUILT) $(gssmech_LTLIBRARIES) tools/sspi-demo-server$(EXEEXT) \
		tests/sample-server$(EXEEXT) tests/sample-client$(EXEEXT)
	KRB5KDC='$(KRB5KDC)' KDB5_UTIL='$(KDB5_UTIL)' KADMIN_LOCAL='$(KADMIN_LOCAL)' \
	  GSS_SSPI_TEST_DATA='$(abs_top_srcdir)/tests/data' \
	  $(SHELL) $(INTEROP_SRC)/run-matrix.sh $(abs_top_builddir)/tests/interop
	KRB5KDC='$(KRB5KDC)' KDB5_UTIL='$(KDB5_UTIL)' KADMIN_LOCAL='$(KADMIN_LOCAL)' \
	  top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/tests/sample-sockets.sh --wine

.PHONY: interop

CLEANFILES += tests/interop/gss-client-heimdal tests/interop/sspi-client.exe
EXTRA_DIST += tests/interop/run-matrix.sh tests/interop/README.md \
	tests/interop/interop_wire.py tests/interop/http_client.py \
	tests/interop/ntlm_auth_py_client.py tests/interop/impacket_client.py \
	tests/interop/java/InteropClient.java tests/interop/java/HttpFetch.java
