#!/usr/bin/env bash
# check_install.sh: `make install` into a staging folder gives a library that a program builds
# against through pkg-config alone, linked shared or static, and `make uninstall` removes
# every file it put there. Run by test-runner (HARPER_SRC, TEST_DIR); exit 77 is a skip.
set -euo pipefail

src=${HARPER_SRC:?}
dir=${TEST_DIR:?}
stage=$dir/stage
lib=$stage/usr/lib

fail() { echo "check_install: $*" >&2; exit 1; }

command -v pkg-config >/dev/null || { echo "pkg-config is not installed"; exit 77; }
# Our own make, not a sub-make of the one that may be running the tests; and nothing from the
# environment may add the tree's include/ or build/ to the compiler's paths.
unset MAKEFLAGS MFLAGS MAKELEVEL CPATH C_INCLUDE_PATH LIBRARY_PATH LD_LIBRARY_PATH
unset PKG_CONFIG_PATH PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR

make -s -C "$src" install DESTDIR="$stage" PREFIX=/usr

version=$(awk '/^#define HARPER_VERSION_(MAJOR|MINOR|PATCH) / { v = v s $3; s = "." }
               END { print v }' "$src/include/harper.h")
for f in include/harper.h lib/libharper.so.$version lib/libharper.so.${version%%.*} \
         lib/libharper.so lib/libharper.a lib/pkgconfig/harper.pc bin/harper-server; do
    [ -e "$stage/usr/$f" ] || fail "make install did not install /usr/$f"
done
[ "$(readlink "$lib/libharper.so")" = "libharper.so.${version%%.*}" ] ||
    fail "libharper.so links to $(readlink "$lib/libharper.so")"
# (Outputs are kept before they are searched: `cmd | grep -q` fails under pipefail when grep
# stops reading early.)
dynamic=$(readelf -d "$lib/libharper.so.$version")
case "$dynamic" in
*"Library soname: [libharper.so.${version%%.*}]"*) ;;
*) fail "libharper.so.$version has no SONAME libharper.so.${version%%.*}" ;;
esac
# Only the API is exported: -fvisibility=hidden keeps harper__ internals and helpers inside.
extra=$(nm -D --defined-only "$lib/libharper.so.$version" | awk '$3 !~ /^harper_[a-z]/ {print $3}')
[ -z "$extra" ] || fail "exported beyond the API: $(echo $extra)"

# Build the example in the test folder, where the tree's headers are not next to it.
cp "$src/examples/hello.c" "$dir/hello.c"
cd "$dir"
export PKG_CONFIG_SYSROOT_DIR=$stage PKG_CONFIG_PATH=$lib/pkgconfig
cflags=$(pkg-config --cflags harper)
case " $cflags " in
*" -I$stage/usr/include "*) ;;
*) fail "pkg-config --cflags harper gave '$cflags'" ;;
esac
# shellcheck disable=SC2046 # pkg-config's output is a list of words
cc -o hello hello.c $(pkg-config --cflags --libs harper)
# Static: the archive and the private requirements from the .pc, and libharper.so not needed.
# shellcheck disable=SC2046
cc -o hello-static hello.c $cflags -Wl,--as-needed "$lib/libharper.a" \
    $(pkg-config --static --libs harper)

deps=$(LD_LIBRARY_PATH=$lib ldd ./hello)
case "$deps" in
*"=> $lib/libharper.so.${version%%.*} "*) ;;
*) fail "hello does not load the staged libharper: $deps" ;;
esac
deps=$(ldd ./hello-static)
case "$deps" in
*libharper*) fail "hello-static still needs libharper.so: $deps" ;;
esac
for prog in hello hello-static; do
    out=$(TMPDIR=$dir LD_LIBRARY_PATH=$lib "./$prog") || fail "$prog failed: $out"
    case "$out" in
    *'"id":1'*'"name":"Harper"'*) ;;
    *) fail "$prog printed '$out', want the record {\"id\":1,\"name\":\"Harper\"...}" ;;
    esac
done

make -s -C "$src" uninstall DESTDIR="$stage" PREFIX=/usr
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "make uninstall left: $(echo $left)"
echo "check_install: installed, built against, ran and uninstalled libharper $version"
