#!/usr/bin/perl
# ccache-skew.pl IN OUT SECONDS
#
# Copies an MIT FILE credential cache (format 0x0504) and sets its header's
# KDC time offset (DeltaTime tag) to SECONDS.  With kdc_timesync (on by
# default) MIT krb5 then stamps authenticators built from this cache with
# clock + SECONDS, which lets a test provoke KRB5KRB_AP_ERR_SKEW at the
# acceptor without touching the system clock.
#
# Header layout (after the 2-byte version): u16 length, then tags of
# u16 tag, u16 length, data; tag 1 (DeltaTime) is s32 seconds, s32 usec,
# all big-endian.
use strict;
use warnings;

@ARGV == 3 && $ARGV[2] =~ /^[+-]?\d+$/
    or die "usage: $0 IN OUT SECONDS\n";
my ($in, $out, $seconds) = @ARGV;

open(my $fh, '<:raw', $in) or die "$0: $in: $!\n";
my $data = do { local $/; <$fh> };
close($fh);

length($data) >= 4 or die "$0: $in: too short for a credential cache\n";
my ($version, $hlen) = unpack('n n', $data);
$version == 0x0504
    or die sprintf("%s: %s: format 0x%04x, want 0x0504\n", $0, $in, $version);
length($data) >= 4 + $hlen or die "$0: $in: truncated header\n";

# Keep every tag except an existing DeltaTime, then append ours.
my $header = substr($data, 4, $hlen);
my $rest = substr($data, 4 + $hlen);
my $tags = '';
while (length($header)) {
    length($header) >= 4 or die "$0: $in: malformed header tag\n";
    my ($tag, $len) = unpack('n n', $header);
    length($header) >= 4 + $len or die "$0: $in: malformed header tag\n";
    $tags .= substr($header, 0, 4 + $len) if $tag != 1;
    $header = substr($header, 4 + $len);
}
# pack 'l>' is a signed 32-bit big-endian value.
$tags .= pack('n n l> l>', 1, 8, $seconds, 0);

open($fh, '>:raw', $out) or die "$0: $out: $!\n";
chmod(0600, $out);
print $fh pack('n n', 0x0504, length($tags)), $tags, $rest
    or die "$0: $out: $!\n";
close($fh) or die "$0: $out: $!\n";
