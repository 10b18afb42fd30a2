# mech/local.mk - the GSS mechanism module (included from Makefile.am).
#
# gss-sspi-negotiate.so: an MIT mechglue interposer for SPNEGO, NTLMSSP and
# Kerberos (mech/README.md).  Registered by mech.d/gss-sspi.conf; its policy
# is $(sysconfdir)/gss-sspi/negotiate.conf.

gssmechdir = $(libdir)/gss-sspi
gssmech_LTLIBRARIES = mech/gss-sspi-negotiate.la

GSS_SSPI_MECH_SOURCES = \
	mech/gssi.h \
	mech/mech_internal.h \
	mech/thread_state.h \
	mech/thread_state.c \
	mech/gss-sspi-mech.h \
	mech/interposer.c \
	mech/passthrough_cred.c \
	mech/delegated_cred.c \
	mech/passthrough_name.c \
	mech/passthrough_ctx.c \
	mech/accept.c \
	mech/caller_requirements.c \
	mech/initiate.c \
	mech/extensions.c \
	mech/policy.c \
	mech/audit.c \
	mech/syslog_send.c \
	mech/ntlm_inspect.c \
	mech/krb5_token.c \
	mech/spnego_token.c
GSS_SSPI_MECH_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mech \
	-DGSS_SSPI_SYSCONFDIR='"$(sysconfdir)"'

mech_gss_sspi_negotiate_la_SOURCES = $(GSS_SSPI_MECH_SOURCES)
mech_gss_sspi_negotiate_la_CPPFLAGS = $(GSS_SSPI_MECH_CPPFLAGS)
mech_gss_sspi_negotiate_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
mech_gss_sspi_negotiate_la_LIBADD = libgss-sspi-common.la $(GSSAPI_LIBS)
mech_gss_sspi_negotiate_la_LDFLAGS = -module -avoid-version -shared -no-undefined \
	-export-symbols-regex '^(gss_mech_interposer|gssi_.*)$$'

gssspiinclude_HEADERS += mech/gss-sspi-mech.h

# The mech.d entry names the installed module.  gssmechconfdir is where MIT
# reads it (configure --with-gss-mech-dir, default /etc/gss/mech.d).
gssmechconf_DATA = mech.d/gss-sspi.conf
mech.d/gss-sspi.conf: $(top_srcdir)/mech.d/gss-sspi.conf.in Makefile
	$(AM_V_GEN)$(MKDIR_P) mech.d && \
	sed -e 's|@gssmechdir[@]|$(gssmechdir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(top_srcdir)/mech.d/gss-sspi.conf.in >$@
CLEANFILES += mech.d/gss-sspi.conf

# A loadable module, not a library to link: no .la beside it (libtool's
# uninstall reads that file, so the .so is removed here).
install-data-hook: install-mech-drop-la
install-mech-drop-la:
	rm -f "$(DESTDIR)$(gssmechdir)/gss-sspi-negotiate.la"
uninstall-local: uninstall-mech-so
uninstall-mech-so:
	rm -f "$(DESTDIR)$(gssmechdir)/gss-sspi-negotiate.so"
	-rmdir "$(DESTDIR)$(gssmechdir)" 2>/dev/null
.PHONY: install-mech-drop-la uninstall-mech-so

# The policy file: installed once, never over an administrator's copy.
install-data-local: install-negotiate-conf
install-negotiate-conf:
	@if test ! -f "$(DESTDIR)$(sysconfdir)/gss-sspi/negotiate.conf"; then \
		$(MKDIR_P) "$(DESTDIR)$(sysconfdir)/gss-sspi" && \
		$(INSTALL_DATA) $(top_srcdir)/mech/negotiate.conf \
			"$(DESTDIR)$(sysconfdir)/gss-sspi/negotiate.conf"; \
	fi
uninstall-local: uninstall-negotiate-conf
uninstall-negotiate-conf:
	@if test -f "$(DESTDIR)$(sysconfdir)/gss-sspi/negotiate.conf" && \
		cmp -s $(top_srcdir)/mech/negotiate.conf \
			"$(DESTDIR)$(sysconfdir)/gss-sspi/negotiate.conf"; then \
		rm -f "$(DESTDIR)$(sysconfdir)/gss-sspi/negotiate.conf"; \
	fi
.PHONY: install-negotiate-conf uninstall-negotiate-conf

EXTRA_DIST += mech/README.md mech/negotiate.conf mech.d/gss-sspi.conf.in

# ---- tests (tests/mech/) -------------------------------------------------------
# The module under test, loaded through GSS_MECH_CONFIG (no root needed).
AM_TESTS_ENVIRONMENT += \
	GSS_SSPI_NEGOTIATE_MODULE='$(abs_top_builddir)/mech/.libs/gss-sspi-negotiate.so'; \
	export GSS_SSPI_NEGOTIATE_MODULE;

check_PROGRAMS += \
	tests/mech/test_mech_units \
	tests/mech/test_mech \
	tests/mech/gss-acceptor \
	tests/mech/gss-client

TESTS += \
	tests/mech/test_mech_units \
	tests/mech/test_mech \
	tests/mech/transparency.sh \
	tests/mech/ntlmv1.sh

# Unit tests link the module's sources (parsers, policy, audit format).
tests_mech_test_mech_units_SOURCES = tests/mech/test_mech_units.c $(GSS_SSPI_MECH_SOURCES)
tests_mech_test_mech_units_CPPFLAGS = $(GSS_SSPI_MECH_CPPFLAGS) -I$(top_srcdir)/tests
tests_mech_test_mech_units_CFLAGS = $(TEST_CFLAGS)
tests_mech_test_mech_units_LDADD = libgss-sspi-common.la $(CHECK_LIBS) $(GSSAPI_LIBS)

tests_mech_test_mech_SOURCES = tests/mech/test_mech.c $(TEST_COMMON)
tests_mech_test_mech_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mech -I$(top_srcdir)/tests
tests_mech_test_mech_CFLAGS = $(TEST_CFLAGS)
tests_mech_test_mech_LDADD = libgss-sspi-common.la $(TEST_LDADD)

tests_mech_gss_acceptor_SOURCES = tests/mech/gss_acceptor.c tests/mech/wire.h
tests_mech_gss_acceptor_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/mech
tests_mech_gss_acceptor_LDADD = $(GSSAPI_LIBS)
tests_mech_gss_client_SOURCES = tests/mech/gss_client.c tests/mech/wire.h
tests_mech_gss_client_LDADD = $(GSSAPI_LIBS)

EXTRA_DIST += tests/mech/transparency.sh tests/mech/ntlmv1.sh tests/mech/lib.sh
