/* no-check.h - included in every test source when configure found no check
 * framework (configure.ac): make check stops here, saying why. */
#error "make check: tests are off: configure found no check framework (Debian: apt-get install check), then rerun ./configure"
