using Microsoft.AspNetCore.Http;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// The token check in front of every request: page, script, JSON and event stream alike. The token
/// may come as `Authorization: Bearer TOKEN`, as `?token=TOKEN` (the URL the daemon prints), or as
/// the cookie that a page load with a valid `?token=` sets, so that the page's own requests
/// (fetch, EventSource, which cannot set headers) carry it without putting it in every URL.
/// </summary>
internal sealed class WebAuth(WebToken token)
{
    /// <summary>The whole answer to a request without a valid token: one line.</summary>
    public const string Refusal = "401 unauthorized: this needs the web view's token: open the URL the daemon printed, or add ?token= with the contents of web.token in its state directory.\n";

    /// <summary>Per port, so that two daemons on one machine keep their cookies apart.</summary>
    public static string CookieName(int port) => $"sessionkeeper_token_{port}";

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var cookie = CookieName(context.Connection.LocalPort);
        var (fromCookie, fromQuery) = (request.Cookies[cookie], request.Query["token"].ToString());
        if (!token.Matches(Bearer(request)) && !token.Matches(fromCookie) && !token.Matches(fromQuery))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(Refusal, context.RequestAborted);
            return;
        }

        if (token.Matches(fromQuery) && !token.Matches(fromCookie))
        {
            context.Response.Cookies.Append(cookie, token.Value, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
        }

        await next(context);
    }

    /// <summary>The token of an `Authorization: Bearer TOKEN` header, if there is one.</summary>
    internal static string? Bearer(HttpRequest request) =>
        request.Headers.Authorization.ToString() is var header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : null;
}
