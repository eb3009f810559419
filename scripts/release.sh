#!/usr/bin/env bash
# release.sh: the release artifacts of the sessionkeeper CLI (issue 13).
#
# Usage: scripts/release.sh [--out DIR] [--rid RID]... [--no-pack]
#
# Writes to DIR (default artifacts/release), one tarball per runtime identifier:
#   sessionkeeper-VERSION-linux-x64.tar.gz    Native AOT: one native executable, `sessionkeeper`,
#                                             with libe_sqlite3.so beside it (SQLitePCLRaw loads
#                                             SQLite as a shared library; it has no static build
#                                             for Linux). No .NET runtime needed on the machine.
#   sessionkeeper-VERSION-linux-arm64.tar.gz  Native AOT too, cross-compiled with clang/lld and
#                                             Debian's arm64 cross toolchain (gcc-aarch64-linux-gnu,
#                                             libc6-dev-arm64-cross); where those are missing it
#                                             falls back to ReadyToRun self-contained (a directory
#                                             with the runtime, `sessionkeeper` the apphost) and
#                                             says so.
#   SessionKeeper.Tool.VERSION.nupkg          the dotnet-tool package (framework-dependent), and
#                                             the SessionKeeper library package, via `dotnet pack`
#                                             (skip with --no-pack).
# Every tarball holds a directory sessionkeeper-VERSION-RID/ with the executable and README.md;
# SHA256SUMS lists them. Publishing builds without fault injection (Directory.Build.props) and
# treats every trim/AOT warning as an error (-p:TreatWarningsAsErrors=true reaches ILC through
# IlcTreatWarningsAsErrors), so a warning fails the release instead of shipping.
#
# Needs: dotnet (the SDK of global.json), clang and lld (apt-get install clang lld); for arm64
# AOT also gcc-aarch64-linux-gnu and libc6-dev-arm64-cross. ILCompiler packages come from the
# configured NuGet feed; the SDK picks their version.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/artifacts/release
RIDS=()
PACK=1
while [ $# -gt 0 ]; do
    case $1 in
        --out) OUT=$(realpath -m "$2"); shift 2 ;;
        --rid) RIDS+=("$2"); shift 2 ;;
        --no-pack) PACK=0; shift ;;
        -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
        *) echo "release: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ ${#RIDS[@]} -gt 0 ] || RIDS=(linux-x64 linux-arm64)

VERSION=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$ROOT/Directory.Build.props")
mkdir -p "$OUT"
STAGE=$(mktemp -d /tmp/sk-release-XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

host_arch() {
    case $(uname -m) in
        x86_64) echo linux-x64 ;;
        aarch64) echo linux-arm64 ;;
        *) echo "linux-$(uname -m)" ;;
    esac
}

# Whether Native AOT can be linked for RID here: the host's own RID needs clang; another one a
# cross sysroot that clang finds by the target triple (Debian's /usr/aarch64-linux-gnu).
can_aot() {
    command -v clang >/dev/null || return 1
    [ "$1" = "$(host_arch)" ] && return 0
    case $1 in
        linux-arm64) [ -e /usr/aarch64-linux-gnu/lib/libc.so.6 ] && command -v aarch64-linux-gnu-gcc >/dev/null ;;
        *) return 1 ;;
    esac
}

# Each publish builds under the stage (--artifacts-path): the tree's bin/ and obj/, which the tests
# run from (with fault injection compiled in), are left alone.
publish() {
    local rid=$1 dir=$STAGE/sessionkeeper-$VERSION-$1 kind
    if can_aot "$rid"; then
        kind="Native AOT"
        # A cross link needs nothing more: ILC passes clang --target=aarch64-linux-gnu, clang finds
        # the cross gcc toolchain and its linker, and llvm-objcopy strips any architecture.
        nice dotnet publish "$ROOT/src/SessionKeeper.Cli" -c Release -r "$rid" -nologo \
            -p:PublishAot=true -p:IlcTreatWarningsAsErrors=true -p:TrimmerSingleWarn=false \
            -p:DebugType=none -p:GenerateDocumentationFile=false --artifacts-path "$STAGE/build-$rid" -o "$dir"
    else
        kind="ReadyToRun self-contained (no AOT toolchain for $rid here)"
        nice dotnet publish "$ROOT/src/SessionKeeper.Cli" -c Release -r "$rid" -nologo \
            --self-contained -p:PublishReadyToRun=true -p:DebugType=none -p:GenerateDocumentationFile=false \
            --artifacts-path "$STAGE/build-$rid" -o "$dir"
    fi
    # What the release ships: no symbol files or XML docs (the .dbg of a stripped AOT binary stays out).
    find "$dir" \( -name '*.pdb' -o -name '*.dbg' -o -name '*.xml' \) -delete
    cp "$ROOT/README.md" "$dir/"
    tar -C "$STAGE" -czf "$OUT/sessionkeeper-$VERSION-$rid.tar.gz" "sessionkeeper-$VERSION-$rid"
    echo "release: $rid: $kind -> $OUT/sessionkeeper-$VERSION-$rid.tar.gz ($(du -sh "$dir" | cut -f1) unpacked)"
}

for rid in "${RIDS[@]}"; do
    publish "$rid"
done

if [ "$PACK" = 1 ]; then
    nice dotnet pack "$ROOT/SessionKeeper.sln" -c Release -nologo -o "$OUT"
fi

(cd "$OUT" && sha256sum -- *.tar.gz $( [ "$PACK" = 1 ] && echo '*.nupkg') > SHA256SUMS)
echo "release: $OUT"
