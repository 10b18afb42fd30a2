/*
 * Security.h - Windows file names are case-insensitive, and sources include
 * <Security.h> as often as <security.h>: the same header.
 */
#include <security.h>
