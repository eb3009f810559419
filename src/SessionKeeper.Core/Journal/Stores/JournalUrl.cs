using System.Globalization;
using Npgsql;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Core.Journal.Stores;

/// <summary>
/// A shared journal's address, as libpq writes one:
/// <c>postgresql://[user[:password]@]host[:port][/database][?sslmode=...&amp;connect_timeout=...]</c>.
/// The password is better kept out of it (~/.pgpass or $PGPASSWORD, as psql reads them); it never
/// appears in <see cref="Display"/>, which is what messages show.
/// </summary>
internal sealed record JournalUrl(string ConnectionString, string Display)
{
    /// <summary>How long a connection attempt may take before the journal is called unreachable, unless connect_timeout says otherwise.</summary>
    public const int DefaultConnectTimeoutSeconds = 10;

    private static readonly string[] Schemes = ["postgresql://", "postgres://"];

    public static bool IsUrl(string text) => Schemes.Any(s => text.StartsWith(s, StringComparison.OrdinalIgnoreCase));

    public static JournalUrl Parse(string text)
    {
        if (!IsUrl(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw Invalid(text, "it is not a postgresql://user@host:port/database URL");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.IdnHost is { Length: > 0 } host ? host : null,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Timeout = DefaultConnectTimeoutSeconds,
            ApplicationName = "sessionkeeper",
        };
        if (uri.UserInfo is { Length: > 0 } userInfo)
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? userInfo : userInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(userInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Contains('/', StringComparison.Ordinal))
        {
            throw Invalid(text, $"'{database}' is not a database name");
        }

        if (database.Length > 0)
        {
            builder.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            Apply(builder, key, value, text);
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Invalid(text, "it names no host");
        }

        return new JournalUrl(builder.ConnectionString, Redact(uri));
    }

    private static void Apply(NpgsqlConnectionStringBuilder builder, string key, string value, string text)
    {
        switch (key)
        {
            case "host":
                builder.Host = value; // a directory is a Unix socket, as for libpq
                break;
            case "port":
                builder.Port = Number(key, value, text);
                break;
            case "dbname":
                builder.Database = value;
                break;
            case "user":
                builder.Username = value;
                break;
            case "password":
                builder.Password = value;
                break;
            case "passfile":
                builder.Passfile = value;
                break;
            case "application_name":
                builder.ApplicationName = value;
                break;
            case "connect_timeout":
                builder.Timeout = Number(key, value, text);
                break;
            case "sslrootcert":
                builder.RootCertificate = value;
                break;
            case "sslmode":
                builder.SslMode = value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,
                    _ => throw Invalid(text, $"sslmode '{value}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
                };
                break;
            default:
                throw Invalid(text, $"the parameter '{key}' is not one SessionKeeper knows (host, port, dbname, user, passfile, sslmode, sslrootcert, connect_timeout, application_name)");
        }
    }

    private static int Number(string key, string value, string text) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 65535
            ? n
            : throw Invalid(text, $"{key} '{value}' is not a positive number");

    /// <summary>The URL without its password, for messages.</summary>
    private static string Redact(Uri uri)
    {
        var user = uri.UserInfo is { Length: > 0 } info ? info.Split(':')[0] + "@" : "";
        var query = string.Join('&', uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith("password", StringComparison.Ordinal)));
        return $"{uri.Scheme}://{user}{uri.Authority}{uri.AbsolutePath}{(query.Length > 0 ? "?" + query : "")}";
    }

    private static SessionKeeperException Invalid(string text, string why)
    {
        var shown = Uri.TryCreate(text, UriKind.Absolute, out var uri) && IsUrl(text) ? Redact(uri) : text;
        return new(FailureKind.InvalidInput, $"the journal '{shown}' is not usable: {why}. Give --journal (or $SESSIONKEEPER_JOURNAL) a postgresql://user@host:port/database URL, or 'sqlite' for the state directory's own journal.");
    }
}
