using System.Globalization;
using System.Net;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Cli.Daemon.Web;

/// <summary>
/// Where the daemon's web view listens (`daemon --web ADDRESS:PORT`). Loopback only unless
/// <see cref="Remote"/> was asked for by name (`--web-allow-remote`): the view shows every job's
/// output, and it is plain HTTP.
/// </summary>
internal sealed record WebSettings(IPEndPoint Endpoint, bool Remote)
{
    /// <summary>The token file's name in the state directory.</summary>
    public const string TokenFileName = "web.token";

    /// <summary>The settings for --web and --web-allow-remote; null when the view is off (the default).</summary>
    public static WebSettings? From(string? address, bool allowRemote)
    {
        if (address is null)
        {
            return allowRemote
                ? throw new SessionKeeperException(FailureKind.InvalidInput, "--web-allow-remote only goes with --web ADDRESS:PORT.")
                : null;
        }

        var endpoint = Parse(address);
        if (!IPAddress.IsLoopback(endpoint.Address) && !allowRemote)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"--web {address}: not a loopback address, so every job's output would be served to the network over plain HTTP; use 127.0.0.1:PORT, or add --web-allow-remote to mean it.");
        }

        return new WebSettings(endpoint, !IPAddress.IsLoopback(endpoint.Address));
    }

    /// <summary>ADDRESS:PORT with an IP address (IPv6 in brackets) or `localhost`, and an explicit port (0: any free one).</summary>
    private static IPEndPoint Parse(string text)
    {
        var colon = text.LastIndexOf(':');
        var host = colon > 0 ? text[..colon] : "";
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':'))
        {
            host = ""; // an IPv6 address without brackets: its port cannot be told from it
        }

        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is null || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new SessionKeeperException(FailureKind.InvalidInput, $"--web '{text}': give an IP address and a port, such as 127.0.0.1:8080 or [::1]:8080.");
        }

        return new IPEndPoint(address, port);
    }
}
