# The sessionkeeper CLI in an image: `docker run --rm -v ~/.ssh:/root/.ssh:ro IMAGE run HOST -- CMD`.
# The default image holds the Native AOT binary (no .NET runtime, starts in milliseconds); the
# framework-dependent build is the `jit` target: `docker build --target jit .`.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with clang (the SDK image is Debian 12, like the machine the release is made on).
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang lld zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The image's own architecture: linux-x64 or linux-arm64 (build with --platform for the other).
RUN case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;; esac \
    && dotnet publish src/SessionKeeper.Cli -c Release -r "$rid" -nologo \
        -p:PublishAot=true -p:IlcTreatWarningsAsErrors=true -p:TrimmerSingleWarn=false \
        -p:DebugType=none -p:GenerateDocumentationFile=false -o /out-native \
    && rm -f /out-native/*.dbg /out-native/*.pdb /out-native/*.xml \
    && dotnet publish src/SessionKeeper.Cli -c Release -nologo -o /out-jit

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS jit
COPY --from=build /out-jit /opt/sessionkeeper
ENV SESSIONKEEPER_STATE_DIR=/state
VOLUME /state
ENTRYPOINT ["dotnet", "/opt/sessionkeeper/sessionkeeper.dll"]

# The default (last) stage: the native binary and libe_sqlite3.so beside it, on runtime-deps (glibc,
# OpenSSL, CA certificates: what a self-contained .NET program needs, without the runtime).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0 AS native
COPY --from=build /out-native /opt/sessionkeeper
ENV SESSIONKEEPER_STATE_DIR=/state
VOLUME /state
ENTRYPOINT ["/opt/sessionkeeper/sessionkeeper"]
