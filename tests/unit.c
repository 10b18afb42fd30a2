/*
 * unit.c - unit tests of libgss-sspi's internals (internal.h).
 *
 * Built together with every library source (Makefile.am), so the hidden
 * functions are callable.  Expected values come from DESIGN.md sections 2-5
 * and from Windows facts, written here as literal numbers: the tests never
 * read the library's own tables back.
 *
 * One TCase per concern; table rows run as loop tests, so a failing row is
 * reported with its index and name.
 */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <krb5/krb5.h>

#include "internal.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ======================================================================== */
/* utf16                                                                     */
/* ======================================================================== */

static const struct utf16_case {
    const char *name;
    const char *utf8;
    SEC_WCHAR units[8];
    size_t n;
} utf16_cases[] = {
    {"empty", "", {0}, 0},
    {"ascii", "hello", {'h', 'e', 'l', 'l', 'o'}, 5},
    {"latin-1 (jürgen)", "j\xC3\xBCrgen", {'j', 0x00FC, 'r', 'g', 'e', 'n'}, 6},
    {"CJK (日本語)", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", {0x65E5, 0x672C, 0x8A9E}, 3},
    {"surrogate pair (U+1F600)", "\xF0\x9F\x98\x80", {0xD83D, 0xDE00}, 2},
    {"mixed",
     "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z",
     {'a', 0x00E9, 0x20AC, 0xD83D, 0xDE00, 'z'},
     6},
    {"highest (U+10FFFF)", "\xF4\x8F\xBF\xBF", {0xDBFF, 0xDFFF}, 2},
    {"U+FFFF", "\xEF\xBF\xBF", {0xFFFF}, 1},
};

START_TEST(test_utf16_round_trip)
{
    const struct utf16_case *c = &utf16_cases[_i];
    size_t units = 12345;
    SEC_WCHAR *w = utf8_to_utf16(c->utf8, &units);
    ck_assert_msg(w != NULL, "%s: utf8_to_utf16 failed", c->name);
    ck_assert_msg(units == c->n, "%s: %zu units, expected %zu", c->name, units, c->n);
    ck_assert_msg(memcmp(w, c->units, c->n * sizeof(SEC_WCHAR)) == 0, "%s: wrong units", c->name);
    ck_assert_msg(w[c->n] == 0, "%s: not NUL-terminated", c->name);
    ck_assert_uint_eq(utf16_len(w), c->n);
    free(w);

    /* units_out may be NULL */
    w = utf8_to_utf16(c->utf8, NULL);
    ck_assert_ptr_nonnull(w);
    free(w);

    char *s = utf16_to_utf8(c->units, c->n);
    ck_assert_msg(s != NULL, "%s: utf16_to_utf8 failed", c->name);
    ck_assert_str_eq(s, c->utf8);
    free(s);
}
END_TEST

static const struct bad_utf16_case {
    const char *name;
    SEC_WCHAR units[4];
    size_t n;
} bad_utf16_cases[] = {
    {"lone high surrogate", {0xD800}, 1},
    {"lone low surrogate", {0xDC00}, 1},
    {"high surrogate then letter", {0xD83D, 'a'}, 2},
    {"high surrogate at the end", {'a', 0xD83D}, 2},
    {"reversed pair", {0xDE00, 0xD83D}, 2},
    {"two high surrogates", {0xD83D, 0xD83D}, 2},
    /* the pair is cut by the length: units beyond n are not read */
    {"pair cut by the length", {0xD83D, 0xDE00}, 1},
};

START_TEST(test_utf16_invalid_utf16)
{
    const struct bad_utf16_case *c = &bad_utf16_cases[_i];
    char *s = utf16_to_utf8(c->units, c->n);
    ck_assert_msg(s == NULL, "%s: accepted as \"%s\"", c->name, s ? s : "");
}
END_TEST

static const struct bad_utf8_case {
    const char *name;
    const char *s;
} bad_utf8_cases[] = {
    {"overlong '/' (C0 AF)", "\xC0\xAF"},
    {"overlong NUL (C0 80)", "\xC0\x80"},
    {"overlong 3-byte (E0 80 AF)", "\xE0\x80\xAF"},
    {"overlong 4-byte (F0 80 80 AF)", "\xF0\x80\x80\xAF"},
    {"truncated 2-byte", "\xC3"},
    {"truncated 3-byte", "\xE2\x82"},
    {"truncated 4-byte", "a\xF0\x9F\x98"},
    {"truncated in the middle", "\xE2\x82z"},
    {"encoded surrogate (ED A0 80)", "\xED\xA0\x80"},
    {"encoded low surrogate (ED B0 80)", "\xED\xB0\x80"},
    {"above U+10FFFF (F4 90 80 80)", "\xF4\x90\x80\x80"},
    {"F5 lead byte", "\xF5\x80\x80\x80"},
    {"5-byte form", "\xF8\x88\x80\x80\x80"},
    {"lone continuation byte", "\x80"},
    {"FF byte", "ab\xFF"},
};

START_TEST(test_utf16_invalid_utf8)
{
    const struct bad_utf8_case *c = &bad_utf8_cases[_i];
    size_t units = 777;
    SEC_WCHAR *w = utf8_to_utf16(c->s, &units);
    ck_assert_msg(w == NULL, "%s: accepted", c->name);
    free(w);
}
END_TEST

START_TEST(test_utf16_len)
{
    static const SEC_WCHAR empty[] = {0};
    static const SEC_WCHAR abc[] = {'a', 'b', 'c', 0};
    static const SEC_WCHAR pair[] = {0xD83D, 0xDE00, 0};
    static const SEC_WCHAR embedded[] = {'a', 0, 'b', 0};
    ck_assert_uint_eq(utf16_len(empty), 0);
    ck_assert_uint_eq(utf16_len(abc), 3);
    ck_assert_uint_eq(utf16_len(pair), 2);
    ck_assert_uint_eq(utf16_len(embedded), 1);
}
END_TEST

/* ======================================================================== */
/* handles                                                                   */
/* ======================================================================== */

/* A lookup with its reference given back at once. */
static void *peek(enum handle_kind kind, const SecHandle *h)
{
    uint32_t id;
    void *obj = handle_get(kind, h, &id);
    handle_put(id);
    return obj;
}

static int destroyed;
static void count_destroy(void *obj)
{
    (void)obj;
    destroyed++;
}

/* A call's reference keeps the object alive across a delete; the last one
 * out destroys it, and only then is the slot reused. */
START_TEST(test_handles_reference_outlives_delete)
{
    int obj;
    SecHandle h, h2;
    uint32_t id1, id2, hold;
    destroyed = 0;
    ck_assert_int_eq(handle_new(HANDLE_CTX, &obj, count_destroy, true, &h, &hold), SEC_E_OK);
    ck_assert_ptr_eq(handle_get(HANDLE_CTX, &h, &id1), &obj);
    ck_assert_ptr_eq(handle_get(HANDLE_CTX, &h, &id2), &obj);
    ck_assert(handle_release(HANDLE_CTX, &h));
    ck_assert_ptr_null(peek(HANDLE_CTX, &h)); /* dead for new lookups */
    ck_assert(!handle_release(HANDLE_CTX, &h));
    handle_put(id1);
    handle_put(hold);
    ck_assert_int_eq(destroyed, 0); /* one call still in */
    ck_assert_int_eq(handle_new(HANDLE_CTX, &obj, NULL, false, &h2, NULL), SEC_E_OK);
    ck_assert_msg(h2.dwLower != h.dwLower, "a slot in use was reused");
    handle_put(id2);
    ck_assert_int_eq(destroyed, 1);
    ck_assert(handle_release(HANDLE_CTX, &h2));
    ck_assert_int_eq(destroyed, 1); /* no destroy function given */
}
END_TEST

START_TEST(test_handles_lifecycle)
{
    int obj;
    SecHandle h = {0, 0};
    ck_assert_int_eq(handle_new(HANDLE_CRED, &obj, NULL, false, &h, NULL), SEC_E_OK);
    ck_assert_ptr_eq(peek(HANDLE_CRED, &h), &obj);
    /* kind mismatch: a credential handle is not a context handle */
    ck_assert_ptr_null(peek(HANDLE_CTX, &h));
    ck_assert(!handle_release(HANDLE_CTX, &h));
    ck_assert_ptr_eq(peek(HANDLE_CRED, &h), &obj); /* still valid */
    ck_assert_ptr_null(peek(HANDLE_CRED, NULL));

    ck_assert(handle_release(HANDLE_CRED, &h));
    ck_assert_ptr_null(peek(HANDLE_CRED, &h));
    ck_assert(!handle_release(HANDLE_CRED, &h)); /* twice */
    ck_assert_ptr_null(peek(HANDLE_CRED, &h));
}
END_TEST

/* Handles derived from a valid one {L, U}. */
static const struct bad_handle_case {
    const char *name;
    enum { BH_ABS, BH_REL } lower_mode, upper_mode;
    ULONG_PTR lower, upper; /* absolute value, or value XORed into the valid one */
} bad_handle_cases[] = {
    {"zeroed", BH_ABS, BH_ABS, 0, 0},
    {"SecInvalidateHandle", BH_ABS, BH_ABS, (ULONG_PTR)-1, (ULONG_PTR)-1},
    {"SEC_DELETED_HANDLE", BH_ABS, BH_ABS, (ULONG_PTR)-2, (ULONG_PTR)-2},
    {"dwLower 0", BH_ABS, BH_REL, 0, 0},
    {"dwLower far beyond the table", BH_ABS, BH_REL, 4000000000u, 0},
    {"dwLower above 32 bits", BH_ABS, BH_REL, (ULONG_PTR)1 << 40, 0},
    {"dwLower all ones", BH_ABS, BH_REL, (ULONG_PTR)-1, 0},
    {"dwUpper 0", BH_REL, BH_ABS, 0, 0},
    {"dwUpper random", BH_REL, BH_ABS, 0, (ULONG_PTR)0x1234567890ABCDEFull},
    {"dwUpper random small", BH_REL, BH_ABS, 0, 0x2A},
    {"generation off by one", BH_REL, BH_REL, 0, 1},
    {"generation high bit", BH_REL, BH_REL, 0, 0x80000000u},
    {"kind bits changed", BH_REL, BH_REL, 0, (ULONG_PTR)0x3 << 32},
    {"magic changed", BH_REL, BH_REL, 0, (ULONG_PTR)1 << 48},
};

START_TEST(test_handles_invalid)
{
    const struct bad_handle_case *c = &bad_handle_cases[_i];
    int obj;
    SecHandle valid, h;
    ck_assert_int_eq(handle_new(HANDLE_CTX, &obj, NULL, false, &valid, NULL), SEC_E_OK);
    h.dwLower = c->lower_mode == BH_ABS ? c->lower : valid.dwLower ^ c->lower;
    h.dwUpper = c->upper_mode == BH_ABS ? c->upper : valid.dwUpper ^ c->upper;
    ck_assert_msg(peek(HANDLE_CTX, &h) == NULL, "%s: {%#lx, %#lx} accepted", c->name,
                  (unsigned long)h.dwLower, (unsigned long)h.dwUpper);
    ck_assert_msg(peek(HANDLE_CRED, &h) == NULL, "%s: accepted as CRED", c->name);
    ck_assert_msg(!handle_release(HANDLE_CTX, &h), "%s: released", c->name);
    /* the valid handle was not harmed by the attempts */
    ck_assert_ptr_eq(peek(HANDLE_CTX, &valid), &obj);
    ck_assert(handle_release(HANDLE_CTX, &valid));
}
END_TEST

START_TEST(test_handles_reuse_generation)
{
    int a, b;
    SecHandle h1, h2;
    ck_assert_int_eq(handle_new(HANDLE_CTX, &a, NULL, false, &h1, NULL), SEC_E_OK);
    ck_assert(handle_release(HANDLE_CTX, &h1));
    ck_assert_int_eq(handle_new(HANDLE_CTX, &b, NULL, false, &h2, NULL), SEC_E_OK);
    /* the freed slot is the one reused next: otherwise this test proves nothing */
    ck_assert_msg(h2.dwLower == h1.dwLower, "slot not reused (%lu then %lu)",
                  (unsigned long)h1.dwLower, (unsigned long)h2.dwLower);
    ck_assert_msg(h2.dwUpper != h1.dwUpper, "same dwUpper after reuse: stale handle revived");
    ck_assert_ptr_null(peek(HANDLE_CTX, &h1));
    ck_assert(!handle_release(HANDLE_CTX, &h1));
    ck_assert_ptr_eq(peek(HANDLE_CTX, &h2), &b);

    /* same slot reused as the other kind: the old context handle stays dead */
    ck_assert(handle_release(HANDLE_CTX, &h2));
    SecHandle h3;
    ck_assert_int_eq(handle_new(HANDLE_CRED, &a, NULL, false, &h3, NULL), SEC_E_OK);
    ck_assert_ptr_null(peek(HANDLE_CTX, &h2));
    ck_assert_ptr_null(peek(HANDLE_CTX, &h3));
    ck_assert_ptr_eq(peek(HANDLE_CRED, &h3), &a);
    ck_assert(handle_release(HANDLE_CRED, &h3));
}
END_TEST

#define MANY_HANDLES 5000

static int cmp_handle(const void *pa, const void *pb)
{
    const SecHandle *a = pa, *b = pb;
    if (a->dwLower != b->dwLower)
        return a->dwLower < b->dwLower ? -1 : 1;
    if (a->dwUpper != b->dwUpper)
        return a->dwUpper < b->dwUpper ? -1 : 1;
    return 0;
}

START_TEST(test_handles_many)
{
    static int objs[MANY_HANDLES];
    static SecHandle h[MANY_HANDLES], sorted[MANY_HANDLES];
    for (size_t i = 0; i < MANY_HANDLES; i++)
        ck_assert_int_eq(handle_new(i % 2 ? HANDLE_CTX : HANDLE_CRED, &objs[i], NULL, false, &h[i], NULL), SEC_E_OK);
    memcpy(sorted, h, sizeof(h));
    qsort(sorted, MANY_HANDLES, sizeof(sorted[0]), cmp_handle);
    for (size_t i = 1; i < MANY_HANDLES; i++)
        ck_assert_msg(cmp_handle(&sorted[i - 1], &sorted[i]) != 0, "duplicate handle");
    for (size_t i = 0; i < MANY_HANDLES; i++) {
        enum handle_kind kind = i % 2 ? HANDLE_CTX : HANDLE_CRED;
        enum handle_kind other = i % 2 ? HANDLE_CRED : HANDLE_CTX;
        ck_assert_ptr_eq(peek(kind, &h[i]), &objs[i]);
        ck_assert_ptr_null(peek(other, &h[i]));
    }
    /* release every other one; the rest stay valid */
    for (size_t i = 0; i < MANY_HANDLES; i += 2)
        ck_assert(handle_release(HANDLE_CRED, &h[i]));
    for (size_t i = 0; i < MANY_HANDLES; i++) {
        if (i % 2)
            ck_assert_ptr_eq(peek(HANDLE_CTX, &h[i]), &objs[i]);
        else
            ck_assert_ptr_null(peek(HANDLE_CRED, &h[i]));
    }
    for (size_t i = 1; i < MANY_HANDLES; i += 2)
        ck_assert(handle_release(HANDLE_CTX, &h[i]));
    for (size_t i = 0; i < MANY_HANDLES; i++)
        ck_assert_ptr_null(peek(i % 2 ? HANDLE_CTX : HANDLE_CRED, &h[i]));
}
END_TEST

/* ======================================================================== */
/* flags (DESIGN section 3, values as written there)                        */
/* ======================================================================== */

static const struct flag_case {
    const char *name;
    ULONG isc_req, asc_req;
    OM_uint32 gss; /* 0: no GSS flag (library-side, u2u, cred option, policy) */
    ULONG isc_ret, asc_ret;
} flag_cases[] = {
    {"DELEGATE", 0x1, 0x1, 0x1, 0x1, 0x1},
    {"MUTUAL_AUTH", 0x2, 0x2, 0x2, 0x2, 0x2},
    {"REPLAY_DETECT", 0x4, 0x4, 0x4, 0x4, 0x4},
    {"SEQUENCE_DETECT", 0x8, 0x8, 0x8, 0x8, 0x8},
    {"CONFIDENTIALITY", 0x10, 0x10, 0x10, 0x10, 0x10},
    {"USE_SESSION_KEY", 0x20, 0x20, 0, 0x20, 0x20},
    {"ALLOCATE_MEMORY", 0x100, 0x100, 0, 0x100, 0x100},
    {"USE_DCE_STYLE", 0x200, 0x200, 0x1000, 0x200, 0x200},
    {"DATAGRAM", 0x400, 0x400, 0x10000, 0x400, 0x400},
    {"CONNECTION", 0x800, 0x800, 0, 0x800, 0x800},
    {"EXTENDED_ERROR", 0x4000, 0x8000, 0, 0x4000, 0x8000},
    {"STREAM", 0x8000, 0x10000, 0, 0x8000, 0x10000},
    {"INTEGRITY", 0x10000, 0x20000, 0x20, 0x10000, 0x20000},
    {"IDENTIFY", 0x20000, 0x80000, 0x2000, 0x20000, 0x80000},
    {"NULL_SESSION", 0x40000, 0x100000, 0x40, 0x40000, 0x100000},
    {"NO_INTEGRITY", 0x800000, 0, 0, 0, 0},
    {"ALLOW_MISSING_BINDINGS", 0, 0x10000000, 0, 0, 0},
};

START_TEST(test_flags_row)
{
    const struct flag_case *c = &flag_cases[_i];
    if (c->isc_req != 0)
        ck_assert_msg(flags_isc_req_to_gss(c->isc_req) == c->gss,
                      "%s: ISC_REQ %#x -> GSS %#x, expected %#x", c->name, c->isc_req,
                      flags_isc_req_to_gss(c->isc_req), c->gss);
    if (c->asc_req != 0)
        ck_assert_msg(flags_asc_req_to_gss(c->asc_req) == c->gss,
                      "%s: ASC_REQ %#x -> GSS %#x, expected %#x", c->name, c->asc_req,
                      flags_asc_req_to_gss(c->asc_req), c->gss);
    if (c->gss != 0) {
        ck_assert_msg(flags_gss_to_isc_ret(c->gss) == c->isc_ret,
                      "%s: GSS %#x -> ISC_RET %#x, expected %#x", c->name, c->gss,
                      flags_gss_to_isc_ret(c->gss), c->isc_ret);
        ck_assert_msg(flags_gss_to_asc_ret(c->gss) == c->asc_ret,
                      "%s: GSS %#x -> ASC_RET %#x, expected %#x", c->name, c->gss,
                      flags_gss_to_asc_ret(c->gss), c->asc_ret);
    }
}
END_TEST

START_TEST(test_flags_combined)
{
    ULONG isc_req = 0, asc_req = 0, isc_ret = 0, asc_ret = 0;
    OM_uint32 gss = 0;
    for (size_t i = 0; i < N_ELEMS(flag_cases); i++) {
        isc_req |= flag_cases[i].isc_req;
        asc_req |= flag_cases[i].asc_req;
        gss |= flag_cases[i].gss;
        if (flag_cases[i].gss != 0) {
            isc_ret |= flag_cases[i].isc_ret;
            asc_ret |= flag_cases[i].asc_ret;
        }
    }
    ck_assert_uint_eq(flags_isc_req_to_gss(isc_req), gss);
    ck_assert_uint_eq(flags_asc_req_to_gss(asc_req), gss);
    ck_assert_uint_eq(flags_gss_to_isc_ret(gss), isc_ret);
    ck_assert_uint_eq(flags_gss_to_asc_ret(gss), asc_ret);
    ck_assert_uint_eq(flags_isc_req_to_gss(0), 0);
    ck_assert_uint_eq(flags_gss_to_isc_ret(0), 0);
}
END_TEST

/* GSS flags with no SSPI counterpart report nothing; in particular
 * GSS_C_CHANNEL_BOUND_FLAG (0x800) is not ISC_RET/ASC_RET_CONNECTION (0x800). */
static const OM_uint32 gss_only_flags[] = {
    0x80 /* PROT_READY */,
    0x100 /* TRANS */,
    0x200 /* DELEG_POLICY */,
    0x800 /* CHANNEL_BOUND */,
    0x4000 /* EXTENDED_ERROR (MIT) */,
};

START_TEST(test_flags_gss_only)
{
    OM_uint32 f = gss_only_flags[_i];
    ck_assert_msg(flags_gss_to_isc_ret(f) == 0, "GSS %#x -> ISC_RET %#x", f,
                  flags_gss_to_isc_ret(f));
    ck_assert_msg(flags_gss_to_asc_ret(f) == 0, "GSS %#x -> ASC_RET %#x", f,
                  flags_gss_to_asc_ret(f));
}
END_TEST

/* Library-side bits: CONNECTION, STREAM, EXTENDED_ERROR are granted when
 * requested; ALLOCATE_MEMORY is not (it is reported when the library did
 * allocate); mechanism bits are never granted by the library. */
static const struct lib_case {
    const char *name;
    bool asc;
    ULONG req, ret;
} lib_cases[] = {
    {"ISC ALLOCATE_MEMORY", false, 0x100, 0},
    {"ISC CONNECTION", false, 0x800, 0x800},
    {"ISC STREAM", false, 0x8000, 0x8000},
    {"ISC EXTENDED_ERROR", false, 0x4000, 0x4000},
    {"ISC USE_SESSION_KEY", false, 0x20, 0},
    {"ISC mechanism bits", false, 0x1 | 0x2 | 0x10 | 0x10000, 0},
    {"ISC all library bits + MUTUAL", false, 0x100 | 0x800 | 0x4000 | 0x8000 | 0x2,
     0x800 | 0x4000 | 0x8000},
    {"ASC ALLOCATE_MEMORY", true, 0x100, 0},
    {"ASC CONNECTION", true, 0x800, 0x800},
    {"ASC STREAM", true, 0x10000, 0x10000},
    {"ASC EXTENDED_ERROR", true, 0x8000, 0x8000},
    {"ASC INTEGRITY (mechanism)", true, 0x20000, 0},
    {"ASC ALLOW_MISSING_BINDINGS", true, 0x10000000, 0},
    {"ASC all library bits + CONF", true, 0x100 | 0x800 | 0x8000 | 0x10000 | 0x10,
     0x800 | 0x8000 | 0x10000},
};

START_TEST(test_flags_library_ret)
{
    const struct lib_case *c = &lib_cases[_i];
    ULONG got = c->asc ? flags_asc_library_ret(c->req) : flags_isc_library_ret(c->req);
    ck_assert_msg(got == c->ret, "%s: req %#x -> %#x, expected %#x", c->name, c->req, got, c->ret);
}
END_TEST

static const struct describe_case {
    enum flag_space space;
    uint32_t value;
    const char *text;
} describe_cases[] = {
    {FLAGS_ISC_REQ, 0x12, "MUTUAL_AUTH|CONFIDENTIALITY"},
    {FLAGS_ISC_REQ, 0x40000002, "MUTUAL_AUTH|0x40000000"},
    {FLAGS_ISC_REQ, 0, "0"},
    {FLAGS_ISC_REQ, 0x10000, "INTEGRITY"},
    {FLAGS_ASC_REQ, 0x10000, "STREAM"},
    {FLAGS_ASC_REQ, 0x3, "DELEGATE|MUTUAL_AUTH"},
    {FLAGS_ASC_RET, 0x8000, "EXTENDED_ERROR"},
    {FLAGS_ISC_RET, 0x80000000, "0x80000000"},
    {FLAGS_GSS, 0x802, "MUTUAL|CHANNEL_BOUND"},
    {FLAGS_GSS, 0x10000, "DATAGRAM"},
    {FLAGS_GSS, 0x20000000, "0x20000000"},
    {FLAGS_GSS, 0, "0"},
};

START_TEST(test_flags_describe)
{
    const struct describe_case *c = &describe_cases[_i];
    char buf[256];
    memset(buf, 'X', sizeof(buf));
    const char *got = flags_describe(c->space, c->value, buf, sizeof(buf));
    ck_assert_ptr_eq(got, buf);
    ck_assert_str_eq(got, c->text);
}
END_TEST

START_TEST(test_flags_describe_truncates)
{
    char buf[16];
    memset(buf, 'X', sizeof(buf));
    /* MUTUAL_AUTH|CONFIDENTIALITY|0x40000000 does not fit in 10 bytes */
    flags_describe(FLAGS_ISC_REQ, 0x40000012, buf, 10);
    ck_assert_uint_lt(strlen(buf), 10);
    ck_assert_msg(strncmp("MUTUAL_AUTH|CONFIDENTIALITY|0x40000000", buf, strlen(buf)) == 0,
                  "\"%s\" is not a prefix", buf);
    for (size_t i = 10; i < sizeof(buf); i++)
        ck_assert_msg(buf[i] == 'X', "byte %zu written past the length", i);
}
END_TEST

/* ======================================================================== */
/* status (DESIGN section 4)                                                */
/* ======================================================================== */

enum test_mech { M_NONE, M_KRB5, M_NTLM, M_SPNEGO, M_COUNT };
static const char *const mech_oid_str[M_COUNT] = {
    NULL,
    "1.2.840.113554.1.2.2",
    "1.3.6.1.4.1.311.2.2.10",
    "1.3.6.1.5.5.2",
};

/* The OID from its dotted form (independent of the library's oids.c). */
static gss_OID oid_cache[M_COUNT];

static gss_OID test_oid(enum test_mech m)
{
    OM_uint32 minor;
    if (m == M_NONE)
        return GSS_C_NO_OID;
    if (oid_cache[m] == GSS_C_NO_OID) {
        gss_buffer_desc s = {strlen(mech_oid_str[m]), (void *)mech_oid_str[m]};
        ck_assert_uint_eq(gss_str_to_oid(&minor, &s, &oid_cache[m]), GSS_S_COMPLETE);
    }
    return oid_cache[m];
}

static void release_test_oids(void)
{
    OM_uint32 minor;
    for (size_t m = 0; m < M_COUNT; m++)
        if (oid_cache[m] != GSS_C_NO_OID)
            gss_release_oid(&minor, &oid_cache[m]);
}

static const struct major_case {
    OM_uint32 major;
    uint32_t acceptor, initiator;
} major_cases[] = {
    {0x10000 /* BAD_MECH */, 0x80090305, 0x80090305},
    {0x20000 /* BAD_NAME */, 0x80090303, 0x80090303},
    {0x30000 /* BAD_NAMETYPE */, 0x80090303, 0x80090303},
    {0x40000 /* BAD_BINDINGS */, 0x80090346, 0x80090346},
    {0x60000 /* BAD_SIG */, 0x8009030F, 0x8009030F},
    {0x70000 /* NO_CRED */, 0x8009030E, 0x8009030E},
    {0x80000 /* NO_CONTEXT */, 0x80090301, 0x80090301},
    {0x90000 /* DEFECTIVE_TOKEN */, 0x80090308, 0x80090308},
    {0xA0000 /* DEFECTIVE_CREDENTIAL */, 0x8009030C, 0x8009030C},
    {0xB0000 /* CREDENTIALS_EXPIRED */, 0x80090317, 0x8009030E},
    {0xC0000 /* CONTEXT_EXPIRED */, 0x80090317, 0x80090317},
    {0xD0000 /* FAILURE, no minor */, 0x80090304, 0x80090304},
    {0xE0000 /* BAD_QOP */, 0x8009030A, 0x8009030A},
    {0xF0000 /* UNAUTHORIZED */, 0x8009030C, 0x8009030C},
    {0x100000 /* UNAVAILABLE */, 0x80090302, 0x80090302},
    /* supplementary bits and success */
    {0x0 /* COMPLETE */, 0x0, 0x0},
    {0x1 /* CONTINUE_NEEDED */, 0x00090312, 0x00090312},
    {0x2 /* DUPLICATE_TOKEN */, 0x80090308, 0x80090308},
    {0x4 /* OLD_TOKEN */, 0x80090308, 0x80090308},
    {0x8 /* UNSEQ_TOKEN */, 0x80090310, 0x80090310},
    {0x10 /* GAP_TOKEN */, 0x80090310, 0x80090310},
};

START_TEST(test_status_major)
{
    const struct major_case *c = &major_cases[_i];
    for (enum test_mech m = M_NONE; m < M_COUNT; m++) {
        uint32_t acc = (uint32_t)status_from_gss(c->major, 0, ROLE_ACCEPTOR, test_oid(m));
        uint32_t ini = (uint32_t)status_from_gss(c->major, 0, ROLE_INITIATOR, test_oid(m));
        ck_assert_msg(acc == c->acceptor, "major %#x (mech %s) acceptor: %#x %s, expected %#x",
                      c->major, mech_oid_str[m] ? mech_oid_str[m] : "none", acc,
                      status_name((SECURITY_STATUS)acc), c->acceptor);
        ck_assert_msg(ini == c->initiator, "major %#x (mech %s) initiator: %#x %s, expected %#x",
                      c->major, mech_oid_str[m] ? mech_oid_str[m] : "none", ini,
                      status_name((SECURITY_STATUS)ini), c->initiator);
    }
}
END_TEST

#define KRB5_BASE (-1765328384L) /* MIT value of Kerberos protocol error 0 */
#define NTLM_ERR(n) (0x4E540000u + (n))
#define BOTH_ROLES (-1)

static const struct minor_case {
    const char *name;
    OM_uint32 major;
    long minor;
    long krb_error; /* Kerberos protocol error number, or -1 */
    int role;       /* ROLE_ACCEPTOR, ROLE_INITIATOR or BOTH_ROLES */
    enum test_mech mech;
    uint32_t expected;
} minor_cases[] = {
    {"KRB5KRB_AP_ERR_SKEW", GSS_S_FAILURE, KRB5KRB_AP_ERR_SKEW, 37, BOTH_ROLES, M_KRB5, 0x80090324},
    {"KRB5KRB_AP_ERR_TKT_EXPIRED", GSS_S_FAILURE, KRB5KRB_AP_ERR_TKT_EXPIRED, 32, BOTH_ROLES,
     M_KRB5, 0x80090317},
    {"KRB5KRB_AP_ERR_MODIFIED", GSS_S_FAILURE, KRB5KRB_AP_ERR_MODIFIED, 41, BOTH_ROLES, M_KRB5,
     0x8009030C},
    {"KRB5KRB_AP_ERR_BAD_INTEGRITY", GSS_S_FAILURE, KRB5KRB_AP_ERR_BAD_INTEGRITY, 31, BOTH_ROLES,
     M_KRB5, 0x8009030C},
    {"KRB5KRB_AP_ERR_REPEAT", GSS_S_FAILURE, KRB5KRB_AP_ERR_REPEAT, 34, BOTH_ROLES, M_KRB5,
     0x80090308},
    {"KRB5KRB_AP_ERR_BADKEYVER", GSS_S_FAILURE, KRB5KRB_AP_ERR_BADKEYVER, 44, BOTH_ROLES, M_KRB5,
     0x80090348},
    {"KRB5KRB_AP_ERR_BADKEYVER (NO_CRED)", GSS_S_NO_CRED, KRB5KRB_AP_ERR_BADKEYVER, 44,
     ROLE_ACCEPTOR, M_KRB5, 0x80090348},
    {"KRB5_KT_KVNONOTFOUND", GSS_S_FAILURE, KRB5_KT_KVNONOTFOUND, -1, BOTH_ROLES, M_KRB5,
     0x80090348},
    {"KRB5_KT_KVNONOTFOUND (NO_CRED)", GSS_S_NO_CRED, KRB5_KT_KVNONOTFOUND, -1, ROLE_ACCEPTOR,
     M_KRB5, 0x80090348},
    {"KRB5_KT_NOTFOUND", GSS_S_FAILURE, KRB5_KT_NOTFOUND, -1, BOTH_ROLES, M_KRB5, 0x80090348},
    {"KRB5_KT_NOTFOUND (NO_CRED)", GSS_S_NO_CRED, KRB5_KT_NOTFOUND, -1, ROLE_ACCEPTOR, M_KRB5,
     0x80090348},
    {"KRB5KRB_AP_ERR_NOKEY", GSS_S_FAILURE, KRB5KRB_AP_ERR_NOKEY, 45, BOTH_ROLES, M_KRB5,
     0x80090348},
    {"KRB5KRB_AP_ERR_NOKEY (NO_CRED)", GSS_S_NO_CRED, KRB5KRB_AP_ERR_NOKEY, 45, ROLE_ACCEPTOR,
     M_KRB5, 0x80090348},
    /* An acceptor whose keytab lacks the ticket's key (MIT says NOT_US) is
     * missing a key, as Windows reports it; a client told so by the KDC or
     * the server has named the wrong principal. */
    {"KRB5KRB_AP_ERR_NOT_US (acceptor)", GSS_S_FAILURE, KRB5KRB_AP_ERR_NOT_US, 35, ROLE_ACCEPTOR,
     M_KRB5, 0x80090348},
    {"KRB5KRB_AP_ERR_NOT_US (initiator)", GSS_S_FAILURE, KRB5KRB_AP_ERR_NOT_US, 35, ROLE_INITIATOR,
     M_KRB5, 0x80090322},
    {"KRB5KRB_AP_WRONG_PRINC", GSS_S_FAILURE, KRB5KRB_AP_WRONG_PRINC, -1, BOTH_ROLES, M_KRB5,
     0x80090322},
    {"KRB5KRB_AP_ERR_TKT_NYV", GSS_S_FAILURE, KRB5KRB_AP_ERR_TKT_NYV, 33, BOTH_ROLES, M_KRB5,
     0x80090308},
    {"KRB5KRB_AP_ERR_MUT_FAIL", GSS_S_FAILURE, KRB5KRB_AP_ERR_MUT_FAIL, 46, BOTH_ROLES, M_KRB5,
     0x80090363},
    {"KRB5KRB_AP_ERR_BADSEQ", GSS_S_FAILURE, KRB5KRB_AP_ERR_BADSEQ, 49, BOTH_ROLES, M_KRB5,
     0x80090310},
    {"KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN", GSS_S_FAILURE, KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, 7,
     BOTH_ROLES, M_KRB5, 0x80090303},
    {"KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN", GSS_S_FAILURE, KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, 6,
     BOTH_ROLES, M_KRB5, 0x8009030C},
    {"KRB5KDC_ERR_PREAUTH_FAILED", GSS_S_FAILURE, KRB5KDC_ERR_PREAUTH_FAILED, 24, BOTH_ROLES,
     M_KRB5, 0x8009030C},
    {"KRB5_KDC_UNREACH", GSS_S_FAILURE, KRB5_KDC_UNREACH, -1, BOTH_ROLES, M_KRB5, 0x80090311},
    {"KRB5_REALM_UNKNOWN", GSS_S_FAILURE, KRB5_REALM_UNKNOWN, -1, BOTH_ROLES, M_KRB5, 0x80090311},
    {"KRB5_REALM_CANT_RESOLVE", GSS_S_FAILURE, KRB5_REALM_CANT_RESOLVE, -1, BOTH_ROLES, M_KRB5,
     0x80090311},
    {"KRB5_FCC_NOFILE", GSS_S_FAILURE, KRB5_FCC_NOFILE, -1, ROLE_INITIATOR, M_KRB5, 0x8009030E},
    {"KRB5_FCC_NOFILE (NO_CRED)", GSS_S_NO_CRED, KRB5_FCC_NOFILE, -1, ROLE_INITIATOR, M_KRB5,
     0x8009030E},
    {"KRB5_CC_NOTFOUND", GSS_S_FAILURE, KRB5_CC_NOTFOUND, -1, ROLE_INITIATOR, M_KRB5, 0x8009030E},
    {"KRB5_CC_NOTFOUND (NO_CRED)", GSS_S_NO_CRED, KRB5_CC_NOTFOUND, -1, ROLE_INITIATOR, M_KRB5,
     0x8009030E},
    {"ENOMEM", GSS_S_FAILURE, ENOMEM, -1, BOTH_ROLES, M_KRB5, 0x80090300},
    {"Kerberos minor under SPNEGO", GSS_S_FAILURE, KRB5KRB_AP_ERR_SKEW, 37, ROLE_ACCEPTOR, M_SPNEGO,
     0x80090324},
    {"unknown minor", GSS_S_FAILURE, 0x12345, -1, BOTH_ROLES, M_KRB5, 0x80090304},
    /* gss-ntlmssp error space and errno values (acceptor) */
    {"NTLM NONTLMV1 (28)", GSS_S_FAILURE, NTLM_ERR(28), -1, ROLE_ACCEPTOR, M_NTLM, 0x8009030C},
    {"NTLM NOBINDINGS (24)", GSS_S_FAILURE, NTLM_ERR(24), -1, ROLE_ACCEPTOR, M_NTLM, 0x80090346},
    {"NTLM TIMESKEW (25)", GSS_S_FAILURE, NTLM_ERR(25), -1, ROLE_ACCEPTOR, M_NTLM, 0x80090324},
    {"NTLM NONTLMV1 under SPNEGO", GSS_S_FAILURE, NTLM_ERR(28), -1, ROLE_ACCEPTOR, M_SPNEGO,
     0x8009030C},
    {"NTLM EINVAL (wrong password)", GSS_S_FAILURE, EINVAL, -1, ROLE_ACCEPTOR, M_NTLM, 0x8009030C},
    {"NTLM EACCES (user mismatch)", GSS_S_FAILURE, EACCES, -1, ROLE_ACCEPTOR, M_NTLM, 0x8009030C},
    {"NTLM EINVAL under SPNEGO", GSS_S_FAILURE, EINVAL, -1, ROLE_ACCEPTOR, M_SPNEGO, 0x8009030C},
    {"NTLM EINVAL, mechanism not yet known", GSS_S_FAILURE, EINVAL, -1, ROLE_ACCEPTOR, M_NONE,
     0x8009030C},
    {"krb5 EINVAL is not a logon failure", GSS_S_FAILURE, EINVAL, -1, BOTH_ROLES, M_KRB5,
     0x80090304},
    {"krb5 EACCES is not a logon failure", GSS_S_FAILURE, EACCES, -1, BOTH_ROLES, M_KRB5,
     0x80090304},
};

START_TEST(test_status_minor)
{
    const struct minor_case *c = &minor_cases[_i];
    if (c->krb_error >= 0)
        ck_assert_msg(c->minor == KRB5_BASE + c->krb_error, "%s is not Kerberos error %ld", c->name,
                      c->krb_error);
    for (int role = ROLE_ACCEPTOR; role <= ROLE_INITIATOR; role++) {
        if (c->role != BOTH_ROLES && c->role != role)
            continue;
        uint32_t got = (uint32_t)status_from_gss(c->major, (OM_uint32)c->minor, (enum gss_role)role,
                                                 test_oid(c->mech));
        ck_assert_msg(got == c->expected, "%s (%s): %#x %s, expected %#x %s", c->name,
                      role == ROLE_ACCEPTOR ? "acceptor" : "initiator", got,
                      status_name((SECURITY_STATUS)got), c->expected,
                      status_name((SECURITY_STATUS)c->expected));
    }
}
END_TEST

/* The gss-ntlmssp numbers we rely on, checked against the installed module:
 * its own gss_display_status must describe them as we think.  (The mechglue's
 * gss_display_status only knows minor codes it has itself returned, so the
 * module found through the mech.d registration is asked directly.) */
static const struct ntlm_text_case {
    unsigned n;
    const char *text;
} ntlm_text_cases[] = {
    {24, "channel"},
    {25, "clocks"},
    {28, "NTLM version 1"},
    {29, "User not found"},
};

typedef OM_uint32 (*display_status_fn)(OM_uint32 *, OM_uint32, int, gss_OID, OM_uint32 *,
                                       gss_buffer_t);

/* Path of the module registered for the NTLMSSP OID, malloc'ed, or NULL. */
static char *ntlm_module_path(void)
{
    char *found = NULL;
    glob_t g;
    const char *config = getenv("GSS_MECH_CONFIG");
    if (config != NULL && *config != '\0') {
        if (glob(config, 0, NULL, &g) != 0)
            return NULL;
    } else {
        if (glob("/etc/gss/mech", GLOB_NOCHECK, NULL, &g) != 0)
            return NULL;
        glob("/etc/gss/mech.d/*.conf", GLOB_APPEND, NULL, &g);
    }
    for (size_t i = 0; i < g.gl_pathc && found == NULL; i++) {
        FILE *f = fopen(g.gl_pathv[i], "r");
        char line[1024], name[256], oid[256], path[512];
        if (f == NULL)
            continue;
        while (found == NULL && fgets(line, sizeof(line), f) != NULL) {
            if (line[0] == '#' || sscanf(line, "%255s %255s %511s", name, oid, path) != 3)
                continue;
            if (strcmp(oid, mech_oid_str[M_NTLM]) != 0)
                continue;
            if (path[0] == '/') {
                found = strdup(path);
            } else {
                /* relative to the mechglue's module directory: <libdir>/gss */
                Dl_info info;
                if (dladdr((void *)gss_display_status, &info) && info.dli_fname != NULL) {
                    char *lib = strdup(info.dli_fname);
                    size_t len = strlen(lib) + strlen(path) + 8;
                    found = malloc(len);
                    snprintf(found, len, "%s/gss/%s", dirname(lib), path);
                    free(lib);
                }
            }
        }
        fclose(f);
    }
    globfree(&g);
    return found;
}

START_TEST(test_status_ntlm_numbers)
{
    const struct ntlm_text_case *c = &ntlm_text_cases[_i];
    char *path = ntlm_module_path();
    ck_assert_msg(path != NULL, "no mech.d registration for NTLMSSP (gss-ntlmssp installed?)");
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    ck_assert_msg(module != NULL, "dlopen %s: %s", path, dlerror());
    display_status_fn display = (display_status_fn)dlsym(module, "gss_display_status");
    ck_assert_msg(display != NULL, "%s has no gss_display_status", path);
    ck_assert_msg(display != gss_display_status, "dlsym found the mechglue, not the module");

    OM_uint32 minor, ctx = 0;
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    OM_uint32 major =
        display(&minor, NTLM_ERR(c->n), GSS_C_MECH_CODE, test_oid(M_NTLM), &ctx, &text);
    ck_assert_msg(major == GSS_S_COMPLETE, "display_status(%u) major %#x", c->n, major);
    char *s = strndup(text.value, text.length);
    ck_assert_msg(strstr(s, c->text) != NULL, "gss-ntlmssp error %u is \"%s\", expected \"%s\"",
                  c->n, s, c->text);
    free(s);
    gss_release_buffer(&minor, &text);
    dlclose(module);
    free(path);
}
END_TEST

static const struct status_name_case {
    uint32_t status;
    const char *name;
} status_name_cases[] = {
    {0x0, "SEC_E_OK"},
    {0x00090312, "SEC_I_CONTINUE_NEEDED"},
    {0x00090313, "SEC_I_COMPLETE_NEEDED"},
    {0x80090301, "SEC_E_INVALID_HANDLE"},
    {0x8009030C, "SEC_E_LOGON_DENIED"},
    {0x80090321, "SEC_E_BUFFER_TOO_SMALL"},
    {0x80090346, "SEC_E_BAD_BINDINGS"},
    {0x80090348, "SEC_E_NO_KERB_KEY"},
    {0x8009035D, "SEC_E_INVALID_PARAMETER"},
    {0x80090363, "SEC_E_MUTUAL_AUTH_FAILED"},
};

START_TEST(test_status_name)
{
    const struct status_name_case *c = &status_name_cases[_i];
    ck_assert_str_eq(status_name((SECURITY_STATUS)c->status), c->name);
}
END_TEST

START_TEST(test_status_name_unknown)
{
    const char *name = status_name((SECURITY_STATUS)0x8009FFFFu);
    ck_assert_ptr_nonnull(name);
    ck_assert_uint_gt(strlen(name), 0);
    for (size_t i = 0; i < N_ELEMS(status_name_cases); i++)
        ck_assert_str_ne(name, status_name_cases[i].name);
}
END_TEST

START_TEST(test_status_gss_text)
{
    OM_uint32 minor;
    char *text = status_gss_text(GSS_S_BAD_NAME, 0, GSS_C_NO_OID);
    ck_assert_ptr_nonnull(text);
    ck_assert_msg(strstr(text, "name") != NULL, "BAD_NAME text \"%s\"", text);
    free(text);

    text = status_gss_text(GSS_S_COMPLETE, 0, GSS_C_NO_OID);
    ck_assert_ptr_nonnull(text);
    ck_assert_str_eq(text, "");
    free(text);

    /* A real failure with a minor code the mechglue has seen: an acceptor
     * credential from a keytab that does not exist. */
    gss_key_value_element_desc kv = {"keytab", "FILE:/nonexistent/gss-sspi-unit.keytab"};
    gss_key_value_set_desc store = {1, &kv};
    gss_OID_set_desc mechs = {1, test_oid(M_KRB5)};
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    OM_uint32 major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs,
                                            GSS_C_ACCEPT, &store, &cred, NULL, NULL);
    ck_assert_msg(GSS_ERROR(major), "acceptor credential from a missing keytab");
    ck_assert_uint_ne(minor, 0);
    char *major_only = status_gss_text(major, 0, GSS_C_NO_OID);
    text = status_gss_text(major, minor, test_oid(M_KRB5));
    ck_assert_ptr_nonnull(major_only);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_gt(strlen(major_only), 0);
    ck_assert_msg(strncmp(text, major_only, strlen(major_only)) == 0 &&
                      strstr(text, "; ") != NULL && strlen(text) > strlen(major_only) + 2,
                  "text \"%s\" lacks the minor part (major only: \"%s\")", text, major_only);
    free(text);
    free(major_only);
}
END_TEST

/* ======================================================================== */
/* timestamp                                                                 */
/* ======================================================================== */

#define FILETIME_1970 116444736000000000LL

static const struct ts_case {
    const char *tz;
    time_t t;
    int64_t expected;
} ts_cases[] = {
    {"UTC", 0, FILETIME_1970},
    {"UTC0", 0, FILETIME_1970},
    {"UTC0", 1704067200 /* 2024-01-01T00:00:00Z */, 133485408000000000LL},
    {"<+0530>-5:30", 0, 116444934000000000LL},
    {"<-08>8", 1704067200, 133485120000000000LL},
    {"<+14>-14", 1, 116444736000000000LL + (14 * 3600 + 1) * 10000000LL},
};

/* Sets TZ for the duration of a test; restores the caller's value. */
static char *saved_tz;
static bool tz_was_set;

static void tz_set(const char *tz)
{
    const char *old = getenv("TZ");
    tz_was_set = old != NULL;
    saved_tz = old ? strdup(old) : NULL;
    setenv("TZ", tz, 1);
    tzset();
}

static void tz_restore(void)
{
    if (tz_was_set)
        setenv("TZ", saved_tz, 1);
    else
        unsetenv("TZ");
    free(saved_tz);
    saved_tz = NULL;
    tzset();
}

START_TEST(test_timestamp_fixed_zones)
{
    const struct ts_case *c = &ts_cases[_i];
    TimeStamp ts = {.QuadPart = 0};
    tz_set(c->tz);
    timestamp_from_time(c->t, &ts);
    tz_restore();
    ck_assert_msg(ts.QuadPart == c->expected, "TZ=%s t=%lld: %lld, expected %lld", c->tz,
                  (long long)c->t, (long long)ts.QuadPart, (long long)c->expected);
}
END_TEST

/* In whatever zone the test runs in: UTC value plus the local offset. */
START_TEST(test_timestamp_local_zone)
{
    static const struct {
        time_t t;
        int64_t utc;
    } points[] = {
        {0, FILETIME_1970}, {1704067200, 133485408000000000LL}, {1719792000, 133642656000000000LL}};
    for (size_t i = 0; i < N_ELEMS(points); i++) {
        struct tm tm;
        TimeStamp ts;
        ck_assert_ptr_nonnull(localtime_r(&points[i].t, &tm));
        timestamp_from_time(points[i].t, &ts);
        ck_assert_msg(ts.QuadPart == points[i].utc + (int64_t)tm.tm_gmtoff * 10000000LL,
                      "t=%lld: %lld, gmtoff %ld", (long long)points[i].t, (long long)ts.QuadPart,
                      (long)tm.tm_gmtoff);
    }
}
END_TEST

START_TEST(test_timestamp_lifetime)
{
    TimeStamp ts;
    timestamp_from_lifetime(GSS_C_INDEFINITE, &ts);
    ck_assert_msg(ts.QuadPart == 0x7FFFFFFFFFFFFFFFLL, "never = %llx",
                  (unsigned long long)ts.QuadPart);

    tz_set("UTC0");
    time_t before = time(NULL);
    timestamp_from_lifetime(3600, &ts);
    time_t after = time(NULL);
    tz_restore();
    ck_assert_int_ge(ts.QuadPart, FILETIME_1970 + ((int64_t)before + 3600) * 10000000LL);
    ck_assert_int_le(ts.QuadPart, FILETIME_1970 + ((int64_t)after + 3600) * 10000000LL);
}
END_TEST

/* ======================================================================== */
/* buffers                                                                   */
/* ======================================================================== */

static const ULONG attr_bits[] = {0, 0x80000000 /* READONLY */,
                                  0x10000000 /* READONLY_WITH_CHECKSUM */, 0x90000000,
                                  0x60000000 /* RESERVED */};

START_TEST(test_buffers_find_attributes)
{
    ULONG attr = attr_bits[_i];
    SecBuffer b[4] = {
        {0, 1 /* DATA */, NULL},
        {0, 2 /* TOKEN */ | attr, NULL},
        {0, 2 /* TOKEN, second */, NULL},
        {0, 14 /* CHANNEL_BINDINGS */ | attr, NULL},
    };
    SecBufferDesc desc = {0, 4, b};
    ck_assert_ptr_eq(buffers_find(&desc, 2), &b[1]);
    ck_assert_ptr_eq(buffers_find(&desc, 1), &b[0]);
    ck_assert_ptr_eq(buffers_find(&desc, 14), &b[3]);
    ck_assert_ptr_null(buffers_find(&desc, 10 /* STREAM */));
}
END_TEST

static SecBuffer one_token_buffer[1] = {{0, 2, NULL}};

static const struct desc_case {
    const char *name;
    SecBufferDesc desc;
    bool valid;
} desc_cases[] = {
    {"wrong ulVersion", {1, 1, one_token_buffer}, false},
    {"ulVersion 2", {2, 1, one_token_buffer}, false},
    {"NULL pBuffers with a count", {0, 2, NULL}, false},
    {"no buffers", {0, 0, NULL}, true},
};

START_TEST(test_buffers_invalid_desc)
{
    const struct desc_case *c = &desc_cases[_i];
    SecBufferDesc desc = c->desc;
    ck_assert_msg(buffers_desc_valid(&desc) == c->valid, "%s", c->name);
    ck_assert_msg(buffers_find(&desc, 2) == NULL, "%s: found a token", c->name);
}
END_TEST

START_TEST(test_buffers_null_desc)
{
    ck_assert(!buffers_desc_valid(NULL));
    ck_assert_ptr_null(buffers_find(NULL, 2));
}
END_TEST

static const unsigned char test_token[10] = {0x60, 0x08, 0x06, 0x06, 0x2b,
                                             0x06, 0x01, 0x05, 0x05, 0x02};

static const struct put_case {
    const char *name;
    bool has_token_buffer;
    ULONG cap; /* caller's buffer size (0 = pvBuffer NULL) */
    size_t len;
    bool allocate;
    uint32_t status;
    bool allocated;
    ULONG cb_after;
} put_cases[] = {
    {"allocate", true, 0, 10, true, 0, true, 10},
    {"copy into a larger buffer", true, 64, 10, false, 0, false, 10},
    {"copy into an exact buffer", true, 10, 10, false, 0, false, 10},
    {"too small", true, 9, 10, false, 0x80090321, false, 9},
    {"no buffer at all", true, 0, 10, false, 0x80090321, false, 0},
    {"empty token, caller buffer", true, 64, 0, false, 0, false, 0},
    {"no token buffer, empty token", false, 64, 0, false, 0, false, 64},
    {"no token buffer, token", false, 64, 10, false, 0x8009035D, false, 64},
    {"no token buffer, token, allocate", false, 64, 10, true, 0x8009035D, false, 64},
};

START_TEST(test_buffers_put_token)
{
    const struct put_case *c = &put_cases[_i];
    unsigned char caller[64];
    memset(caller, 0xAA, sizeof(caller));
    SecBuffer b[2] = {
        {5, 1 /* DATA */, "data"},
        {c->cap, c->has_token_buffer ? 2 : 1, c->cap ? caller : NULL},
    };
    SecBufferDesc desc = {0, 2, b};
    bool allocated = !c->allocated;
    uint32_t status =
        (uint32_t)buffers_put_token(&desc, test_token, c->len, c->allocate, &allocated);
    ck_assert_msg(status == c->status, "%s: %#x, expected %#x", c->name, status, c->status);
    ck_assert_msg(allocated == c->allocated, "%s: allocated %d", c->name, allocated);
    ck_assert_msg(b[1].cbBuffer == c->cb_after, "%s: cbBuffer %u, expected %u", c->name,
                  b[1].cbBuffer, c->cb_after);
    ck_assert_msg(b[0].cbBuffer == 5 && b[0].BufferType == 1, "%s: DATA buffer changed", c->name);
    if (c->allocated) {
        ck_assert_ptr_nonnull(b[1].pvBuffer);
        ck_assert_ptr_ne(b[1].pvBuffer, caller);
        ck_assert_mem_eq(b[1].pvBuffer, test_token, c->len);
        FreeContextBuffer(b[1].pvBuffer);
        return;
    }
    ck_assert_msg(b[1].pvBuffer == (c->cap ? caller : NULL), "%s: pvBuffer replaced", c->name);
    if (status == 0 && c->has_token_buffer && c->len > 0)
        ck_assert_mem_eq(caller, test_token, c->len);
    /* everything past the token, and the whole buffer on failure, untouched */
    size_t from = (status == 0 && c->has_token_buffer) ? c->len : 0;
    for (size_t i = from; i < sizeof(caller); i++)
        ck_assert_msg(caller[i] == 0xAA, "%s: caller byte %zu written", c->name, i);
}
END_TEST

START_TEST(test_buffers_clear_token)
{
    unsigned char caller[8];
    SecBuffer b[2] = {{4, 1, caller}, {8, 2 | 0x80000000, caller}};
    SecBufferDesc desc = {0, 2, b};
    buffers_clear_token(&desc);
    ck_assert_uint_eq(b[1].cbBuffer, 0);
    ck_assert_uint_eq(b[0].cbBuffer, 4);
    buffers_clear_token(NULL); /* harmless */
}
END_TEST

/* ======================================================================== */
/* channel bindings (DESIGN section 5)                                      */
/* ======================================================================== */

START_TEST(test_cb_layout)
{
    /* Eight u32 fields, as on Windows. */
    ck_assert_uint_eq(sizeof(SEC_CHANNEL_BINDINGS), 32);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, dwInitiatorAddrType), 0);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, cbInitiatorLength), 4);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, dwInitiatorOffset), 8);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, dwAcceptorAddrType), 12);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, cbAcceptorLength), 16);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, dwAcceptorOffset), 20);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, cbApplicationDataLength), 24);
    ck_assert_uint_eq(offsetof(SEC_CHANNEL_BINDINGS, dwApplicationDataOffset), 28);
}
END_TEST

enum {
    CB_INIT_TYPE,
    CB_INIT_LEN,
    CB_INIT_OFF,
    CB_ACC_TYPE,
    CB_ACC_LEN,
    CB_ACC_OFF,
    CB_APP_LEN,
    CB_APP_OFF
};
#define CB_ALLOC 128

static const struct cb_case {
    const char *name;
    uint32_t hdr[8];
    ULONG cb_buffer;
    bool null_pv;
    uint32_t expected;
} cb_cases[] = {
    {"application data only", {0, 0, 0, 0, 0, 0, 5, 32}, 37, false, 0},
    {"both addresses", {2, 4, 32, 2, 4, 36, 8, 40}, 48, false, 0},
    {"header only, all empty", {0}, 32, false, 0},
    {"zero-length parts ignore their offsets", {0, 0, 0xFFFFFFFF, 0, 0, 7, 3, 32}, 35, false, 0},
    {"part ends exactly at cbBuffer", {0, 0, 0, 0, 0, 0, 16, 48}, 64, false, 0},
    {"offset past end", {0, 0, 0, 0, 0, 0, 4, 100}, 64, false, 0x80090346},
    {"length past end", {0, 0, 0, 0, 0, 0, 40, 32}, 64, false, 0x80090346},
    {"one byte past end", {0, 0, 0, 0, 0, 0, 17, 48}, 64, false, 0x80090346},
    {"offset inside the header", {0, 0, 0, 0, 0, 0, 4, 16}, 64, false, 0x80090346},
    {"offset 0 (the header itself)", {0, 0, 0, 0, 0, 0, 4, 0}, 64, false, 0x80090346},
    {"buffer smaller than the header", {0}, 31, false, 0x80090346},
    {"empty buffer", {0}, 0, false, 0x80090346},
    {"NULL pvBuffer", {0, 0, 0, 0, 0, 0, 4, 32}, 64, true, 0x80090346},
    {"offset + length wraps 32 bits", {0, 0, 0, 0, 0, 0, 0x20, 0xFFFFFFF0}, 64, false, 0x80090346},
    {"huge length", {0, 0, 0, 0, 0, 0, 0xFFFFFFFF, 33}, 64, false, 0x80090346},
    {"initiator address outside", {2, 4, 62, 0, 0, 0, 4, 32}, 64, false, 0x80090346},
    {"acceptor address wraps", {0, 0, 0, 2, 0xFFFFFFFF, 33, 4, 32}, 64, false, 0x80090346},
    {"bounded by cbBuffer, not by the allocation",
     {0, 0, 0, 0, 0, 0, 16, 48},
     60,
     false,
     0x80090346},
};

static void check_cb_part(const char *name, const char *part, const unsigned char *base,
                          uint32_t len, uint32_t off, const gss_buffer_desc *got)
{
    ck_assert_msg(got->length == len, "%s: %s length %zu, expected %u", name, part, got->length,
                  len);
    if (len == 0)
        ck_assert_msg(got->value == NULL, "%s: empty %s has a value", name, part);
    else
        ck_assert_msg(got->value == base + off, "%s: %s does not point into the buffer at %u", name,
                      part, off);
}

START_TEST(test_cb_parse)
{
    const struct cb_case *c = &cb_cases[_i];
    unsigned char *mem = malloc(CB_ALLOC + 1);
    /* aligned, then at an odd address */
    for (size_t shift = 0; shift <= 1; shift++) {
        unsigned char *base = mem + shift;
        for (size_t i = 0; i < CB_ALLOC; i++)
            base[i] = (unsigned char)(0xC0 + i);
        for (size_t f = 0; f < 8; f++)
            memcpy(base + 4 * f, &c->hdr[f], 4);
        SecBuffer sb = {c->cb_buffer, 14 /* CHANNEL_BINDINGS */, c->null_pv ? NULL : base};
        struct gss_channel_bindings_struct out;
        memset(&out, 0x5A, sizeof(out));
        uint32_t status = (uint32_t)channel_bindings_parse(&sb, &out);
        ck_assert_msg(status == c->expected, "%s (shift %zu): %#x, expected %#x", c->name, shift,
                      status, c->expected);
        if (status != 0)
            continue;
        ck_assert_uint_eq(out.initiator_addrtype, c->hdr[CB_INIT_TYPE]);
        ck_assert_uint_eq(out.acceptor_addrtype, c->hdr[CB_ACC_TYPE]);
        check_cb_part(c->name, "initiator address", base, c->hdr[CB_INIT_LEN], c->hdr[CB_INIT_OFF],
                      &out.initiator_address);
        check_cb_part(c->name, "acceptor address", base, c->hdr[CB_ACC_LEN], c->hdr[CB_ACC_OFF],
                      &out.acceptor_address);
        check_cb_part(c->name, "application data", base, c->hdr[CB_APP_LEN], c->hdr[CB_APP_OFF],
                      &out.application_data);
    }
    free(mem);
}
END_TEST

/* A realistic one: "tls-server-end-point:" + 32-byte hash, as IIS/HTTP.sys
 * build it, read back byte for byte. */
START_TEST(test_cb_tls_server_end_point)
{
    static const char prefix[] = "tls-server-end-point:";
    unsigned char buf[32 + sizeof(prefix) - 1 + 32];
    uint32_t app_len = (uint32_t)(sizeof(prefix) - 1 + 32), app_off = 32;
    memset(buf, 0, 32);
    memcpy(buf + 24, &app_len, 4);
    memcpy(buf + 28, &app_off, 4);
    memcpy(buf + 32, prefix, sizeof(prefix) - 1);
    for (size_t i = 0; i < 32; i++)
        buf[32 + sizeof(prefix) - 1 + i] = (unsigned char)i;
    SecBuffer sb = {sizeof(buf), 14, buf};
    struct gss_channel_bindings_struct out;
    ck_assert_int_eq(channel_bindings_parse(&sb, &out), SEC_E_OK);
    ck_assert_uint_eq(out.application_data.length, app_len);
    ck_assert_mem_eq(out.application_data.value, "tls-server-end-point:", sizeof(prefix) - 1);
    ck_assert_ptr_null(out.initiator_address.value);
    ck_assert_ptr_null(out.acceptor_address.value);
}
END_TEST

/* ======================================================================== */
/* packages                                                                  */
/* ======================================================================== */

static const struct find_case {
    const char *query;
    const char *name; /* NULL: not found */
} find_cases[] = {
    {"Negotiate", "Negotiate"},
    {"negotiate", "Negotiate"},
    {"NEGOTIATE", "Negotiate"},
    {"Kerberos", "Kerberos"},
    {"KERBEROS", "Kerberos"},
    {"kerberos", "Kerberos"},
    {"NTLM", "NTLM"},
    {"ntlm", "NTLM"},
    {"NtLm", "NTLM"},
    {"Digest", NULL},
    {"Schannel", NULL},
    {"", NULL},
    {"NTLM ", NULL},
    {"Kerb", NULL},
    {"Negotiate2", NULL},
    {NULL, NULL},
};

START_TEST(test_packages_find)
{
    const struct find_case *c = &find_cases[_i];
    const struct package *p = package_find(c->query);
    if (c->name == NULL) {
        ck_assert_msg(p == NULL, "\"%s\" found", c->query ? c->query : "(null)");
        return;
    }
    ck_assert_msg(p != NULL, "\"%s\" not found", c->query);
    ck_assert_str_eq(p->name, c->name);
}
END_TEST

static const struct mech_case {
    const char *oid;
    const char *package; /* NULL: none */
} mech_cases[] = {
    {"1.2.840.113554.1.2.2", "Kerberos"}, {"1.2.840.48018.1.2.2", "Kerberos"}, /* MS-KRB5 */
    {"1.3.6.1.4.1.311.2.2.10", "NTLM"},   {"1.3.6.1.5.5.2", NULL},             /* SPNEGO */
    {"1.3.6.1.4.1.311.2.2.30", NULL},                                          /* NegoEx */
    {"1.2.840.113554.1.2.2.3", NULL}, /* krb5 user-to-user */
};

START_TEST(test_packages_for_mech)
{
    const struct mech_case *c = &mech_cases[_i];
    OM_uint32 minor;
    gss_OID oid = GSS_C_NO_OID;
    gss_buffer_desc s = {strlen(c->oid), (void *)c->oid};
    ck_assert_uint_eq(gss_str_to_oid(&minor, &s, &oid), GSS_S_COMPLETE);
    const struct package *p = package_for_mech(oid);
    gss_release_oid(&minor, &oid);
    if (c->package == NULL) {
        ck_assert_msg(p == NULL, "%s -> %s", c->oid, p ? p->name : "");
        return;
    }
    ck_assert_msg(p != NULL, "%s -> no package", c->oid);
    ck_assert_str_eq(p->name, c->package);
}
END_TEST

START_TEST(test_packages_for_no_mech)
{
    ck_assert_ptr_null(package_for_mech(GSS_C_NO_OID));
}
END_TEST

/* What Windows 10/Server 2016+ report (EnumerateSecurityPackages). */
static const struct info_case {
    enum package_id id;
    const char *name, *comment;
    ULONG capabilities;
    USHORT version, rpcid;
    ULONG max_token;
} info_cases[] = {
    {PACKAGE_NEGOTIATE, "Negotiate", "Microsoft Package Negotiator", 0x00083BB3, 1, 9, 48256},
    {PACKAGE_KERBEROS, "Kerberos", "Microsoft Kerberos V1.0", 0x000F3BBF, 1, 16, 48000},
    {PACKAGE_NTLM, "NTLM", "NTLM Security Package", 0x00082B37, 1, 10, 2888},
};

/* ASCII to UTF-16 by widening, for comparisons. */
static bool wide_equals_ascii(const SEC_WCHAR *w, const char *s)
{
    size_t i = 0;
    for (; s[i] != '\0'; i++)
        if (w[i] != (SEC_WCHAR)(unsigned char)s[i])
            return false;
    return w[i] == 0;
}

START_TEST(test_packages_info)
{
    const struct info_case *c = &info_cases[_i];
    const struct package *p = package_get(c->id);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_eq(package_find(c->name), p);

    PSecPkgInfoA a = NULL;
    ck_assert_int_eq(package_info_a(p, &a), SEC_E_OK);
    ck_assert_str_eq(a->Name, c->name);
    ck_assert_str_eq(a->Comment, c->comment);
    ck_assert_msg(a->fCapabilities == c->capabilities, "%s caps %#x", c->name, a->fCapabilities);
    ck_assert_uint_eq(a->wVersion, c->version);
    ck_assert_uint_eq(a->wRPCID, c->rpcid);
    ck_assert_uint_eq(a->cbMaxToken, c->max_token);
    FreeContextBuffer(a);

    PSecPkgInfoW w = NULL;
    ck_assert_int_eq(package_info_w(p, &w), SEC_E_OK);
    ck_assert_msg(wide_equals_ascii(w->Name, c->name), "%s: W name", c->name);
    ck_assert_msg(wide_equals_ascii(w->Comment, c->comment), "%s: W comment", c->name);
    ck_assert_msg(w->fCapabilities == c->capabilities, "%s W caps %#x", c->name, w->fCapabilities);
    ck_assert_uint_eq(w->wVersion, c->version);
    ck_assert_uint_eq(w->wRPCID, c->rpcid);
    ck_assert_uint_eq(w->cbMaxToken, c->max_token);
    FreeContextBuffer(w);
}
END_TEST

START_TEST(test_packages_get_out_of_range)
{
    ck_assert_ptr_null(package_get(PACKAGE_COUNT));
    ck_assert_ptr_null(package_get((enum package_id)99));
}
END_TEST

/* ======================================================================== */
/* auth_identity                                                             */
/* ======================================================================== */

static SEC_WCHAR w_juergen[] = {'j', 0x00FC, 'r', 'g', 'e', 'n', 0};
static SEC_WCHAR w_domain[] = {'E', 'X', 'A', 'M', 'P', 'L', 'E', 0};
static SEC_WCHAR w_password[] = {'p', 0x00E4, 's', 's', 0xD83D, 0xDE00, 0};
static SEC_WCHAR w_ntlm[] = {'N', 'T', 'L', 'M', 0};
static SEC_WCHAR w_empty[] = {0};
static SEC_WCHAR w_bad_password[] = {'a', 0xD800, 'b', 0};
static SEC_WCHAR w_nul_password[] = {'a', 'b', 0, 'c', 'd', 0};

static SEC_WINNT_AUTH_IDENTITY_A id_a = {(unsigned char *)"alice",
                                         5,
                                         (unsigned char *)"EXAMPLE",
                                         7,
                                         (unsigned char *)"secret",
                                         6,
                                         0x1 /* ANSI */};
static SEC_WINNT_AUTH_IDENTITY_A id_a_lengths = {
    /* lengths, not NULs, end the strings */
    (unsigned char *)"alicebob",
    5,
    (unsigned char *)"EXAMPLE.COM",
    7,
    (unsigned char *)"secret!!",
    6,
    0x1};
static SEC_WINNT_AUTH_IDENTITY_A id_a_utf8 = {
    (unsigned char *)"j\xC3\xBCrgen", 7, NULL, 0, (unsigned char *)"pw", 2, 0x1};
static SEC_WINNT_AUTH_IDENTITY_A id_a_empty_domain = {
    (unsigned char *)"alice", 5, (unsigned char *)"", 0, (unsigned char *)"secret", 6, 0x1};
static SEC_WINNT_AUTH_IDENTITY_A id_a_embedded_nul = {(unsigned char *)"alice",  5, NULL, 0,
                                                      (unsigned char *)"ab\0cd", 5, 0x1};
static SEC_WINNT_AUTH_IDENTITY_A id_a_no_charset = {(unsigned char *)"alice",  5, NULL, 0,
                                                    (unsigned char *)"secret", 6, 0};
static SEC_WINNT_AUTH_IDENTITY_A id_a_both_charsets = {(unsigned char *)"alice",  5, NULL, 0,
                                                       (unsigned char *)"secret", 6, 0x3};
static SEC_WINNT_AUTH_IDENTITY_W id_w = {w_juergen,  6, w_domain, 7,
                                         w_password, 6, 0x2 /* UNICODE */};
static SEC_WINNT_AUTH_IDENTITY_W id_w_empty_domain = {w_juergen, 6, w_empty, 0, w_password, 6, 0x2};
static SEC_WINNT_AUTH_IDENTITY_W id_w_bad_password = {w_juergen,      6, w_domain, 7,
                                                      w_bad_password, 3, 0x2};
static SEC_WINNT_AUTH_IDENTITY_W id_w_nul_password = {w_juergen,      6, NULL, 0,
                                                      w_nul_password, 5, 0x2};
static SEC_WINNT_AUTH_IDENTITY_EXA id_exa = {0x200,
                                             sizeof(SEC_WINNT_AUTH_IDENTITY_EXA),
                                             (unsigned char *)"bob",
                                             3,
                                             (unsigned char *)"EXAMPLE",
                                             7,
                                             (unsigned char *)"Bob-Pass2",
                                             9,
                                             0x1,
                                             (unsigned char *)"Kerberos,!NTLM",
                                             14};
static SEC_WINNT_AUTH_IDENTITY_EXA id_exa_no_list = {0x200,
                                                     sizeof(SEC_WINNT_AUTH_IDENTITY_EXA),
                                                     (unsigned char *)"bob",
                                                     3,
                                                     NULL,
                                                     0,
                                                     (unsigned char *)"Bob-Pass2",
                                                     9,
                                                     0x1,
                                                     NULL,
                                                     0};
static SEC_WINNT_AUTH_IDENTITY_EXW id_exw = {0x200,      sizeof(SEC_WINNT_AUTH_IDENTITY_EXW),
                                             w_juergen,  6,
                                             w_domain,   7,
                                             w_password, 6,
                                             0x2,        w_ntlm,
                                             4};
static SEC_WINNT_AUTH_IDENTITY_EXA id_exa_no_charset = {0x200,
                                                        sizeof(SEC_WINNT_AUTH_IDENTITY_EXA),
                                                        (unsigned char *)"bob",
                                                        3,
                                                        NULL,
                                                        0,
                                                        (unsigned char *)"x",
                                                        1,
                                                        0,
                                                        NULL,
                                                        0};
/* SEC_WINNT_AUTH_IDENTITY_EX2: Version 0x201, cbHeaderLength, cbStructureLength, ... */
static uint32_t id_ex2[16] = {0x201, 0x48 | (0x48u << 16)};

static const struct id_case {
    const char *name;
    const void *data;
    uint32_t status;
    const char *user, *domain, *password;
    size_t password_len;
    const char *package_list;
} id_cases[] = {
    {"A, ANSI", &id_a, 0, "alice", "EXAMPLE", "secret", 6, NULL},
    {"A, lengths end the strings", &id_a_lengths, 0, "alice", "EXAMPLE", "secret", 6, NULL},
    {"A, UTF-8 bytes kept", &id_a_utf8, 0, "j\xC3\xBCrgen", NULL, "pw", 2, NULL},
    {"A, empty domain", &id_a_empty_domain, 0, "alice", NULL, "secret", 6, NULL},
    {"A, password with an embedded NUL", &id_a_embedded_nul, 0, "alice", NULL, "ab", 2, NULL},
    {"A, Flags without a charset", &id_a_no_charset, 0x8009035D, NULL, NULL, NULL, 0, NULL},
    {"A, Flags with both charsets", &id_a_both_charsets, 0x8009035D, NULL, NULL, NULL, 0, NULL},
    {"W, UNICODE, non-ASCII user", &id_w, 0, "j\xC3\xBCrgen", "EXAMPLE",
     "p\xC3\xA4ss\xF0\x9F\x98\x80", 9, NULL},
    {"W, empty domain", &id_w_empty_domain, 0, "j\xC3\xBCrgen", NULL, "p\xC3\xA4ss\xF0\x9F\x98\x80",
     9, NULL},
    {"W, invalid UTF-16 password", &id_w_bad_password, 0x8009035D, NULL, NULL, NULL, 0, NULL},
    {"W, password with an embedded NUL", &id_w_nul_password, 0, "j\xC3\xBCrgen", NULL, "ab", 2,
     NULL},
    {"EXA with PackageList", &id_exa, 0, "bob", "EXAMPLE", "Bob-Pass2", 9, "Kerberos,!NTLM"},
    {"EXA without PackageList", &id_exa_no_list, 0, "bob", NULL, "Bob-Pass2", 9, NULL},
    {"EXW", &id_exw, 0, "j\xC3\xBCrgen", "EXAMPLE", "p\xC3\xA4ss\xF0\x9F\x98\x80", 9, "NTLM"},
    {"EXA, Flags without a charset", &id_exa_no_charset, 0x8009035D, NULL, NULL, NULL, 0, NULL},
    {"EX2 (Version 0x201)", id_ex2, 0x80090302, NULL, NULL, NULL, 0, NULL},
};

static void check_opt_str(const char *name, const char *field, const char *got,
                          const char *expected)
{
    if (expected == NULL)
        ck_assert_msg(got == NULL, "%s: %s is \"%s\", expected none", name, field, got);
    else
        ck_assert_msg(got != NULL && strcmp(got, expected) == 0,
                      "%s: %s is \"%s\", expected \"%s\"", name, field, got ? got : "(null)",
                      expected);
}

START_TEST(test_auth_identity_parse)
{
    const struct id_case *c = &id_cases[_i];
    struct auth_identity id;
    memset(&id, 0x5A, sizeof(id));
    uint32_t status = (uint32_t)auth_identity_parse(c->data, &id);
    ck_assert_msg(status == c->status, "%s: %#x, expected %#x", c->name, status, c->status);
    /* on failure nothing is left behind */
    check_opt_str(c->name, "user", id.user, c->user);
    check_opt_str(c->name, "domain", id.domain, c->domain);
    check_opt_str(c->name, "password", id.password, c->password);
    check_opt_str(c->name, "package list", id.package_list, c->package_list);
    ck_assert_msg(id.password_len == c->password_len, "%s: password_len %zu, expected %zu", c->name,
                  id.password_len, c->password_len);
    auth_identity_clear(&id);
}
END_TEST

START_TEST(test_auth_identity_clear)
{
    struct auth_identity id, zero;
    memset(&zero, 0, sizeof(zero));
    ck_assert_int_eq(auth_identity_parse(&id_exa, &id), SEC_E_OK);
    ck_assert_ptr_nonnull(id.password);
    auth_identity_clear(&id);
    ck_assert_msg(memcmp(&id, &zero, sizeof(id)) == 0, "struct not zeroed");
    auth_identity_clear(&id); /* clearing twice is harmless */
    ck_assert_msg(memcmp(&id, &zero, sizeof(id)) == 0, "struct not zeroed");
}
END_TEST

/* ======================================================================== */
/* names                                                                     */
/* ======================================================================== */

enum name_kind { NK_NONE, NK_HOSTBASED, NK_KRB5_PRINCIPAL };

static const struct name_case {
    const char *target;
    uint32_t status;
    enum name_kind kind;
    const char *display;
} name_cases[] = {
    {"HTTP/host.example", 0, NK_HOSTBASED, "HTTP@host.example"},
    {"HTTP/host.example@EXAMPLE.COM", 0, NK_KRB5_PRINCIPAL, "HTTP/host.example@EXAMPLE.COM"},
    {"HTTP/host:8080", 0, NK_KRB5_PRINCIPAL, "HTTP/host:8080"},
    {"alice@EXAMPLE.COM", 0, NK_KRB5_PRINCIPAL, "alice@EXAMPLE.COM"},
    {"HTTP@host.example", 0, NK_HOSTBASED, "HTTP@host.example"},
    {"host/server.example.com", 0, NK_HOSTBASED, "host@server.example.com"},
    {"", 0x80090303, NK_NONE, NULL},
};

START_TEST(test_names_import_target)
{
    const struct name_case *c = &name_cases[_i];
    OM_uint32 minor;
    gss_name_t name = GSS_C_NO_NAME;
    uint32_t status = (uint32_t)name_import_target(c->target, &name);
    ck_assert_msg(status == c->status, "\"%s\": %#x, expected %#x", c->target, status, c->status);
    if (status != 0) {
        ck_assert_msg(name == GSS_C_NO_NAME, "\"%s\": a name was left behind", c->target);
        return;
    }
    gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
    gss_OID type = GSS_C_NO_OID;
    ck_assert_uint_eq(gss_display_name(&minor, name, &text, &type), GSS_S_COMPLETE);
    gss_const_OID expected =
        c->kind == NK_HOSTBASED ? GSS_C_NT_HOSTBASED_SERVICE : GSS_KRB5_NT_PRINCIPAL_NAME;
    ck_assert_msg(gss_oid_equal(type, expected),
                  "\"%s\": imported as the wrong name type (%s expected)", c->target,
                  c->kind == NK_HOSTBASED ? "host-based service" : "Kerberos principal");
    ck_assert_msg(text.length == strlen(c->display) &&
                      memcmp(text.value, c->display, text.length) == 0,
                  "\"%s\": displayed as \"%.*s\", expected \"%s\"", c->target, (int)text.length,
                  (char *)text.value, c->display);
    gss_release_buffer(&minor, &text);

    char *s = name_to_string(name);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, c->display);
    free(s);
    gss_release_name(&minor, &name);
}
END_TEST

START_TEST(test_names_to_string_no_name)
{
    ck_assert_ptr_null(name_to_string(GSS_C_NO_NAME));
}
END_TEST

/* ======================================================================== */

static TCase *tcase(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return tc;
}

#define LOOP(tc, fn, table) tcase_add_loop_test(tc, fn, 0, (int)N_ELEMS(table))

static Suite *unit_suite(void)
{
    Suite *s = suite_create("gss-sspi internals");
    TCase *tc;

    tc = tcase(s, "utf16");
    LOOP(tc, test_utf16_round_trip, utf16_cases);
    LOOP(tc, test_utf16_invalid_utf16, bad_utf16_cases);
    LOOP(tc, test_utf16_invalid_utf8, bad_utf8_cases);
    tcase_add_test(tc, test_utf16_len);

    tc = tcase(s, "handles");
    tcase_add_test(tc, test_handles_lifecycle);
    tcase_add_test(tc, test_handles_reference_outlives_delete);
    LOOP(tc, test_handles_invalid, bad_handle_cases);
    tcase_add_test(tc, test_handles_reuse_generation);
    tcase_add_test(tc, test_handles_many);

    tc = tcase(s, "flags");
    LOOP(tc, test_flags_row, flag_cases);
    tcase_add_test(tc, test_flags_combined);
    LOOP(tc, test_flags_gss_only, gss_only_flags);
    LOOP(tc, test_flags_library_ret, lib_cases);
    LOOP(tc, test_flags_describe, describe_cases);
    tcase_add_test(tc, test_flags_describe_truncates);

    tc = tcase(s, "status");
    LOOP(tc, test_status_major, major_cases);
    LOOP(tc, test_status_minor, minor_cases);
    LOOP(tc, test_status_ntlm_numbers, ntlm_text_cases);
    LOOP(tc, test_status_name, status_name_cases);
    tcase_add_test(tc, test_status_name_unknown);
    tcase_add_test(tc, test_status_gss_text);

    tc = tcase(s, "timestamp");
    LOOP(tc, test_timestamp_fixed_zones, ts_cases);
    tcase_add_test(tc, test_timestamp_local_zone);
    tcase_add_test(tc, test_timestamp_lifetime);

    tc = tcase(s, "buffers");
    LOOP(tc, test_buffers_find_attributes, attr_bits);
    LOOP(tc, test_buffers_invalid_desc, desc_cases);
    tcase_add_test(tc, test_buffers_null_desc);
    LOOP(tc, test_buffers_put_token, put_cases);
    tcase_add_test(tc, test_buffers_clear_token);

    tc = tcase(s, "channel_bindings");
    tcase_add_test(tc, test_cb_layout);
    LOOP(tc, test_cb_parse, cb_cases);
    tcase_add_test(tc, test_cb_tls_server_end_point);

    tc = tcase(s, "packages");
    LOOP(tc, test_packages_find, find_cases);
    LOOP(tc, test_packages_for_mech, mech_cases);
    tcase_add_test(tc, test_packages_for_no_mech);
    LOOP(tc, test_packages_info, info_cases);
    tcase_add_test(tc, test_packages_get_out_of_range);

    tc = tcase(s, "auth_identity");
    LOOP(tc, test_auth_identity_parse, id_cases);
    tcase_add_test(tc, test_auth_identity_clear);

    tc = tcase(s, "names");
    LOOP(tc, test_names_import_target, name_cases);
    tcase_add_test(tc, test_names_to_string_no_name);

    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(unit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    release_test_oids();
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
