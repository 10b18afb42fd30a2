/*
 * seed_handmade.c - writes small seed inputs of our own for every fuzz
 * target: seed-handmade DIR puts DIR/<target>/<name> files.  Real captured
 * tokens come from tests/data (make-seeds.sh) and real packed contexts from
 * seed-live; these cover the layouts nobody captured.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

struct buf {
    unsigned char b[1024];
    size_t n;
};

static const char *out_dir;

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->n + n > sizeof(b->b)) {
        fprintf(stderr, "seed-handmade: a seed outgrew its buffer\n");
        exit(1);
    }
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put_byte(struct buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void put_le(struct buf *b, uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_byte(b, (v >> (8 * i)) & 0xff);
}

static void put_zero(struct buf *b, size_t n)
{
    while (n-- > 0)
        put_byte(b, 0);
}

static void put_be(struct buf *b, uint32_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_byte(b, (v >> (8 * (n - 1 - i))) & 0xff);
}

static void put_str(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* One DER TLV around content (short or one/two-byte long lengths). */
static void put_tlv(struct buf *b, unsigned tag, const struct buf *content)
{
    put_byte(b, tag);
    if (content->n < 0x80) {
        put_byte(b, (unsigned)content->n);
    } else if (content->n < 0x100) {
        put_byte(b, 0x81);
        put_byte(b, (unsigned)content->n);
    } else {
        put_byte(b, 0x82);
        put_byte(b, (unsigned)(content->n >> 8));
        put_byte(b, content->n & 0xff);
    }
    put(b, content->b, content->n);
}

static void put_tlv_raw(struct buf *b, unsigned tag, const void *p, size_t n)
{
    struct buf c = {.n = 0};
    put(&c, p, n);
    put_tlv(b, tag, &c);
}

static void write_seed(const char *target, const char *name, const struct buf *b)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", out_dir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(b->b, 1, b->n, f) != b->n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* ---- channel bindings: 32-byte header of eight u32, then the data --------- */
static void channel_bindings(void)
{
    static const unsigned char v4a[4] = {192, 0, 2, 1}, v4b[4] = {192, 0, 2, 2};
    struct buf b = {.n = 0};
    put_zero(&b, 4 * 8);
    write_seed("channel_bindings", "all-zero", &b);

    b.n = 0; /* application data only, as TLS endpoint bindings */
    put_zero(&b, 4 * 6);
    put_le(&b, 21 + 8, 4);
    put_le(&b, 32, 4);
    put_str(&b, "tls-server-end-point:");
    put_str(&b, "\x01\x02\x03\x04\x05\x06\x07\x08");
    write_seed("channel_bindings", "application-data", &b);

    b.n = 0; /* all three parts, addresses too */
    put_le(&b, 2, 4);
    put_le(&b, 4, 4);
    put_le(&b, 32, 4);
    put_le(&b, 2, 4);
    put_le(&b, 4, 4);
    put_le(&b, 36, 4);
    put_le(&b, 5, 4);
    put_le(&b, 40, 4);
    put(&b, v4a, 4);
    put(&b, v4b, 4);
    put_str(&b, "hello");
    write_seed("channel_bindings", "addresses", &b);
}

/* ---- auth identity (layout in fuzz.h) -------------------------------------- */
static void put_ident_string(struct buf *b, const char *s, bool wide)
{
    size_t n = strlen(s); /* ASCII here; wide strings get UTF-16LE */
    put_byte(b, (unsigned)n);
    for (size_t i = 0; i < n; i++) {
        put_byte(b, (unsigned char)s[i]);
        if (wide)
            put_byte(b, 0);
    }
}

static void auth_identity(void)
{
    static const struct {
        const char *name;
        int layout, nulls;
        uint32_t flags;
        const char *user, *domain, *password, *packages;
    } seeds[] = {
        {"a", AUTH_LAYOUT_A, 8, 1, "alice", "EXAMPLE", "Alice-Pass1", ""},
        {"w", AUTH_LAYOUT_W, 8, 2, "bob", "", "Bob-Pass2", ""},
        {"exa", AUTH_LAYOUT_EXA, 0, 1, "carol", "EXAMPLE", "pw", "Kerberos,!NTLM"},
        {"exw", AUTH_LAYOUT_EXW, 2, 2, "dave@EXAMPLE.COM", "", "pw", "NTLM"},
        {"both-flags", AUTH_LAYOUT_A, 0, 3, "x", "y", "z", ""},
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        struct buf b = {.n = 0};
        bool wide = (seeds[i].flags & 2) != 0; /* UNICODE */
        put_byte(&b, (unsigned)(seeds[i].layout | seeds[i].nulls << AUTH_NULL_SHIFT));
        put_le(&b, seeds[i].flags, 4);
        put_ident_string(&b, seeds[i].user, wide);
        put_ident_string(&b, seeds[i].domain, wide);
        put_ident_string(&b, seeds[i].password, wide);
        put_ident_string(&b, seeds[i].packages, wide);
        write_seed("auth_identity", seeds[i].name, &b);
    }
    /* A surrogate pair (U+1F600) and a lone surrogate in UTF-16 strings. */
    struct buf b = {.n = 0};
    put_byte(&b, AUTH_LAYOUT_W | 8 << AUTH_NULL_SHIFT);
    put_le(&b, 2, 4);
    put_byte(&b, 3);
    put_le(&b, 'j', 2);
    put_le(&b, 0xd83d, 2);
    put_le(&b, 0xde00, 2);
    put_byte(&b, 1);
    put_le(&b, 0xdc00, 2);
    put_byte(&b, 0);
    write_seed("auth_identity", "surrogates", &b);
}

/* ---- UTF-8 / UTF-16 ---------------------------------------------------------- */
static void utf(void)
{
    static const struct {
        const char *name;
        const char *bytes;
        size_t len;
    } seeds[] = {
        {"ascii", "hello", 5},
        {"latin1", "j\xc3\xbcrgen", 7},
        {"cjk", "\xe6\x97\xa5\xe6\x9c\xac", 6},
        {"astral", "\xf0\x9f\x98\x80", 4},
        {"max", "\xf4\x8f\xbf\xbf", 4},
        {"overlong", "\xc0\xaf", 2},
        {"surrogate-utf8", "\xed\xa0\x80", 3},
        {"utf16-pair", "\x3d\xd8\x00\xde", 4},
        {"utf16-lone", "\x00\xdc\x41\x00", 4},
    };
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        struct buf b = {.n = 0};
        put(&b, seeds[i].bytes, seeds[i].len);
        write_seed("utf", seeds[i].name, &b);
    }
}

/* ---- policy ---------------------------------------------------------------- */
static void policy(void)
{
    struct buf b = {.n = 0};
    put_str(&b, "# every setting\nntlm = audit\nntlm_v1 = deny\nchannel_bindings = require\n"
                "ms_krb5_first = yes\nuse_server_mech_list = no\ninterpose_kerberos = auto\n"
                "audit_syslog = off\naudit_file = /var/log/gss-sspi-audit.log\n");
    write_seed("policy", "all-settings", &b);
    b.n = 0;
    put_str(&b, "ntlm = allow\r\n  # comment\t\n\nntlm = deny\nbogus\n");
    write_seed("policy", "refused", &b);
}

/* ---- NTLMSSP AUTHENTICATE ------------------------------------------------------ */
/* A message with the given fields; payload after the 64-byte header (and
 * an 8-byte version and 16-byte MIC, as current clients send). */
static void ntlm_message(const char *name, uint32_t flags, const void *lm, size_t lm_len,
                         const void *nt, size_t nt_len, const char *domain, const char *user,
                         bool unicode)
{
    struct buf pay = {.n = 0}, b = {.n = 0};
    size_t base = 64 + 8 + 16;
    size_t off[6], len[6];
    const void *parts[6] = {lm, nt};
    len[0] = lm_len;
    len[1] = nt_len;
    const char *strs[4] = {domain, user, "WORKSTATION", ""};
    for (int i = 0; i < 6; i++) {
        off[i] = base + pay.n;
        if (i < 2) {
            if (len[i] > 0)
                put(&pay, parts[i], len[i]);
            continue;
        }
        const char *s = strs[i - 2];
        len[i] = strlen(s) * (unicode ? 2 : 1);
        for (size_t k = 0; s[k]; k++) {
            put_byte(&pay, (unsigned char)s[k]);
            if (unicode)
                put_byte(&pay, 0);
        }
    }
    put(&b, "NTLMSSP", 8);
    put_le(&b, 3, 4);
    for (int i = 0; i < 6; i++) {
        put_le(&b, (uint32_t)len[i], 2);
        put_le(&b, (uint32_t)len[i], 2);
        put_le(&b, (uint32_t)off[i], 4);
    }
    put_le(&b, flags, 4);
    put_byte(&b, 10); /* version: 10.0.19041, NTLM revision 15 */
    put_byte(&b, 0);
    put_le(&b, 19041, 2);
    put_zero(&b, 3);
    put_byte(&b, 15);
    put_zero(&b, 16); /* MIC */
    put(&b, pay.b, pay.n);
    write_seed("ntlm_authenticate", name, &b);
}

static void ntlm_authenticate(void)
{
    unsigned char v1[24], v2[16 + 28 + 12], zero = 0;
    memset(v1, 0x11, sizeof(v1));
    memset(v2, 0, sizeof(v2));
    memset(v2, 0x22, 16);     /* NTProofStr */
    v2[16] = v2[17] = 1;      /* blob version */
    memset(v2 + 32, 0xaa, 8); /* client challenge */
    v2[44] = 2;               /* MsvAvNbDomainName ... */
    v2[46] = 4;
    memcpy(v2 + 48, "D\0X\0", 4); /* ... "DX" */
    ntlm_message("v2-unicode", 0xe2888235, v1, 24, v2, sizeof(v2), "EXAMPLE", "j\xfcrgen", true);
    ntlm_message("v1-oem", 0xe2088206, v1, 24, v1, 24, "EXAMPLE", "alice", false);
    ntlm_message("anonymous", 0xe2888a35, &zero, 1, NULL, 0, "", "", true);
}

/* ---- DER: SPNEGO NegTokenInit2 and a Kerberos AP-REQ of our own ---------------- */
static const unsigned char oid_spnego[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const unsigned char oid_krb5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const unsigned char oid_ms_krb5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const unsigned char oid_ntlm[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                         0x82, 0x37, 0x02, 0x02, 0x0a};

static void spnego(void)
{
    struct buf list = {.n = 0}, seq = {.n = 0}, f = {.n = 0}, init = {.n = 0}, app = {.n = 0},
               tok = {.n = 0}, hints = {.n = 0}, s = {.n = 0};
    put_tlv_raw(&list, 0x06, oid_ms_krb5, sizeof(oid_ms_krb5));
    put_tlv_raw(&list, 0x06, oid_krb5, sizeof(oid_krb5));
    put_tlv_raw(&list, 0x06, oid_ntlm, sizeof(oid_ntlm));
    put_tlv(&f, 0x30, &list);
    put_tlv(&seq, 0xa0, &f);
    /* negHints [3] SEQUENCE { [0] GeneralString } (NegTokenInit2) */
    f.n = 0;
    put_tlv_raw(&f, 0x1b, "not_defined_in_RFC4178@please_ignore", 36);
    put_tlv(&s, 0xa0, &f);
    put_tlv(&hints, 0x30, &s);
    f.n = 0;
    put_tlv(&f, 0xa3, &hints);
    put(&seq, f.b, f.n);
    put_tlv(&init, 0x30, &seq);
    put_tlv_raw(&app, 0x06, oid_spnego, sizeof(oid_spnego));
    put_tlv(&app, 0xa0, &init);
    put_tlv(&tok, 0x60, &app);
    write_seed("spnego_init", "negtokeninit2", &tok);
    write_seed("der", "negtokeninit2", &tok);

    /* NegTokenInit with a mechToken [2] OCTET STRING */
    seq.n = 0;
    f.n = 0;
    list.n = 0;
    put_tlv_raw(&list, 0x06, oid_ntlm, sizeof(oid_ntlm));
    put_tlv(&f, 0x30, &list);
    put_tlv(&seq, 0xa0, &f);
    f.n = 0;
    struct buf mt = {.n = 0};
    put_tlv_raw(&mt, 0x04, "NTLMSSP\0\1\0\0\0", 12);
    put_tlv(&seq, 0xa2, &mt);
    init.n = app.n = tok.n = 0;
    put_tlv(&init, 0x30, &seq);
    put_tlv_raw(&app, 0x06, oid_spnego, sizeof(oid_spnego));
    put_tlv(&app, 0xa0, &init);
    put_tlv(&tok, 0x60, &app);
    write_seed("spnego_init", "negtokeninit-ntlm", &tok);
}

static void put_int_field(struct buf *b, unsigned tag, unsigned v)
{
    struct buf i = {.n = 0};
    unsigned char c = (unsigned char)v;
    put_tlv_raw(&i, 0x02, &c, 1);
    put_tlv(b, tag, &i);
}

static void krb5_ap_req(void)
{
    struct buf names = {.n = 0}, sname = {.n = 0}, tseq = {.n = 0}, tmp = {.n = 0},
               ticket = {.n = 0}, apseq = {.n = 0}, apreq = {.n = 0}, app = {.n = 0},
               tok = {.n = 0}, enc = {.n = 0};
    put_tlv_raw(&names, 0x1b, "HTTP", 4);
    put_tlv_raw(&names, 0x1b, "www.example.com", 15);
    put_int_field(&sname, 0xa0, 2);
    put_tlv(&tmp, 0x30, &names);
    put_tlv(&sname, 0xa1, &tmp);
    put_int_field(&tseq, 0xa0, 5);
    tmp.n = 0;
    put_tlv_raw(&tmp, 0x1b, "EXAMPLE.COM", 11);
    put_tlv(&tseq, 0xa1, &tmp);
    tmp.n = 0;
    put_tlv(&tmp, 0x30, &sname);
    put_tlv(&tseq, 0xa2, &tmp);
    put_int_field(&enc, 0xa0, 18);
    tmp.n = 0;
    put_tlv_raw(&tmp, 0x04, "ciphertext", 10);
    put_tlv(&enc, 0xa2, &tmp);
    tmp.n = 0;
    put_tlv(&tmp, 0x30, &enc);
    put_tlv(&tseq, 0xa3, &tmp);
    tmp.n = 0;
    put_tlv(&tmp, 0x30, &tseq);
    put_tlv(&ticket, 0x61, &tmp);
    put_int_field(&apseq, 0xa0, 5);
    put_int_field(&apseq, 0xa1, 14);
    tmp.n = 0;
    put_tlv_raw(&tmp, 0x03, "\0\x20\0\0\0", 5);
    put_tlv(&apseq, 0xa2, &tmp);
    put_tlv(&apseq, 0xa3, &ticket);
    tmp.n = 0;
    put_tlv(&tmp, 0x30, &apseq);
    put_tlv(&apreq, 0x6e, &tmp);
    put_tlv_raw(&app, 0x06, oid_krb5, sizeof(oid_krb5));
    put(&app, "\x01\x00", 2);
    put(&app, apreq.b, apreq.n);
    put_tlv(&tok, 0x60, &app);
    write_seed("krb5_ap_req", "ap-req", &tok);
    write_seed("der", "ap-req", &tok);
}

/* ---- a packed context (export.c) whose GSS token no mechanism accepts ----------- */
static void import_context(void)
{
    static const char name[] = "alice@EXAMPLE.COM";
    struct buf b = {.n = 0};
    put_str(&b, "GSXC");
    put_be(&b, 1, 2); /* version */
    put_be(&b, 0, 1); /* acceptor */
    put_be(&b, 1, 1); /* Kerberos */
    put_be(&b, 0, 1); /* raw token form */
    put_be(&b, 0, 1); /* no bindings */
    put_be(&b, 0, 2);
    put_be(&b, 0x3e, 4); /* GSS flags, ASC_REQ, ASC_RET */
    put_be(&b, 0, 4);
    put_be(&b, 0, 4);
    put_be(&b, 0x01d97200, 4); /* start, expiry */
    put_be(&b, 0, 4);
    put_be(&b, 0x01d97210, 4);
    put_be(&b, 0, 4);
    put_be(&b, sizeof(oid_krb5), 1);
    put(&b, oid_krb5, sizeof(oid_krb5));
    put_be(&b, 0, 1); /* no name type */
    put_be(&b, sizeof(name) - 1, 2);
    put_str(&b, name);
    put_be(&b, 4 + sizeof(oid_krb5) + 4, 4); /* the GSS token: OID, then nothing useful */
    put_be(&b, sizeof(oid_krb5), 4);
    put(&b, oid_krb5, sizeof(oid_krb5));
    put_be(&b, 0, 4);
    write_seed("import_context", "handmade-krb5", &b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    channel_bindings();
    auth_identity();
    utf();
    policy();
    ntlm_authenticate();
    spnego();
    krb5_ap_req();
    import_context();
    return 0;
}
