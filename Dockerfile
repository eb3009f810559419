# The sessionkeeper CLI in an image: `docker run --rm -v ~/.ssh:/root/.ssh:ro IMAGE run HOST -- CMD`.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/SessionKeeper.Cli -c Release -o /out -nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
COPY --from=build /out /opt/sessionkeeper
ENV SESSIONKEEPER_STATE_DIR=/state
VOLUME /state
ENTRYPOINT ["dotnet", "/opt/sessionkeeper/sessionkeeper.dll"]
