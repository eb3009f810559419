using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SessionKeeper.Cli.Daemon.Web;
using SessionKeeper.Core.Failures;

namespace SessionKeeper.Tests.Cli.Daemon;

/// <summary>The web view's token, its check in front of every request, its address rules, and how output becomes text a page shows safely.</summary>
public class WebViewTests
{
    private static readonly WebToken Token = new("s3cret-token_value");

    [Fact]
    public void A_token_matches_itself_only()
    {
        Assert.True(Token.Matches("s3cret-token_value"));
        Assert.False(Token.Matches(null));
        Assert.False(Token.Matches(""));
        Assert.False(Token.Matches("s3cret-token_valu"));
        Assert.False(Token.Matches("s3cret-token_value "));
        Assert.False(Token.Matches("S3cret-token_value"));
    }

    [Fact]
    public void A_created_token_is_long_random_and_url_safe()
    {
        var (a, b) = (WebToken.Create().Value, WebToken.Create().Value);
        Assert.NotEqual(a, b);
        Assert.Equal(43, a.Length); // 32 bytes, base64url without padding
        Assert.Matches("^[A-Za-z0-9_-]+$", a);
    }

    [Fact]
    public void The_stored_token_is_private_from_its_creation_and_replaces_the_last()
    {
        var dir = Directory.CreateTempSubdirectory("sk-webtoken-");
        try
        {
            var path = Path.Combine(dir.FullName, WebSettings.TokenFileName);
            File.WriteAllText(path, "old\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            Token.Store(path);
            Assert.Equal("s3cret-token_value\n", File.ReadAllText(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal([WebSettings.TokenFileName], Directory.GetFiles(dir.FullName).Select(Path.GetFileName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData(null, null, null)]
    [InlineData("Bearer wrong", null, null)]
    [InlineData(null, "wrong", null)]
    [InlineData(null, null, "wrong")]
    [InlineData("s3cret-token_value", null, null)] // a header without the Bearer scheme
    [InlineData("Basic s3cret-token_value", null, null)]
    public async Task A_request_without_the_token_gets_401_and_one_line(string? authorization, string? query, string? cookie)
    {
        var (context, called) = await SendAsync(authorization, query, cookie);
        Assert.False(called);
        Assert.Equal(401, context.Response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", context.Response.ContentType);
        var body = Body(context);
        Assert.Equal(WebAuth.Refusal, body);
        Assert.Single(body.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(context.Response.Headers.ContainsKey("Set-Cookie"));
    }

    [Theory]
    [InlineData("Bearer s3cret-token_value", null, null)]
    [InlineData(null, null, "s3cret-token_value")]
    [InlineData("Bearer wrong", null, "s3cret-token_value")]
    public async Task A_request_with_the_token_passes_without_a_new_cookie(string? authorization, string? query, string? cookie)
    {
        var (context, called) = await SendAsync(authorization, query, cookie);
        Assert.True(called);
        Assert.Equal(200, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Set-Cookie"));
    }

    [Fact]
    public async Task The_token_in_the_url_passes_and_sets_a_strict_http_only_cookie_for_this_port()
    {
        var (context, called) = await SendAsync(null, "s3cret-token_value", null);
        Assert.True(called);
        var cookie = context.Response.Headers.SetCookie.ToString();
        Assert.StartsWith($"{WebAuth.CookieName(8123)}=s3cret-token_value;", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_cookie_of_another_port_does_not_count()
    {
        var context = Context(null, null, null);
        context.Request.Headers.Cookie = $"{WebAuth.CookieName(9999)}=s3cret-token_value";
        var called = false;
        await new WebAuth(Token).InvokeAsync(context, _ => { called = true; return Task.CompletedTask; });
        Assert.False(called);
        Assert.Equal(401, context.Response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1:8080")]
    [InlineData("127.0.0.2:0", "127.0.0.2:0")]
    [InlineData("localhost:9000", "127.0.0.1:9000")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    public void Loopback_addresses_are_taken(string text, string endpoint)
    {
        var web = WebSettings.From(text, allowRemote: false)!;
        Assert.Equal(endpoint, web.Endpoint.ToString());
        Assert.False(web.Remote);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("8080")]
    [InlineData(":8080")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("::1:8080")]
    [InlineData("example.com:8080")]
    public void Malformed_addresses_are_refused_with_an_example(string text)
    {
        var error = Assert.Throws<SessionKeeperException>(() => WebSettings.From(text, allowRemote: false));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Contains("such as 127.0.0.1:8080", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_addresses_need_the_explicit_flag()
    {
        var error = Assert.Throws<SessionKeeperException>(() => WebSettings.From("0.0.0.0:8080", allowRemote: false));
        Assert.Equal(FailureKind.InvalidInput, error.Kind);
        Assert.Contains("--web-allow-remote", error.Message, StringComparison.Ordinal);
        Assert.True(WebSettings.From("0.0.0.0:8080", allowRemote: true)!.Remote);
    }

    [Fact]
    public void The_view_is_off_by_default_and_the_flag_alone_is_refused()
    {
        Assert.Null(WebSettings.From(null, allowRemote: false));
        Assert.Equal(FailureKind.InvalidInput, Assert.Throws<SessionKeeperException>(() => WebSettings.From(null, allowRemote: true)).Kind);
    }

    [Theory]
    [InlineData(new byte[] { 0x3c, 0x62, 0x3e, 0x0a }, "<b>\n")] // markup stays text: the page inserts it as a text node
    [InlineData(new byte[] { 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x72, 0x0d, 0x0a }, "\\e[31mr\\r\n")]
    [InlineData(new byte[] { 0x61, 0x09, 0x62, 0x07, 0x00 }, "a\tb\\x07\\x00")]
    [InlineData(new byte[] { 0xff, 0xfe, 0x41, 0x0a, 0xc3, 0xa9 }, "\\xff\\xfeA\né")]
    [InlineData(new byte[] { 0xc2, 0x9b, 0x32, 0x4a }, "\\u009b2J")] // C1 CSI
    public void Output_bytes_become_visible_text(byte[] bytes, string expected) =>
        Assert.Equal(expected, OutputText.Visible(bytes));

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62 }, 2)]
    [InlineData(new byte[] { 0x61, 0xc3 }, 1)] // é cut after its lead byte
    [InlineData(new byte[] { 0x61, 0xe6, 0x97 }, 1)] // 日 cut after two of three
    [InlineData(new byte[] { 0xf0, 0x9f, 0x99 }, 0)] // 🙂 cut after three of four
    [InlineData(new byte[] { 0x61, 0xc3, 0xa9 }, 3)] // é whole
    [InlineData(new byte[] { 0x61, 0xff }, 2)] // not UTF-8 at all: shown escaped now, nothing to wait for
    [InlineData(new byte[] { 0x80, 0x80, 0x80 }, 3)]
    public void A_utf8_sequence_cut_at_the_end_waits_for_its_rest(byte[] bytes, int complete) =>
        Assert.Equal(complete, OutputText.CompleteLength(bytes));

    [Fact]
    public void A_tail_that_starts_inside_a_line_shows_whole_lines_only()
    {
        Assert.Equal(4, OutputText.LineStart("abc\ndef\n"u8));
        Assert.Equal(0, OutputText.LineStart("no newline"u8));
    }

    [Fact]
    public void Json_bodies_escape_markup_and_carry_visible_output()
    {
        var chunk = new WebChunk("stdout", OutputText.Visible("</script><img src=x onerror=alert(1)>\u001b]0;t\u0007\n"u8));
        var json = JsonSerializer.Serialize(chunk, WebJson.Default.WebChunk);
        Assert.DoesNotContain("<", json, StringComparison.Ordinal);
        Assert.DoesNotContain(">", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", json, StringComparison.Ordinal);
        Assert.Equal("</script><img src=x onerror=alert(1)>\\e]0;t\\x07\n", JsonSerializer.Deserialize(json, WebJson.Default.WebChunk)!.Text);
    }

    private static DefaultHttpContext Context(string? authorization, string? query, string? cookie)
    {
        var context = new DefaultHttpContext();
        context.Connection.LocalPort = 8123;
        context.Response.Body = new MemoryStream();
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        if (query is not null)
        {
            context.Request.QueryString = QueryString.Create("token", query);
        }

        if (cookie is not null)
        {
            context.Request.Headers.Cookie = $"{WebAuth.CookieName(8123)}={cookie}";
        }

        return context;
    }

    private static async Task<(DefaultHttpContext Context, bool Called)> SendAsync(string? authorization, string? query, string? cookie)
    {
        var context = Context(authorization, query, cookie);
        var called = false;
        await new WebAuth(Token).InvokeAsync(context, _ => { called = true; return Task.CompletedTask; });
        return (context, called);
    }

    private static string Body(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
