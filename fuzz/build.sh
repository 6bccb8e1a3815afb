#!/usr/bin/env bash
# fuzz/build.sh — OSS-Fuzz / ClusterFuzzLite build script (.clusterfuzzlite/build.sh calls it).
#
# Uses the environment OSS-Fuzz's `compile` sets: $CXX, $CXXFLAGS (sanitizer and coverage flags),
# $LIB_FUZZING_ENGINE, $OUT and, optionally, $WORK ($CC is unused: the project is C++ only). It
# configures the tree with GATECRASH_FUZZ=ON and GATECRASH_FUZZ_ENGINE="$LIB_FUZZING_ENGINE", so
# CMake adds no -fsanitize flag of its own (the `fuzz` preset's ASan+UBSan+libFuzzer) and the
# instrumentation comes from $CXXFLAGS alone. It builds every fuzz/<unit>_fuzzer.cc and puts into
# $OUT, per target: the binary, <unit>_fuzzer.dict, <unit>_fuzzer.options and
# <unit>_fuzzer_seed_corpus.zip (the files of fuzz/corpus/<unit>_fuzzer/).
# Shared libraries the runner image lacks (re2, yaml-cpp, abseil, ...) are copied to $OUT/lib, which
# the binaries find through their RUNPATH $ORIGIN/lib.
#
# Locally (no Docker), for example:
#   CC=clang CXX=clang++ CFLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -O1 -g" \
#   CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/cfl-out WORK=/tmp/cfl-work \
#   GATECRASH_BUILD_JOBS=1 fuzz/build.sh
# Optional: GATECRASH_BUILD_DIR (default $WORK/gatecrash-build), GATECRASH_BUILD_JOBS (default nproc).
set -euo pipefail

: "${OUT:?OUT must name the output directory (OSS-Fuzz sets it)}"
: "${LIB_FUZZING_ENGINE:?LIB_FUZZING_ENGINE must be set (OSS-Fuzz sets it, e.g. -fsanitize=fuzzer)}"
CXX="${CXX:-clang++}"
CXXFLAGS="${CXXFLAGS:-}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GATECRASH_BUILD_DIR:-${WORK:-/tmp}/gatecrash-build}"
jobs="${GATECRASH_BUILD_JOBS:-$(nproc)}"

# OSS-Fuzz's base-builder adds -stdlib=libc++ to CXXFLAGS; re2, yaml-cpp and abseil come from the
# distribution and are built against libstdc++, so the fuzzers must use libstdc++ too.
CXXFLAGS="$(printf '%s' "$CXXFLAGS" | sed -E 's/(^|[[:space:]])-stdlib=libc\+\+([[:space:]]|$)/ /g')"
# clang + UBSan's `function` check cannot compile Asio's C++20 coroutines (shared/reference/
# toolchain.md); the `fuzz` preset turns it off as well. A no-op when UBSan is not on.
CXXFLAGS="$CXXFLAGS -fno-sanitize=function"
export CXX CXXFLAGS

targets=()
for source in "$root"/fuzz/*_fuzzer.cc; do
  targets+=("$(basename "$source" .cc)")
done
echo "fuzz/build.sh: building ${targets[*]} in $build"
echo "fuzz/build.sh: CXX=$CXX CXXFLAGS=$CXXFLAGS LIB_FUZZING_ENGINE=$LIB_FUZZING_ENGINE"

generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
# Build type Release with its flags reduced to -DNDEBUG: optimisation and debug info come from
# $CXXFLAGS only (OSS-Fuzz picks them per sanitizer), while NDEBUG matches the `fuzz` preset.
# Warnings are not errors here: OSS-Fuzz's clang is newer than the one the tree is checked with.
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCMAKE_BUILD_RPATH='$ORIGIN/lib' \
  -DGATECRASH_FUZZ=ON -DGATECRASH_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DGATECRASH_WERROR=OFF -DGATECRASH_TESTS=OFF -DGATECRASH_BENCH=OFF
cmake --build "$build" --parallel "$jobs" --target "${targets[@]}"

mkdir -p "$OUT"
for name in "${targets[@]}"; do
  binary="$(find "$build" -type f -name "$name" -perm -u+x | head -1)"
  if [[ -z "$binary" ]]; then
    echo "fuzz/build.sh: $name was not built" >&2
    exit 1
  fi
  cp "$binary" "$OUT/$name"
  for beside in dict options; do
    if [[ -f "$root/fuzz/$name.$beside" ]]; then cp "$root/fuzz/$name.$beside" "$OUT/$name.$beside"; fi
  done
  seeds="$root/fuzz/corpus/$name"
  if [[ -d "$seeds" ]]; then
    # Flat zip of the seed files (the replay driver's rule: no dotfiles, no README*).
    rm -f "$OUT/${name}_seed_corpus.zip"
    (cd "$seeds" && find . -maxdepth 1 -type f ! -name '.*' ! -name 'README*' -printf '%f\n' | sort |
      zip -q -X "$OUT/${name}_seed_corpus.zip" -@)
  fi
done

# Shared libraries the binaries need, except glibc's own (the runner image has a matching glibc).
mkdir -p "$OUT/lib"
for name in "${targets[@]}"; do
  ldd "$OUT/$name" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
done | sort -u | while IFS= read -r lib; do
  case "$(basename "$lib")" in
    libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | libresolv.so.* | ld-linux*.so.*) ;;
    *) cp -L "$lib" "$OUT/lib/" ;;
  esac
done

echo "fuzz/build.sh: done; in $OUT:"
ls -l "$OUT" "$OUT/lib"
