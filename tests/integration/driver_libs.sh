#!/usr/bin/env bash
# The driver linked against the archives (cmake/static_driver.cmake) needs
# libc and libm alone, no other shared library and no Kerberos; it still
# does its work (a hello on a real cluster), without reading the system's
# protocols database on the way.  Built the shared way (an
# archive missing, or ASan): "SKIP: <reason>" and exit 77.
. "$(dirname "$0")/lib.sh"

case ${STATIC_DRIVER:-OFF} in
    ON|TRUE|1) ;;
    *) echo "SKIP: this build links the driver against shared libraries"; exit 77 ;;
esac
command -v readelf >/dev/null || { echo "SKIP: no readelf (binutils)"; exit 77; }
command -v strace >/dev/null || { echo "SKIP: no strace"; exit 77; }

# The loader itself may be named too (libgcc's unwinder asks it for
# _dl_find_object); it is loaded in any case.
needed=$(readelf -d "$DRIVER" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' \
         | grep -v '^ld-linux' | sort | tr '\n' ' ')
expect_eq "the driver's shared libraries" "libc.so.6 libm.so.6 " "$needed"

# No symbol of GSSAPI left for the loader to find elsewhere.
undef=$(readelf --dyn-syms -W "$DRIVER" | awk '$7 == "UND" && $8 ~ /^gss_/' | wc -l)
expect_eq "GSSAPI symbols the loader must find" "0" "$undef"

P=static
start_controller "$P"
start_engine "$P"
expect_eq "hello from the static driver" "['Hello World']" \
    "$(strace -f -q -o "$WORK/trace" -e trace=openat,open \
        "$DRIVER" --no-embed --profile "$P" hello)"
# PGM's protocol number is not looked up (driver/pgm_proto.c): no NSS.
opened=$(grep -oE '"/etc/(protocols|nsswitch\.conf)"|libnss_[a-z]+' "$WORK/trace" \
         | sort -u | tr '\n' ' ' || true)
expect_eq "system databases the driver read" "" "$opened"
echo "PASS"
