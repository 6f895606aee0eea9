#!/bin/sh
# manpage.sh PROGRAM NAME SUMMARY VERSION OUT - a man page (section 1,
# gzipped as Debian wants) from PROGRAM --help, the text kept as it is
# (.nf): the help is laid out by hand, not in GNU's option table.
set -eu
program=$1 name=$2 summary=$3 version=$4 out=$5
help=$("$program" --help)
{
    printf '.TH %s 1 "" "pipar %s" "pipar"\n' \
        "$(echo "$name" | tr a-z A-Z)" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$name" "$summary"
    printf '.SH DESCRIPTION\n'
    printf 'In PATH as %s; the help below calls it %s.\n' \
        "$name" "$(basename "$program")"
    printf '.PP\n.nf\n'
    # Backslashes as \e, hyphens as \- (minus signs one can paste into a
    # shell), and a line starting with . or ' made text with \&.
    printf '%s\n' "$help" | sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
    printf '.fi\n'
    printf '.SH FILES\n.TP\n/etc/default/pipar\n'
    printf 'options of the pipar-controller and pipar-engine@ services\n'
    printf '.TP\n/var/lib/pipar/profile_NAME/security/\n'
    printf 'the services'"'"' connection files (engine.json, client.json)\n'
    printf '.SH SEE ALSO\n'
    printf 'pipar-controller(1), pipar-engine(1), pipar-driver(1),\n'
    printf '/usr/share/doc/pipar/README.md\n'
} | gzip -9n >"$out.tmp"
mv -f "$out.tmp" "$out"
