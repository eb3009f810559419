using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionKeeper.Core.Failures;
using SessionKeeper.Core.Journal;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// `daemon --web ADDRESS:PORT`: a read-only view of the journal and the local mirrors, served by
/// Kestrel inside the daemon's own host. Only GET routes exist; every request passes
/// <see cref="WebAuth"/> first. The page, its script and its style sheet are embedded in the
/// assembly; the script renders what the JSON endpoints return as text nodes.
/// </summary>
internal static partial class WebView
{
    /// <summary>How often the output tail looks at the mirror files.</summary>
    private static readonly TimeSpan TailInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The daemon's host builder when the view is on: no configuration sources at all (no
    /// appsettings.json, no ASPNETCORE_URLS that could open another address), Kestrel without its
    /// configuration binding, routing without the reflection-based parts.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(WebSettings web)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(web.Endpoint);
        });
        builder.Services.AddRoutingCore();
        return builder;
    }

    /// <summary>
    /// Builds the host and maps the view. A new token is stored in the state directory now and
    /// printed on stdout once Kestrel listens (with the port it got, for --web 127.0.0.1:0).
    /// </summary>
    public static WebApplication Build(WebApplicationBuilder builder, WebSettings web, string stateRoot, string? journal = null)
    {
        Probe(web);
        var token = WebToken.Create();
        var tokenPath = Path.Combine(stateRoot, WebSettings.TokenFileName);
        token.Store(tokenPath);
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SessionKeeper.Web");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? $"http://{web.Endpoint}";
            Console.Out.WriteLine($"sessionkeeper: web view: {address}/?token={token.Value}");
            Console.Out.Flush();
            Listening(logger, address, tokenPath);
            if (web.Remote)
            {
                NotLoopback(logger, address);
            }
        });

        var data = new WebData(JobJournal.OpenForReading(stateRoot, journal), TimeProvider.System);
        var tail = new OutputTail(data, TailInterval);
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use(SecurityHeadersAsync);
        app.Use(new WebAuth(token).InvokeAsync);
        app.MapGet("/", Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/app.js", Asset("app.js", "text/javascript; charset=utf-8"));
        app.MapGet("/app.css", Asset("app.css", "text/css; charset=utf-8"));
        app.MapGet("/api/overview", new RequestDelegate(c => JsonAsync(c, data.Overview(), WebJson.Default.WebOverview)));
        app.MapGet("/api/batches/{id}", new RequestDelegate(c => data.Batch(Id(c)) is { } batch
            ? JsonAsync(c, batch, WebJson.Default.WebBatchDetail)
            : NotFoundAsync(c, $"no batch '{Id(c)}' in the journal.")));
        app.MapGet("/api/jobs/{id}", new RequestDelegate(c => data.Job(Id(c)) is { } job
            ? JsonAsync(c, job.View, WebJson.Default.WebJob)
            : NotFoundAsync(c, $"no job '{Id(c)}' in the journal.")));
        app.MapGet("/api/jobs/{id}/tail", new RequestDelegate(async c =>
        {
            if (data.Job(Id(c)) is not { } job)
            {
                await NotFoundAsync(c, $"no job '{Id(c)}' in the journal.");
                return;
            }

            // Ends with the client, or with the daemon: an open stream must not hold up its stop.
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, stopping);
            try
            {
                await tail.StreamAsync(c, job.Row, linked.Token);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
            }
        }));
        return app;
    }

    /// <summary>
    /// A failure to listen (address in use, not an address of this machine) as the user's to fix:
    /// one line and exit 251, not a stack trace.
    /// </summary>
    public static SessionKeeperException ListenFailure(WebSettings web, Exception failure) =>
        new(FailureKind.InvalidInput, $"--web {web.Endpoint}: cannot listen there ({(failure.InnerException ?? failure).Message}); pick another port or address.", failure);

    /// <summary>
    /// Binds the address once before the host starts: Kestrel starts after the supervisor, so a
    /// port already taken is refused here, before any job is touched. (Kestrel's own failure, if
    /// the port is taken in between, is caught the same way by the daemon.)
    /// </summary>
    private static void Probe(WebSettings web)
    {
        try
        {
            var probe = new System.Net.Sockets.TcpListener(web.Endpoint);
            probe.Start();
            probe.Stop();
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw ListenFailure(web, ex);
        }
    }

    /// <summary>
    /// Nothing is fetched from elsewhere, nothing inline runs, no frame may hold the page, no
    /// referrer leaks a URL that carried the token, nothing is cached.
    /// </summary>
    private static Task SecurityHeadersAsync(HttpContext context, RequestDelegate next)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.CacheControl = "no-store";
        return next(context);
    }

    private static string Id(HttpContext context) => context.Request.RouteValues["id"] as string ?? "";

    private static RequestDelegate Asset(string name, string contentType)
    {
        using var resource = typeof(WebView).Assembly.GetManifestResourceStream($"SessionKeeper.Web.{name}")
            ?? throw new InvalidOperationException($"the web view's {name} is not embedded in the assembly.");
        var bytes = new byte[resource.Length];
        resource.ReadExactly(bytes);
        return context =>
        {
            context.Response.ContentType = contentType;
            return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
        };
    }

    private static Task JsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    private static Task NotFoundAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return JsonAsync(context, new WebError(message), WebJson.Default.WebError);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "web view (read-only) on {Address}; its token is in {TokenFile}")]
    private static partial void Listening(ILogger logger, string address, string tokenFile);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "web view on {Address} is not loopback (--web-allow-remote): plain HTTP, so the token and every job's output cross the network; anyone with the token sees all of it")]
    private static partial void NotLoopback(ILogger logger, string address);
}
